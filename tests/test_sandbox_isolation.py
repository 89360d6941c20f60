"""The sandbox's process isolation, with real processes, bubblewrap and cgroups, no mocks.

Every hostile script carries a unique marker in its command line, which its children inherit, so a
scan of /proc shows whether anything of it outlived `run`. Each limit is set before the script
starts, so a bomb is bounded from its first instruction.
"""

from __future__ import annotations

import os
import resource
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from training_sandbox import isolation
from training_sandbox.cgroups import JobCgroups
from training_sandbox.isolation import IsolationUnavailable, Limits, Outcome

REPOSITORY = Path(__file__).resolve().parents[1]

needs_bubblewrap = pytest.mark.skipif(
    isolation.bubblewrap() is None,
    reason="bubblewrap is not usable here (apt-get install bubblewrap)",
)


def _pids_cgroup_usable() -> bool:
    with JobCgroups(memory_bytes=2**30, processes=64) as cgroups:
        return cgroups.pids is not None


class Job:
    """One script run in the sandbox, with the lines it printed and when they arrived."""

    def __init__(self, tmp_path: Path) -> None:
        self.marker = f"kb-isolation-test-{uuid.uuid4().hex}"
        self.workdir = tmp_path / "work"
        self.workdir.mkdir()
        self.lines: list[str] = []
        self.arrivals: list[float] = []
        self.started = 0.0

    def run(self, code: str, limits: Limits, *, trusted: bool = False, **options: Any) -> Outcome:
        self.started = time.monotonic()
        return isolation.run(
            [sys.executable, "-c", code, self.marker],
            workdir=self.workdir,
            limits=limits,
            env={"PATH": os.environ["PATH"]},
            trusted=trusted,
            on_line=self._on_line,
            **options,
        )

    def _on_line(self, line: str) -> None:
        self.lines.append(line)
        self.arrivals.append(time.monotonic() - self.started)

    def leftovers(self) -> list[int]:
        """Pids of processes whose command line holds this job's marker."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and self.marker in (entry / "cmdline").read_text():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found


@pytest.fixture
def job(tmp_path: Path) -> Job:
    return Job(tmp_path)


QUICK = Limits(wall_seconds=30, memory_bytes=2**30)

SLEEPING_CHILD = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", sys.argv[1]])
print("started", flush=True)
time.sleep(600)
"""


@needs_bubblewrap
def test_lines_arrive_while_the_job_runs_and_its_files_stay(job: Job) -> None:
    code = """
import time
print("first")
time.sleep(2)
print("second")
open("result.txt", "w").write("done")
"""
    outcome = job.run(code, QUICK)

    assert (outcome.reason, outcome.returncode) == ("exited", 0)
    assert job.lines == ["first", "second"]
    assert job.arrivals[0] < 1.5 and job.arrivals[1] - job.arrivals[0] > 1.5
    assert (job.workdir / "result.txt").read_text() == "done"


@needs_bubblewrap
def test_wall_clock_limit_kills_the_whole_tree(job: Job) -> None:
    outcome = job.run(SLEEPING_CHILD, Limits(wall_seconds=5))

    assert outcome.reason == "timed_out"
    assert outcome.message == "stopped after the 5 s wall-clock limit"
    assert 5 <= outcome.seconds < 10
    assert job.leftovers() == []


@needs_bubblewrap
def test_cancel_kills_the_whole_tree_at_once(job: Job) -> None:
    outcome = job.run(SLEEPING_CHILD, QUICK, cancelled=lambda: len(job.arrivals) > 0)

    assert outcome.reason == "cancelled"
    assert outcome.seconds - job.arrivals[0] < 1
    assert job.leftovers() == []


@needs_bubblewrap
@pytest.mark.skipif(not _pids_cgroup_usable(), reason="no pids cgroup to bound a fork bomb")
def test_fork_bomb_stops_at_the_process_limit(job: Job) -> None:
    code = """
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
"""
    outcome = job.run(code, Limits(wall_seconds=20, processes=64))

    assert outcome.reason == "processes"
    assert outcome.message == "stopped on reaching the 64-process limit"
    assert job.leftovers() == []


@needs_bubblewrap
def test_memory_bomb_stops_at_the_memory_limit(job: Job) -> None:
    code = """
chunks = []
while True:
    chunks.append(bytearray(32 * 2**20))
"""
    outcome = job.run(code, Limits(wall_seconds=30, memory_bytes=256 * 2**20))

    assert outcome.reason == "memory"
    assert outcome.message == "stopped for using more than the 256 MiB memory limit"
    assert job.leftovers() == []


@needs_bubblewrap
def test_cpu_time_limit(job: Job) -> None:
    outcome = job.run("while True: pass", Limits(wall_seconds=30, cpu_seconds=1))

    assert outcome.reason == "cpu_time"
    assert outcome.message == "stopped after the 1 s CPU-time limit"


FILL = """
import itertools, os
block = b"x" * 2**20
for number in itertools.count():
    with open(os.path.join({folder!r}, "fill-%d" % (number if {many} else 0)), "ab") as file:
        for _ in range(8):
            file.write(block)
"""


@needs_bubblewrap
@pytest.mark.parametrize(
    ("folder", "many", "reason"),
    [(".", True, "disk"), (".", False, "file_size"), ("/tmp", True, "disk")],
    ids=["work folder", "one file", "private tmp"],
)
def test_filling_the_disk_stops_at_its_limit(job: Job, folder: str, many: bool, reason: str):
    limits = Limits(wall_seconds=30, disk_bytes=64 * 2**20, file_bytes=32 * 2**20)
    outcome = job.run(FILL.format(folder=folder, many=many), limits)

    assert outcome.reason == reason, outcome
    assert sum(file.stat().st_size for file in job.workdir.iterdir()) < 2**30
    assert job.leftovers() == []


@needs_bubblewrap
def test_no_network(job: Job) -> None:
    code = """
import socket
for address in [("127.0.0.1", 5432), ("1.1.1.1", 80)]:
    try:
        socket.create_connection(address, timeout=3)
        print("connected", address)
    except OSError as error:
        print("refused", type(error).__name__)
"""
    outcome = job.run(code, QUICK)

    assert outcome.reason == "exited"
    assert job.lines == ["refused ConnectionRefusedError", "refused OSError"]
    with socket.create_connection(("127.0.0.1", 5432), timeout=3):
        pass  # PostgreSQL on the host: reachable from outside, not from the job


@needs_bubblewrap
def test_the_download_step_alone_has_the_network_and_the_keras_cache(job: Job, tmp_path: Path):
    cache = tmp_path / "keras" / "datasets"
    cache.mkdir(parents=True)
    code = f"""
import socket
socket.create_connection(("127.0.0.1", 5432), timeout=3).close()
open({str(cache / "mnist.npz")!r}, "w").write("downloaded")
print("fetched")
"""
    outcome = job.run(code, QUICK, trusted=True, network=True, writable=[cache])

    assert outcome.reason == "exited" and outcome.returncode == 0, outcome.stderr_tail
    assert job.lines == ["fetched"]
    assert (cache / "mnist.npz").read_text() == "downloaded"
    with pytest.raises(ValueError, match="untrusted"):
        job.run(code, QUICK, network=True)


@needs_bubblewrap
def test_nothing_outside_the_work_folder_can_be_written(job: Job, tmp_path: Path) -> None:
    name = f"escape-{job.marker}"
    targets = [REPOSITORY / name, Path("/etc") / name, Path("/tmp") / name, tmp_path / name]
    code = f"""
import subprocess
subprocess.run(["mount", "-o", "remount,rw,bind", "/", "/"], capture_output=True)
for target in {[str(target) for target in targets]!r}:
    try:
        open(target, "w").write("escaped")
        print("wrote", target)
    except OSError as error:
        print("refused", error.strerror)
"""
    try:
        outcome = job.run(code, QUICK)
        escaped = [target for target in targets if target.exists()]
    finally:
        for target in targets:
            target.unlink(missing_ok=True)

    private = Path("/tmp")  # the job's own /tmp, gone with it; pytest's tmp_path is in it too
    assert outcome.reason == "exited"
    assert job.lines == [
        f"wrote {target}" if private in target.parents else "refused Read-only file system"
        for target in targets
    ]
    assert escaped == []


@needs_bubblewrap
def test_a_daemon_does_not_outlive_its_job(job: Job) -> None:
    code = """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        sleeper = "import time; time.sleep(600)"
        os.execv(sys.executable, [sys.executable, "-c", sleeper, sys.argv[1]])
    os._exit(0)
os.wait()
time.sleep(0.5)
print("daemon started")
"""
    outcome = job.run(code, QUICK)

    assert (outcome.reason, job.lines) == ("exited", ["daemon started"])
    assert job.leftovers() == []


@needs_bubblewrap
def test_printing_100_mb_stops_at_the_output_limit(job: Job) -> None:
    code = """
line = "y" * 2**20
for _ in range(100):
    print(line)
"""
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    outcome = job.run(code, Limits(wall_seconds=30, output_bytes=10 * 2**20))
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    assert outcome.reason == "output"
    assert outcome.message == "stopped for printing more than the 10 MiB allowed"
    assert max(len(line) for line in job.lines) <= 64 * 1024
    assert sum(len(line) for line in job.lines) < 11 * 2**20
    assert peak_after - peak_before < 64 * 2**20


def test_a_custom_script_is_refused_without_bubblewrap(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_SANDBOX_BUBBLEWRAP", "off")

    with pytest.raises(IsolationUnavailable, match="apt-get install bubblewrap"):
        job.run("print('never')", QUICK, trusted=False)
    assert job.lines == []


def test_a_catalog_example_runs_without_bubblewrap_with_a_warning(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KB_SANDBOX_BUBBLEWRAP", "off")

    with pytest.warns(RuntimeWarning, match="bubblewrap is not usable"):
        outcome = job.run(SLEEPING_CHILD, Limits(wall_seconds=2), trusted=True)

    assert (outcome.reason, job.lines) == ("timed_out", ["started"])
    assert job.leftovers() == []
