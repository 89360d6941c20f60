"""Run one sandbox job as an isolated, limited process tree, never inside the calling process.

What a job sees, under bubblewrap (`Containment.bubblewrap`): a file system built from a list,
not the host's `/`:

- read-only: `/usr` (and the `/bin`, `/lib`... links into it), the Python runtime that runs the
  job (its installation and virtual environment), the job-side code (`training_sandbox.inside`)
  at `JOB_CODE`, the folders the caller shares (`Share`: the datasets and the Keras cache, at
  their own paths), and from `/etc` only what the dynamic linker and time zones read, plus a
  `passwd` and `group` that name the job's own user (and, for a step with the network, what
  name resolution and TLS read);
- `/job` (its work folder, the current directory and HOME), `/tmp` and `/dev/shm`: writable;
- its own `/proc` and a minimal `/dev`, with the GPU devices where there are (`/dev/nvidia*`,
  `/dev/dri`, and then `/sys/bus/pci`, `/sys/devices` and `/sys/module/nvidia`, read-only, which
  CUDA and NVML read to enumerate devices; the driver's libraries come with `/usr`);
- nothing else: no `/run`, `/var`, `/home`, no project folder, no other job, no host socket.

It runs as the unprivileged user `JOB_UID` of its own user namespace, with no capabilities,
no network, its own pid namespace (when its main process ends, everything it started ends too)
and no way to create another user namespace.

Where this process is root, `/job`, `/tmp` and `/dev/shm` are one tmpfs of `Limits.disk_bytes`
and `Limits.files` inodes, mounted in a mount namespace of the job's own (`private_fs`): it is
gone when the job's last process ends, whatever ends it, and the host's disk is never touched.
Otherwise bubblewrap mounts each as a tmpfs of `disk_bytes`, with no bound on their files.

Limits, and what enforces each one:
- wall clock, output size, cancel, and the job's file system (block and inode counts, read
  every 0.2 s): watched here; the whole tree is then killed.
- memory: a memory cgroup per job when one can be created (it counts what the tree really uses,
  its tmpfs pages included, and ignores the large address-space reservations of torch and CUDA
  that would make RLIMIT_AS fail a legitimate Keras job); otherwise RLIMIT_DATA per process.
- processes: a pids cgroup per job when one can be created; RLIMIT_NPROC otherwise, which root
  ignores. A job that reaches the limit is stopped: a fork bomb ends at once.
- CPU time, file size, open files: RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE.

A custom script (`trusted=False`) runs only with all of it: bubblewrap, the job's own bounded
file system, and both cgroups (`IsolationUnavailable` otherwise). The catalog's own examples run
with whatever this machine offers; without bubblewrap they run on the host, in a session of
their own that is killed as a group, with the limits above and a warning.

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
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import training_sandbox
from training_sandbox.cgroups import JobCgroups

logger = logging.getLogger(__name__)

JOB_DIR = "/job"  # the work folder, as the job sees it
JOB_CODE = "/opt/kb"  # holds training_sandbox/__init__.py and training_sandbox/inside/
JOB_UID = JOB_GID = 65534  # the job's user inside its user namespace: not root
STDERR_TAIL_BYTES = 4096
LONGEST_LINE_BYTES = 64 * 1024  # a longer line is handed over in pieces, so memory stays bounded
CHECK_SECONDS = 0.2  # how often the wall clock, limits and cancel are checked
CPU_GRACE_SECONDS = 5  # SIGXCPU at the limit, SIGKILL this much later if it is ignored
MEMORY_ERRORS = re.compile(rb"MemoryError|[Cc]annot allocate memory|can't allocate memory")
FILE_TOO_LARGE = re.compile(rb"File too large|\[Errno 27\]")
NO_SPACE = re.compile(rb"No space left on device|\[Errno 28\]")
# What the job reads of /etc: the dynamic linker's cache, time zones, how names resolve.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf")
# ...and, for a step that has the network, how to reach it.
NETWORK_ETC_FILES = ("resolv.conf", "hosts", "host.conf", "gai.conf", "ssl", "ca-certificates")
GPU_SYSFS = ("/sys/bus/pci", "/sys/devices", "/sys/module/nvidia")
USR_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
SANDBOX_CODE = Path(training_sandbox.__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 3600.0
    memory_bytes: int = 4 * 2**30
    cpu_seconds: int | None = None  # None: wall_seconds * number of CPUs, rounded up
    file_bytes: int = 1 * 2**30  # largest file a job may write
    disk_bytes: int = 2 * 2**30  # the work folder, /tmp and /dev/shm
    files: int = 100_000  # files and folders in them (inodes), where they are one tmpfs
    open_files: int = 256
    processes: int = 256
    output_bytes: int = 10 * 2**20  # stdout+stderr a job may print; beyond it the job is killed

    @property
    def cpu_limit(self) -> int:
        if self.cpu_seconds is not None:
            return self.cpu_seconds
        return math.ceil(self.wall_seconds * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Share:
    """A folder of this machine shown to the job at its own path (so that what the job says of
    it names the host's folder), and named to it by an environment variable. A folder that does
    not exist is named all the same, and shows the job nothing."""

    variable: str  # e.g. KB_DATASETS_DIR
    path: Path
    writable: bool = False  # only for our own code's steps (`trusted`)


@dataclass(frozen=True)
class Outcome:
    # "exited" | "timed_out" | "cancelled" | "memory" | "cpu_time" | "file_size" | "disk"
    # | "files" | "processes" | "output" | "killed" (a signal we did not send)
    reason: str
    returncode: int | None  # as subprocess gives it: negative for a signal
    message: str  # one sentence naming the limit that ended the job
    stderr_tail: str
    seconds: float


@dataclass(frozen=True)
class Containment:
    """What this machine can do to contain a job."""

    bubblewrap: str | None  # the path of a usable bwrap
    private_fs: bool  # the job's files on a tmpfs with an inode limit, in its own mount namespace

    def refusal(self, cgroups: JobCgroups) -> str | None:
        """Why an untrusted script may not run here, or None."""
        missing = []
        if self.bubblewrap is None:
            missing.append("bubblewrap (`apt-get install bubblewrap`)")
        elif not self.private_fs:
            missing.append("a file system of the job's own, which the worker mounts as root")
        if cgroups.memory is None or cgroups.pids is None:
            missing.append("memory and pids cgroups (cgroup v1, writable by the worker)")
        if not missing:
            return None
        return "custom scripts run only with full isolation; missing here: " + "; ".join(missing)


class IsolationUnavailable(RuntimeError):
    """A custom script was asked for where it cannot be fully isolated."""


def containment() -> Containment:
    """What isolation works here (probed once per process)."""
    if os.environ.get("KB_SANDBOX_BUBBLEWRAP", "").lower() == "off":
        return Containment(None, False)
    return _probe()


def bubblewrap() -> str | None:
    """The path of a bwrap that works here with the options `run` uses, or None."""
    return containment().bubblewrap


@functools.cache
def _probe() -> Containment:
    path = shutil.which("bwrap")
    if path is None:
        return Containment(None, False)
    modes = [True, False] if os.geteuid() == 0 else [False]
    for private_fs in modes:
        contained = Containment(path, private_fs)
        with tempfile.TemporaryDirectory(prefix="kb-sandbox-probe-") as folder:
            view = _View(Path(folder), contained, Limits(), {}, (), network=False)
            view.prepare()
            try:
                probe = [*view.command(), "/bin/true"]
                subprocess.run(probe, capture_output=True, timeout=30, check=True)
            except (OSError, subprocess.SubprocessError) as error:
                logger.warning("bubblewrap (private fs: %s) is not usable: %s", private_fs, error)
                continue
        return contained
    return Containment(None, False)


class _View:
    """The command that builds a job's view of the machine, then runs it: under bubblewrap, a
    list of what it may see; without, the host as it is."""

    def __init__(
        self,
        folder: Path,
        contained: Containment,
        limits: Limits,
        inputs: Mapping[str, Path],
        shares: Sequence[Share],
        network: bool,
    ) -> None:
        self.folder, self.contained, self.limits = folder, contained, limits
        self.inputs, self.shares, self.network = inputs, shares, network

    @property
    def bubblewrapped(self) -> bool:
        return self.contained.bubblewrap is not None

    @property
    def private_fs(self) -> Path:
        """Where the job's tmpfs is mounted, in the job's own mount namespace."""
        return self.folder / "fs"

    @property
    def workdir(self) -> Path:
        """The work folder as the job's process is started in it."""
        return Path(JOB_DIR) if self.bubblewrapped else self.folder / "work"

    def environment(self) -> dict[str, str]:
        """Where the job finds its shares, its home and the job-side code."""
        env = {share.variable: str(share.path) for share in self.shares}
        home = str(self.workdir)
        code = JOB_CODE if self.bubblewrapped else str(SANDBOX_CODE.parent)
        path = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
        env.update(HOME=home, TMPDIR="/tmp", PYTHONPATH=code, PATH=path, PYTHONUNBUFFERED="1")
        return env

    def prepare(self) -> None:
        """The host side of the job's files: its inputs, and its user's passwd and group."""
        (self.folder / "passwd").write_text(
            f"job:x:{JOB_UID}:{JOB_GID}:sandbox job:{JOB_DIR}:/usr/sbin/nologin\n"
        )
        (self.folder / "group").write_text(f"job:x:{JOB_GID}:\n")
        if self.contained.private_fs:
            self.private_fs.mkdir()
        if not self.bubblewrapped:
            self.workdir.mkdir()
            for name, source in self.inputs.items():
                shutil.copyfile(source, self.workdir / name)

    def command(self) -> list[str]:
        """What runs before the job's own argv."""
        if not self.bubblewrapped:
            return []
        if not self.contained.private_fs:
            return self._bubblewrap_argv()
        # util-linux's unshare and mount: one tmpfs, in a mount namespace of the job's own.
        options = f"size={self.limits.disk_bytes},nr_inodes={self.limits.files},mode=0755"
        script = (
            f'mount -t tmpfs -o {options} kb-sandbox-job "$0" '
            '&& mkdir "$0/work" "$0/tmp" "$0/shm" && exec "$@"'
        )
        unshare = ["unshare", "--mount", "--propagation", "private", "--"]
        return [*unshare, "/bin/sh", "-c", script, str(self.private_fs), *self._bubblewrap_argv()]

    def _bubblewrap_argv(self) -> list[str]:
        limits = self.limits
        argv = [self.contained.bubblewrap or "bwrap"]
        # As root, the sandbox's root would keep every capability in its user namespace: drop
        # them all, run as another user, and forbid a nested user namespace.
        argv += ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        argv += ["--uid", str(JOB_UID), "--gid", str(JOB_GID)]
        if self.network:
            argv += ["--share-net"]
        argv += ["--die-with-parent", "--new-session"]
        argv += ["--ro-bind", "/usr", "/usr"]
        for name in USR_LINKS:
            link = Path("/", name)
            if link.is_symlink():
                argv += ["--symlink", os.readlink(link), str(link)]
            elif link.is_dir():
                argv += ["--ro-bind", str(link), str(link)]
        for path in _runtime():
            argv += ["--ro-bind", str(path), str(path)]
        code = f"{JOB_CODE}/training_sandbox"
        argv += ["--ro-bind", str(SANDBOX_CODE / "__init__.py"), f"{code}/__init__.py"]
        argv += ["--ro-bind", str(SANDBOX_CODE / "inside"), f"{code}/inside"]
        etc = ETC_FILES + (NETWORK_ETC_FILES if self.network else ())
        for name in etc:
            argv += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        argv += ["--ro-bind", str(self.folder / "passwd"), "/etc/passwd"]
        argv += ["--ro-bind", str(self.folder / "group"), "/etc/group"]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        devices = gpu_devices()
        for device in devices:
            argv += ["--dev-bind-try", device, device]
        for path in GPU_SYSFS if devices else ():
            argv += ["--ro-bind-try", path, path]
        if self.contained.private_fs:
            fs = self.private_fs
            argv += ["--bind", str(fs / "work"), JOB_DIR, "--bind", str(fs / "tmp"), "/tmp"]
            argv += ["--bind", str(fs / "shm"), "/dev/shm"]
        else:
            for folder in (JOB_DIR, "/tmp", "/dev/shm"):
                argv += ["--size", str(limits.disk_bytes), "--tmpfs", folder]
        for share in self.shares:
            bind = "--bind-try" if share.writable else "--ro-bind-try"
            argv += [bind, str(share.path), str(share.path)]
        for name, source in self.inputs.items():
            argv += ["--ro-bind", str(source), f"{JOB_DIR}/{name}"]
        # bubblewrap's own root, which holds the mount points, is a tmpfs: not for the job.
        argv += ["--remount-ro", "/", "--chdir", JOB_DIR, "--"]
        return argv

    def usage(self, pid: int) -> tuple[int, int] | None:
        """Free bytes and free inodes of the job's own file system, seen through its process."""
        if not (self.bubblewrapped and self.contained.private_fs):
            return None
        try:
            stats = os.statvfs(f"/proc/{pid}/root{self.private_fs}")
        except OSError:  # the job is ending
            return None
        return stats.f_bavail * stats.f_frsize, stats.f_favail


def gpu_devices() -> list[str]:
    """This machine's GPU device files, which a job is given."""
    return sorted(glob.glob("/dev/nvidia*")) + glob.glob("/dev/dri")


def _runtime() -> list[Path]:
    """The Python installation and virtual environment the job runs with, outside /usr."""
    found: list[Path] = []
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for path in sorted(Path(p).resolve() for p in candidates):
        inside_usr = path == Path("/usr") or Path("/usr") in path.parents
        if path.is_dir() and not inside_usr and not any(p in path.parents for p in found):
            found.append(path)
    if Path(sys.prefix) != Path(sys.prefix).resolve():  # the venv's own path, if a link
        found.append(Path(sys.prefix))
    return found


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
    folder: Path,
    limits: Limits,
    env: Mapping[str, str],
    inputs: Mapping[str, Path] | None = None,
    shares: Sequence[Share] = (),
    network: bool = False,
    trusted: bool = True,
    on_line: Callable[[str], None] = lambda line: None,
    on_stderr: Callable[[str], None] = lambda text: None,
    cancelled: Callable[[], bool] = lambda: False,
    on_start: Callable[[int], None] = lambda pid: None,
) -> Outcome:
    """Run `argv` in the job's work folder under `limits`; block until it and every process it
    started end.

    `folder` is an empty folder of this machine that the caller owns and removes afterwards;
    the job never sees it. `inputs` (name -> file) are shown read-only in the work folder, and
    `shares` as the module says; `env` is added to what `run` sets (HOME, PATH, PYTHONPATH, the
    shares' variables). Each stdout line goes to `on_line` and what the job writes to stderr to
    `on_stderr` as soon as it arrives; `cancelled` is polled every 0.2 s. `network` lets our own
    code reach the network (to download a dataset); an untrusted job never gets it, nor a
    writable share.
    Raises IsolationUnavailable for an untrusted job where it cannot be fully isolated.
    """
    if not trusted and (network or any(share.writable for share in shares)):
        raise ValueError("an untrusted job gets neither the network nor a writable share")
    contained = containment()
    if contained.bubblewrap is None and trusted:
        # Shown once per process by the default warning filters.
        warnings.warn(
            "bubblewrap is not usable: sandbox jobs run without network, filesystem and "
            "process-namespace isolation, with resource limits only",
            RuntimeWarning,
            stacklevel=2,
        )
    view = _View(folder, contained, limits, inputs or {}, shares, network)
    with JobCgroups(limits.memory_bytes, limits.processes) as cgroups:
        refusal = None if trusted else contained.refusal(cgroups)
        if refusal is not None:
            raise IsolationUnavailable(refusal)
        view.prepare()
        command = [*_launcher(limits, cgroups), *view.command(), *argv]
        job_env = {**env, **view.environment()}
        watched = _Job(command, view, job_env, limits, cgroups)
        return watched.watch(on_line, on_stderr, cancelled, on_start)


class _Job:
    """One started job: follows its output and limits, then kills whatever is left of it."""

    def __init__(
        self,
        command: list[str],
        view: _View,
        env: Mapping[str, str],
        limits: Limits,
        cgroups: JobCgroups,
    ) -> None:
        self.command, self.view, self.env = command, view, env
        self.limits, self.cgroups = limits, cgroups
        self.stopped: str | None = None  # the reason, when we stopped it
        self.printed = 0
        self.stderr_tail = b""
        self.partial_line = b""
        self.selector = selectors.DefaultSelector()

    def watch(
        self,
        on_line: Callable[[str], None],
        on_stderr: Callable[[str], None],
        cancelled: Callable[[], bool],
        on_start: Callable[[int], None],
    ) -> Outcome:
        started = time.monotonic()
        process = subprocess.Popen(
            self.command,
            # Without bubblewrap the job starts in its work folder on the host; with it, the
            # launcher starts in the caller's folder and bubblewrap moves the job to /job.
            cwd=self.view.folder if self.view.bubblewrapped else self.view.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with process:
            self.selector.register(process.stdout, selectors.EVENT_READ, ("stdout", on_line))
            self.selector.register(process.stderr, selectors.EVENT_READ, ("stderr", on_stderr))
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
        if self.view.bubblewrapped and returncode > 128:  # bwrap reports a signal as 128 + it
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
            elif full := self._filesystem_full(process.pid):
                self.stopped = full
            elif cancelled():
                self.stopped = "cancelled"
            if self.stopped:
                return

    def _filesystem_full(self, pid: int) -> str | None:
        """ "files" or "disk" when the job's own file system has no inode or block left."""
        usage = self.view.usage(pid)
        if usage is None:
            return None
        free_bytes, free_inodes = usage
        return "files" if free_inodes == 0 else "disk" if free_bytes == 0 else None

    def _read(self, key: selectors.SelectorKey) -> None:
        data = os.read(key.fd, 65536)
        if not data:
            self.selector.unregister(key.fileobj)
            return
        self.printed += len(data)
        stream, handler = key.data
        if stream == "stderr":
            self.stderr_tail = (self.stderr_tail + data)[-STDERR_TAIL_BYTES:]
            handler(data.decode(errors="replace"))
            return
        *lines, self.partial_line = (self.partial_line + data).split(b"\n")
        while len(self.partial_line) > LONGEST_LINE_BYTES:
            lines.append(self.partial_line[:LONGEST_LINE_BYTES])
            self.partial_line = self.partial_line[LONGEST_LINE_BYTES:]
        for line in lines:
            handler(line.removesuffix(b"\r").decode(errors="replace"))

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
            "files": (
                f"stopped for creating more than the {limits.files:,} files its work folder "
                "and /tmp may hold"
            ),
            "output": f"stopped for printing more than the {_size(limits.output_bytes)} allowed",
        }
        if reason == "killed":
            return f"killed by signal {-returncode} ({signal.strsignal(-returncode)})"
        return messages[reason]


def _size(count: int) -> str:
    for unit, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if count >= unit:
            return f"{count / unit:g} {name}"
    return f"{count} bytes"
