"""The sandbox's isolation, with real processes, bubblewrap and cgroups, no mocks: what a hostile
script can reach of the host (nothing it is not given), and how far it can go (its limits).

Every hostile script carries a unique marker in its command line, which its children inherit, so a
scan of /proc shows whether anything of it outlived `run`. Each limit is set before the script
starts, so a bomb is bounded from its first instruction.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from kb.settings import INSTANCE_DIR, PROJECT_ROOT
from training_sandbox import cgroups, isolation, syscall_filter
from training_sandbox.cgroups import JobCgroups
from training_sandbox.isolation import IsolationUnavailable, Limits, Outcome, Share

needs_bubblewrap = pytest.mark.skipif(
    isolation.bubblewrap() is None,
    reason="bubblewrap is not usable here (apt-get install bubblewrap)",
)
needs_full_isolation = pytest.mark.skipif(
    not isolation.containment().private_fs,
    reason="the job's own file system needs bubblewrap and root",
)
# What the job's / holds: the system, its runtime's top folders, its own folders and shares.
RUNTIME_TOPS = {Path(path).parts[1] for path in (sys.prefix, sys.base_prefix)}
JOB_ROOT = {"bin", "dev", "etc", "job", "lib", "lib64", "opt", "proc", "sbin", "tmp", "usr"}


def _pids_cgroup_usable() -> bool:
    with JobCgroups(memory_bytes=2**30, processes=64) as cgroups:
        return cgroups.pids is not None


class Job:
    """One script run in the sandbox, with the lines it printed and when they arrived."""

    def __init__(self, tmp_path: Path) -> None:
        self.marker = f"kb-isolation-test-{uuid.uuid4().hex}"
        self.folder = tmp_path / "job"
        self.folder.mkdir()
        self.script = tmp_path / "script.py"
        self.lines: list[str] = []
        self.stderr: list[str] = []
        self.arrivals: list[float] = []
        self.started = 0.0

    def run(self, code: str, limits: Limits, *, trusted: bool = False, **options: Any) -> Outcome:
        self.script.write_text(code)
        self.started = time.monotonic()
        return isolation.run(
            [sys.executable, "script.py", self.marker],
            folder=self.folder,
            limits=limits,
            env={},
            inputs={"script.py": self.script},
            trusted=trusted,
            on_line=self._on_line,
            on_stderr=self.stderr.append,
            **options,
        )

    def said(self) -> dict[str, Any]:
        """The JSON object the script printed last."""
        return json.loads(self.lines[-1])

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

    def host_files(self) -> list[str]:
        """What the job left in its folder on the host: only what isolation put there."""
        return sorted(
            str(path.relative_to(self.folder))
            for path in self.folder.rglob("*")
            if path.name not in ("passwd", "group")
        )


@pytest.fixture
def job(tmp_path: Path) -> Job:
    return Job(tmp_path)


def each_of(targets: list[str], attempt: str) -> str:
    """A script that runs `attempt` (code that uses `target` and sets `result`) for each target
    and prints what came of each, as one JSON object: the result, or the error's words."""
    body = "\n".join(f"        {line}" for line in attempt.strip().splitlines())
    return f"""
import json, os, socket
said = {{}}
for target in {targets!r}:
    try:
{body}
        said[target] = result
    except OSError as error:
        said[target] = error.strerror
print(json.dumps(said))
"""


QUICK = Limits(wall_seconds=30, memory_bytes=2**30)

SLEEPING_CHILD = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", sys.argv[1]])
print("started", flush=True)
time.sleep(600)
"""


@needs_bubblewrap
def test_lines_arrive_while_the_job_runs_and_its_files_end_with_it(job: Job) -> None:
    code = """
import os, sys, time
print("first")
time.sleep(2)
print("second", os.getcwd(), os.environ["HOME"], os.getuid(), file=sys.stdout)
print("to stderr", file=sys.stderr)
open("result.txt", "w").write("done")
os.makedirs("/tmp/deep/er")
"""
    outcome = job.run(code, QUICK)

    assert (outcome.reason, outcome.returncode) == ("exited", 0), outcome.stderr_tail
    assert job.lines == ["first", f"second /job /job {isolation.JOB_UID}"]
    assert job.arrivals[0] < 1.5 and job.arrivals[1] - job.arrivals[0] > 1.5
    assert "".join(job.stderr) == "to stderr\n"
    assert job.host_files() == [], "the job's files are in its own file system, gone with it"


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
@pytest.mark.skipif(not _pids_cgroup_usable(), reason="no cgroups to give a job a weight")
def test_a_job_weighs_a_quarter_of_other_processes_on_the_cpu(tmp_path: Path) -> None:
    started, seen = [], []

    def on_line(line: str) -> None:  # the job is up: which cpu cgroup is its launcher in?
        cgroup = Path(f"/proc/{started[0]}/cgroup").read_text().splitlines()
        group = next(
            line.split(":", 2)[2] for line in cgroup if "cpu" in line.split(":")[1].split(",")
        )
        seen.append(cgroups.CGROUP_ROOT / "cpu" / group.lstrip("/"))
        seen.append((seen[0] / "cpu.shares").read_text().strip())

    script = tmp_path / "script.py"
    script.write_text("import time\nprint('up', flush=True)\ntime.sleep(2)\n")
    (tmp_path / "job").mkdir()
    outcome = isolation.run(
        [sys.executable, "script.py"],
        folder=tmp_path / "job",
        limits=Limits(wall_seconds=20),
        env={},
        inputs={"script.py": script},
        trusted=False,
        on_line=on_line,
        on_start=started.append,
    )

    assert outcome.reason == "exited" and outcome.returncode == 0, outcome.stderr_tail
    group, shares = seen
    assert group.name.startswith(cgroups.PREFIX) and shares == str(cgroups.CPU_SHARES)
    assert not group.exists(), "removed at the job's end"


@pytest.mark.skipif(not _pids_cgroup_usable(), reason="no cgroups here")
def test_job_cgroups_a_killed_worker_left_are_emptied_and_removed(monkeypatch) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    with JobCgroups(memory_bytes=2**30, processes=64) as own:
        parent = own.pids.parent
        left = parent / f"{cgroups.PREFIX}{gone.pid}-{uuid.uuid4().hex[:12]}"
        left.mkdir()
        survivor = subprocess.Popen(["sleep", "60"])
        (left / "cgroup.procs").write_text(str(survivor.pid))
        assert (own.cpu / "cpu.shares").read_text().strip() == str(cgroups.CPU_SHARES)
        tcp = own.memory / "memory.kmem.tcp.limit_in_bytes"
        assert int(tcp.read_text()) == cgroups.TCP_BUFFER_BYTES
        monkeypatch.setattr(cgroups, "LEFT_BEHIND_SECONDS", -1)
        with JobCgroups(memory_bytes=2**30, processes=64):
            assert survivor.wait(timeout=10) == -9, "what a dead worker's job left is killed"
            assert not left.exists()
            assert own.pids.exists(), "a live worker's cgroup is kept"


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
    assert job.host_files() == []
    assert job.leftovers() == []


@needs_full_isolation
def test_400_000_empty_files_stop_at_the_file_limit(job: Job) -> None:
    code = """
import os
made = 0
try:
    for made in range(400_000):
        open(f"empty-{made}", "w").close()
finally:
    print(made, flush=True)
"""
    outcome = job.run(code, Limits(wall_seconds=60, files=10_000))

    assert outcome.reason == "files", outcome
    assert outcome.message == (
        "stopped for creating more than the 10,000 files its work folder and /tmp may hold"
    )
    assert job.lines == [] or int(job.lines[-1]) <= 10_000
    assert job.host_files() == [] and job.leftovers() == [], "nothing of it on the host's disk"


def _host_sockets() -> list[str]:
    """Every unix socket of the host under /run (/var/run is a link to it here), and the
    database servers' sockets by their usual paths."""
    found = {str(path) for path in Path("/run").rglob("*") if path.is_socket()}
    found |= {"/var/run/postgresql/.s.PGSQL.5432", "/run/mysqld/mysqld.sock"}
    return sorted(found)


@needs_bubblewrap
def test_no_unix_socket_of_the_host_is_reachable(job: Job, tmp_path: Path) -> None:
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0kb-isolation-test-{job.marker}")
    abstract.listen()
    targets = [*_host_sockets(), f"\0kb-isolation-test-{job.marker}"]
    code = each_of(
        targets,
        """
with socket.socket(socket.AF_UNIX) as client:
    client.settimeout(3)
    client.connect(target)
result = "connected"
""",
    )
    try:
        outcome = job.run(code, QUICK)
    finally:
        abstract.close()

    assert outcome.reason == "exited", outcome.stderr_tail
    reached = job.said()
    assert set(reached) == set(targets)
    assert "connected" not in reached.values(), reached
    assert "/var/run/postgresql/.s.PGSQL.5432" in reached
    print(f"unix sockets tried from a job: {len(targets)}, reached: 0")


@needs_bubblewrap
def test_the_host_s_files_are_not_there(job: Job, tmp_path: Path) -> None:
    other_job = tmp_path / "sandbox" / "0123456789abcdef-1"
    other_job.mkdir(parents=True)
    (other_job / "script.py").write_text("secret = 'another learner's work'")
    targets = [
        "/etc/shadow",
        "/root/.bash_history",
        "/root/.ssh",
        str(INSTANCE_DIR / "kb.sqlite3"),
        str(PROJECT_ROOT / "kb" / "models.py"),
        str(PROJECT_ROOT / ".git" / "config"),
        str(other_job / "script.py"),
        f"/proc/{os.getpid()}/environ",  # this test's process, on the host
        "/sys/fs/cgroup",
        "/var/lib/postgresql",
    ]
    code = each_of(targets, 'open(target, "rb").read(16)\nresult = "read"')
    outcome = job.run(code, QUICK)

    assert outcome.reason == "exited", outcome.stderr_tail
    found = job.said()
    assert "read" not in found.values(), found
    assert set(found.values()) == {"No such file or directory"}, found


@needs_bubblewrap
def test_listing_shows_the_system_and_the_runtime_only(job: Job) -> None:
    folders = ["/", "/home", str(PROJECT_ROOT.parent), str(PROJECT_ROOT), "/etc", "/run", "/var"]
    outcome = job.run(each_of(folders, "result = sorted(os.listdir(target))"), QUICK)

    assert outcome.reason == "exited", outcome.stderr_tail
    seen = job.said()
    assert set(seen["/"]) <= JOB_ROOT | RUNTIME_TOPS, seen["/"]
    for folder in ("/home", "/run", "/var"):
        assert seen[folder] == "No such file or directory", (folder, seen[folder])
    runtime = [Path(sys.prefix), Path(sys.base_prefix)]
    for folder in (PROJECT_ROOT.parent, PROJECT_ROOT):
        listed = seen[str(folder)]
        # Only the folders that lead to the Python runtime, if it lies in there.
        leading = {p.relative_to(folder).parts[0] for p in runtime if folder in p.parents}
        assert listed == "No such file or directory" or set(listed) <= leading, (folder, listed)
    assert set(seen["/etc"]) <= {*isolation.ETC_FILES, "passwd", "group"}, seen["/etc"]


@needs_bubblewrap
def test_no_network(job: Job) -> None:
    code = """
import socket
import subprocess
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
def test_the_download_step_alone_has_the_network_and_a_writable_share(job: Job, tmp_path: Path):
    cache = tmp_path / "keras"
    cache.mkdir()
    code = """
import os, socket
socket.create_connection(("127.0.0.1", 5432), timeout=3).close()
folder = os.environ["KERAS_HOME"]
os.makedirs(os.path.join(folder, "datasets"))
open(os.path.join(folder, "datasets", "mnist.npz"), "w").write("downloaded")
print("fetched", folder)
"""
    share = Share("KERAS_HOME", cache, writable=True)
    outcome = job.run(code, QUICK, trusted=True, network=True, shares=[share])

    assert outcome.reason == "exited" and outcome.returncode == 0, outcome.stderr_tail
    assert job.lines == [f"fetched {cache}"]
    assert (cache / "datasets" / "mnist.npz").read_text() == "downloaded"
    with pytest.raises(ValueError, match="untrusted"):
        job.run(code, QUICK, network=True)
    with pytest.raises(ValueError, match="untrusted"):
        job.run(code, QUICK, shares=[share])


@needs_bubblewrap
def test_shares_and_everything_else_outside_the_job_s_folders_are_read_only(
    job: Job, tmp_path: Path
) -> None:
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    (datasets / "mnist.txt").write_text("pixels")
    targets = [str(datasets / "mnist.txt"), "/usr/escape", sys.prefix + "/escape"]
    targets += ["/etc/escape", "/opt/kb/training_sandbox/escape", "/escape"]
    remount = 'import subprocess\nsubprocess.run(["mount", "-o", "remount,rw,bind", "/", "/"])\n'
    read = 'open(os.environ["KB_DATASETS_DIR"] + "/mnist.txt").read()'
    code = remount + each_of(
        ["read", *targets],
        f"""
if target == "read":
    result = {read}
else:
    open(target, "w").write("escaped")
    result = "wrote"
""",
    )
    outcome = job.run(code, QUICK, shares=[Share("KB_DATASETS_DIR", datasets)])

    assert outcome.reason == "exited", outcome.stderr_tail
    said = job.said()
    assert said.pop("read") == "pixels"
    assert "wrote" not in said.values(), said
    assert (datasets / "mnist.txt").read_text() == "pixels"
    assert sorted(p.name for p in datasets.iterdir()) == ["mnist.txt"]


@needs_bubblewrap
@pytest.mark.skipif(syscall_filter.program() is None, reason="no system-call filter here")
def test_the_kernel_s_rarely_needed_interfaces_are_refused_to_the_job_and_its_children(
    job: Job,
) -> None:
    code = f"""
import ctypes, errno, json, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)

def call(number):
    failed = libc.syscall(number, 0, 0, 0, 0, 0) < 0
    return errno.errorcode.get(ctypes.get_errno()) if failed else "ok"

denied = {dict(syscall_filter.DENIED)!r}
if sys.argv[1:] == ["child"]:
    print(json.dumps({{name: call(number) for name, number in denied.items()}}))
else:
    print(json.dumps({{"getppid": call(110), "open": sorted(os.listdir("/proc/self/fd"))}}))
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "child"])
"""
    outcome = job.run(code, Limits(wall_seconds=30))

    assert outcome.reason == "exited" and outcome.returncode == 0, outcome.stderr_tail
    first, child = (json.loads(line) for line in job.lines)
    assert first["getppid"] == "ok"
    assert first["open"] == ["0", "1", "2", "3"], "no descriptor of the host's (3: the listing)"
    assert set(child.values()) == {"EPERM"} and len(child) == len(syscall_filter.DENIED)


@needs_bubblewrap
@pytest.mark.skipif(syscall_filter.program() is None, reason="no system-call filter here")
def test_only_local_ip_and_netlink_sockets_can_be_opened(job: Job) -> None:
    code = """
import errno, json, socket
found = {}
for family in ("AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_VSOCK", "AF_ALG"):
    kind = socket.SOCK_SEQPACKET if family == "AF_ALG" else socket.SOCK_DGRAM
    try:
        socket.socket(getattr(socket, family), kind).close()
        found[family] = "ok"
    except OSError as error:
        found[family] = errno.errorcode[error.errno]
print(json.dumps(found))
"""
    outcome = job.run(code, Limits(wall_seconds=30))

    assert outcome.reason == "exited" and outcome.returncode == 0, outcome.stderr_tail
    opened = job.said()
    assert {f for f, said in opened.items() if said == "ok"} == set(syscall_filter.ALLOWED_FAMILIES)
    assert {opened[f] for f in ("AF_PACKET", "AF_VSOCK", "AF_ALG")} == {"EPERM"}


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
def test_a_job_does_not_outlive_its_runner(job: Job, tmp_path: Path) -> None:
    """A worker killed outright (SIGKILL, the OOM killer) takes its job with it: nothing of it
    runs on without a wall clock, nor beside the run the reaper starts again."""
    job.script.write_text("import time\nprint('up', flush=True)\ntime.sleep(600)\n")
    runner = f"""
import sys
from pathlib import Path
from training_sandbox import isolation
from training_sandbox.isolation import Limits
isolation.run(
    [sys.executable, "script.py", {job.marker!r}],
    folder=Path({str(job.folder)!r}),
    limits=Limits(wall_seconds=300),
    env={{}},
    inputs={{"script.py": Path({str(job.script)!r})}},
    trusted=False,
    on_line=lambda line: print(line, flush=True),
)
"""
    command = [sys.executable, "-c", runner]
    with subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True) as worker:
        try:
            assert worker.stdout.readline().strip() == "up"
            assert job.leftovers(), "the job runs"
        finally:
            worker.kill()
    deadline = time.monotonic() + 10
    while job.leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
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


@needs_bubblewrap
def test_printing_millions_of_empty_lines_stops_at_the_line_limit(job: Job) -> None:
    code = """
import sys
sys.stdout.write("\\n" * 10 * 2**20)
"""
    started = time.process_time()
    outcome = job.run(code, Limits(wall_seconds=30, output_lines=1_000_000))
    host_cpu = time.process_time() - started

    assert outcome.reason == "output"
    assert outcome.message == "stopped for printing more than the 1,000,000 lines allowed"
    print(f"10 Mi empty lines: stopped after {len(job.lines):,}, {host_cpu:.1f} s of host CPU")
    assert len(job.lines) < 1_200_000  # the limit, and what the last reads brought


def test_a_custom_script_is_refused_without_bubblewrap(job: Job) -> None:
    with pytest.raises(IsolationUnavailable, match="apt-get install bubblewrap"):
        job.run("print('never')", QUICK, trusted=False, bubblewrap=False)
    assert job.lines == []


def test_a_catalog_example_runs_without_bubblewrap_with_a_warning(job: Job) -> None:
    with pytest.warns(RuntimeWarning, match="bubblewrap is not usable"):
        outcome = job.run(SLEEPING_CHILD, Limits(wall_seconds=2), trusted=True, bubblewrap=False)

    assert (outcome.reason, job.lines) == ("timed_out", ["started"])
    assert job.leftovers() == []
