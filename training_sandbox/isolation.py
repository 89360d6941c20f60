"""Run one sandbox job as an isolated, limited process tree, never inside the calling process.

Every job runs in its own session, under bubblewrap when it is usable: no network, the whole
filesystem read-only, a private /proc, /dev, /tmp and /dev/shm, no capabilities, and its own pid
namespace, so that when the job's main process ends, every process it started (a daemon included)
ends with it. The work folder is the one writable place; it is bound at its own path, so whatever
the job writes there stays on the host for the caller to read after `run` returns.

Limits, and what enforces each one:
- wall clock, output size, cancel, and the work folder's size (walked every 0.2 s, so a fast
  writer overshoots by what it writes meanwhile): watched here; the whole tree is then killed.
- the private /tmp and /dev/shm: tmpfs of the work folder's size; a full one fails the job's write.
- memory: a memory cgroup per job when one can be created (it counts what the tree really uses,
  tmpfs and page cache included, and ignores the large address-space reservations of torch and
  CUDA that would make RLIMIT_AS fail a legitimate Keras job); otherwise RLIMIT_DATA per process.
- processes: a pids cgroup per job when one can be created; RLIMIT_NPROC otherwise, which root
  ignores. A job that reaches the limit is stopped: a fork bomb ends at once.
- CPU time, file size, open files: RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE.

Without bubblewrap the catalog's own examples still run, with the limits above, in a session of
their own that is killed as a group; a process that leaves that session (a daemon) can then outlive
the job unless the pids cgroup catches it, and nothing stops network access or writes elsewhere.
That is why custom scripts (`trusted=False`) are refused without bubblewrap.

Environment: `KB_SANDBOX_BUBBLEWRAP=off` runs as if bubblewrap were missing.
"""

from __future__ import annotations

import functools
import glob
import logging
import math
import os
import re
import resource
import selectors
import shlex
import shutil
import signal
import subprocess
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from training_sandbox.cgroups import JobCgroups

logger = logging.getLogger(__name__)

STDERR_TAIL_BYTES = 4096
LONGEST_LINE_BYTES = 64 * 1024  # a longer line is handed over in pieces, so memory stays bounded
CHECK_SECONDS = 0.2  # how often the wall clock, limits and cancel are checked
CPU_GRACE_SECONDS = 5  # SIGXCPU at the limit, SIGKILL this much later if it is ignored
MEMORY_ERRORS = re.compile(rb"MemoryError|[Cc]annot allocate memory|can't allocate memory")
FILE_TOO_LARGE = re.compile(rb"File too large|\[Errno 27\]")
NO_SPACE = re.compile(rb"No space left on device|\[Errno 28\]")


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 3600.0
    memory_bytes: int = 4 * 2**30
    cpu_seconds: int | None = None  # None: wall_seconds * number of CPUs, rounded up
    file_bytes: int = 1 * 2**30  # largest file a job may write
    disk_bytes: int = 2 * 2**30  # the work folder, and each of the private /tmp and /dev/shm
    open_files: int = 256
    processes: int = 256
    output_bytes: int = 10 * 2**20  # stdout+stderr a job may print; beyond it the job is killed

    @property
    def cpu_limit(self) -> int:
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return math.ceil(self.wall_seconds * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Outcome:
    # "exited" | "timed_out" | "cancelled" | "memory" | "cpu_time" | "file_size" | "disk"
    # | "processes" | "output" | "killed" (a signal we did not send)
    reason: str
    returncode: int | None  # as subprocess gives it: negative for a signal
    message: str  # one sentence naming the limit that ended the job
    stderr_tail: str
    seconds: float


class IsolationUnavailable(RuntimeError):
    """A custom script was asked for where bubblewrap cannot isolate it."""


def bubblewrap() -> str | None:
    """The path of a bwrap that works here with the options `run` uses, or None."""
    if os.environ.get("KB_SANDBOX_BUBBLEWRAP", "").lower() == "off":
        return None
    return _probe_bubblewrap()


@functools.cache
def _probe_bubblewrap() -> str | None:
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [*_bubblewrap_argv(path, Path("/"), (), Limits()), "true"]
    try:
        subprocess.run(probe, capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("bubblewrap at %s is not usable here: %s", path, error)
        return None
    return path


def _bubblewrap_argv(
    bwrap: str,
    workdir: Path,
    read_only: Sequence[Path],
    limits: Limits,
    writable: Sequence[Path] = (),
    network: bool = False,
) -> list[str]:
    # As root, the sandbox's root keeps every capability in its user namespace and could remount
    # / read-write: drop them all, and forbid a nested user namespace that would give them back.
    argv = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    if network:
        argv += ["--share-net"]
    argv += ["--die-with-parent", "--new-session", "--ro-bind", "/", "/"]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    argv += ["--size", str(limits.disk_bytes), "--tmpfs", "/tmp"]
    argv += ["--size", str(limits.disk_bytes), "--tmpfs", "/dev/shm"]
    for device in [*sorted(glob.glob("/dev/nvidia*")), "/dev/dri"]:
        argv += ["--dev-bind-try", device, device]
    for path in read_only:
        argv += ["--ro-bind", str(path), str(path)]
    # Bound last, so that they stay writable even inside /tmp or a read-only path.
    for path in writable:
        argv += ["--bind", str(path), str(path)]
    argv += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--"]
    return argv


def _launcher(limits: Limits, cgroups: JobCgroups) -> list[str]:
    """A shell that joins the cgroups, then prlimit (util-linux) setting the rlimits, then the job.

    Done in the child before the job starts, so nothing it starts escapes them; not in a
    `preexec_fn`, which is unsafe when the caller has threads.
    """
    joins = "".join(f"echo $$ > {shlex.quote(str(path))}\n" for path in cgroups.join_files())
    cpu = limits.cpu_limit
    wanted = {
        "cpu": (resource.RLIMIT_CPU, cpu, cpu + CPU_GRACE_SECONDS),
        "fsize": (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        "nofile": (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        "nproc": (resource.RLIMIT_NPROC, limits.processes, limits.processes),
        "core": (resource.RLIMIT_CORE, 0, 0),
    }
    if cgroups.memory is None:
        wanted["data"] = (resource.RLIMIT_DATA, limits.memory_bytes, limits.memory_bytes)
    options = []
    for name, (which, soft, hard) in wanted.items():
        current_hard = resource.getrlimit(which)[1]
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        options.append(f"--{name}={soft}:{hard}")
    script = f'set -e\n{joins}exec "$@"\n'
    return ["/bin/sh", "-c", script, "kb-sandbox-job", "prlimit", *options, "--"]


def run(
    argv: Sequence[str],
    *,
    workdir: Path,
    limits: Limits,
    env: Mapping[str, str],
    read_only: Sequence[Path] = (),
    writable: Sequence[Path] = (),
    network: bool = False,
    trusted: bool = True,
    on_line: Callable[[str], None] = lambda line: None,
    cancelled: Callable[[], bool] = lambda: False,
    on_start: Callable[[int], None] = lambda pid: None,
) -> Outcome:
    """Run `argv` in `workdir` under `limits` and block until it and every process it started end.

    Each stdout line goes to `on_line` as soon as it arrives; `cancelled` is polled every 0.2 s.
    Files the job writes in `workdir` (and in the `writable` folders) stay there for the caller;
    nothing else it writes survives (under bubblewrap). HOME is the work folder and
    PYTHONUNBUFFERED is set. `network` lets our own code reach the network (to download a
    dataset); an untrusted job never gets it.
    Raises IsolationUnavailable for an untrusted job where bubblewrap is not usable.
    """
    workdir = workdir.resolve()
    if not trusted and (network or writable):
        raise ValueError("an untrusted job gets neither the network nor more writable folders")
    bwrap = bubblewrap()
    if bwrap is None and not trusted:
        raise IsolationUnavailable(
            "custom scripts run only under bubblewrap, which is not usable here; "
            "install it with `apt-get install bubblewrap`"
        )
    if bwrap is None:
        # Shown once per process by the default warning filters.
        warnings.warn(
            "bubblewrap is not usable: sandbox jobs run without network, filesystem and "
            "process-namespace isolation, with resource limits only",
            RuntimeWarning,
            stacklevel=2,
        )
    job_env = {**env, "HOME": str(workdir), "PYTHONUNBUFFERED": "1"}
    with JobCgroups(limits.memory_bytes, limits.processes) as cgroups:
        command = _launcher(limits, cgroups)
        if bwrap is not None:
            command += _bubblewrap_argv(bwrap, workdir, read_only, limits, writable, network)
        command += list(argv)
        return _Job(command, workdir, job_env, limits, cgroups, bwrap is not None).watch(
            on_line, cancelled, on_start
        )


class _Job:
    """One started job: follows its output and limits, then kills whatever is left of it."""

    def __init__(
        self,
        command: list[str],
        workdir: Path,
        env: Mapping[str, str],
        limits: Limits,
        cgroups: JobCgroups,
        bubblewrapped: bool,
    ) -> None:
        self.command, self.workdir, self.env = command, workdir, env
        self.limits, self.cgroups, self.bubblewrapped = limits, cgroups, bubblewrapped
        self.stopped: str | None = None  # the reason, when we stopped it
        self.printed = 0
        self.stderr_tail = b""
        self.partial_line = b""
        self.selector = selectors.DefaultSelector()
        self.next_disk_check = 0.0

    def watch(
        self,
        on_line: Callable[[str], None],
        cancelled: Callable[[], bool],
        on_start: Callable[[int], None],
    ) -> Outcome:
        started = time.monotonic()
        process = subprocess.Popen(
            self.command,
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with process:
            self.selector.register(process.stdout, selectors.EVENT_READ, on_line)
            self.selector.register(process.stderr, selectors.EVENT_READ, None)
            try:
                on_start(process.pid)
                self._follow(process, started, cancelled)
            finally:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                self.cgroups.kill_all()
                process.wait()
                self._drain()
                if self.partial_line:
                    on_line(self.partial_line.decode(errors="replace"))
                self.selector.close()
        returncode = process.returncode
        if self.bubblewrapped and returncode > 128:  # bwrap reports a signal as 128 + its number
            returncode = 128 - returncode
        reason = self.stopped or self._reason(returncode)
        return Outcome(
            reason=reason,
            returncode=returncode,
            message=self._message(reason, returncode),
            stderr_tail=self.stderr_tail.decode(errors="replace"),
            seconds=time.monotonic() - started,
        )

    def _follow(
        self, process: subprocess.Popen[bytes], started: float, cancelled: Callable[[], bool]
    ) -> None:
        deadline = started + self.limits.wall_seconds
        next_check = started
        while process.poll() is None:
            now = time.monotonic()
            for key, _ in self.selector.select(max(0.0, min(CHECK_SECONDS, deadline - now))):
                self._read(key)
            if self.printed > self.limits.output_bytes:
                self.stopped = "output"
                return
            now = time.monotonic()
            if now < next_check:  # a job that prints a lot wakes us far more often than this
                continue
            next_check = now + CHECK_SECONDS
            if now >= deadline:
                self.stopped = "timed_out"
            elif self.cgroups.out_of_memory():
                self.stopped = "memory"
            elif self.cgroups.process_limit_reached():
                self.stopped = "processes"
            elif self._disk_full(now):
                self.stopped = "disk"
            elif cancelled():
                self.stopped = "cancelled"
            if self.stopped:
                return

    def _disk_full(self, now: float) -> bool:
        if now < self.next_disk_check:
            return False
        used = _allocated_bytes(self.workdir)
        # A folder of very many files takes long to walk: then walk it less often.
        self.next_disk_check = now + max(CHECK_SECONDS, 10 * (time.monotonic() - now))
        return used > self.limits.disk_bytes

    def _read(self, key: selectors.SelectorKey) -> None:
        data = os.read(key.fd, 65536)
        if not data:
            self.selector.unregister(key.fileobj)
            return
        self.printed += len(data)
        on_line = key.data
        if on_line is None:
            self.stderr_tail = (self.stderr_tail + data)[-STDERR_TAIL_BYTES:]
            return
        *lines, self.partial_line = (self.partial_line + data).split(b"\n")
        while len(self.partial_line) > LONGEST_LINE_BYTES:
            lines.append(self.partial_line[:LONGEST_LINE_BYTES])
            self.partial_line = self.partial_line[LONGEST_LINE_BYTES:]
        for line in lines:
            on_line(line.removesuffix(b"\r").decode(errors="replace"))

    def _drain(self) -> None:
        """Read what the killed tree left in the pipes; bounded, in case a daemon escaped."""
        deadline = time.monotonic() + 1
        while self.selector.get_map() and time.monotonic() < deadline:
            for key, _ in self.selector.select(0.1):
                self._read(key)

    def _reason(self, returncode: int) -> str:
        if returncode == 0:
            return "exited"
        tail = self.stderr_tail
        if self.cgroups.out_of_memory() or MEMORY_ERRORS.search(tail):
            return "memory"
        if self.cgroups.process_limit_reached():
            return "processes"
        if returncode == -signal.SIGXCPU:
            return "cpu_time"
        if returncode == -signal.SIGXFSZ or FILE_TOO_LARGE.search(tail):
            return "file_size"
        if NO_SPACE.search(tail):
            return "disk"
        return "killed" if returncode < 0 else "exited"

    def _message(self, reason: str, returncode: int) -> str:
        limits = self.limits
        messages = {
            "exited": f"exited with status {returncode}",
            "timed_out": f"stopped after the {limits.wall_seconds:g} s wall-clock limit",
            "cancelled": "stopped because it was cancelled",
            "memory": f"stopped for using more than the {_size(limits.memory_bytes)} memory limit",
            "processes": f"stopped on reaching the {limits.processes}-process limit",
            "cpu_time": f"stopped after the {limits.cpu_limit} s CPU-time limit",
            "file_size": f"stopped for writing a file over the {_size(limits.file_bytes)} limit",
            "disk": f"stopped for filling its work folder or /tmp past {_size(limits.disk_bytes)}",
            "output": f"stopped for printing more than the {_size(limits.output_bytes)} allowed",
        }
        if reason == "killed":
            return f"killed by signal {-returncode} ({signal.strsignal(-returncode)})"
        return messages[reason]


def _allocated_bytes(folder: Path) -> int:
    """Disk space the files under `folder` take (allocated blocks, so sparse files count right)."""
    total, pending = 0, [folder]
    while pending:
        with suppress(OSError), os.scandir(pending.pop()) as entries:
            for entry in entries:
                with suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
    return total


def _size(count: int) -> str:
    for unit, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if count >= unit:
            return f"{count / unit:g} {name}"
    return f"{count} bytes"
