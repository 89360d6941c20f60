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

`KB_SANDBOX_BUBBLEWRAP=off` (`run(bubblewrap=False)`) runs as if bubblewrap were missing.
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
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import training_sandbox
from training_sandbox import syscall_filter
from training_sandbox.cgroups import JobCgroups

logger = logging.getLogger(__name__)

JOB_DIR = "/job"  # the work folder, as the job sees it
JOB_CODE = "/opt/kb"  # holds training_sandbox/__init__.py and training_sandbox/inside/
JOB_UID = JOB_GID = 65534  # the job's user inside its user namespace: not root
JOB_HOST_UIDS, JOB_HOST_UID_RANGE = 1_000_000, 1_000_000  # its unprivileged user on the host
STAGE = "/mnt"  # where, in the job's own mount namespace, its view is built
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
    output_lines: int = 1_000_000  # and lines: each costs the host a call, however short

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


def containment(bubblewrap: bool = True) -> Containment:
    """What isolation works here (probed once per process); `bubblewrap=False`
    (`KB_SANDBOX_BUBBLEWRAP=off`): as if it were missing."""
    return _probe() if bubblewrap else Containment(None, False)


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
                with _syscall_filter() as syscalls:
                    probe = view.command(["/bin/true"], 2, syscalls)
                    subprocess.run(
                        probe, capture_output=True, timeout=30, check=True, pass_fds=_fds(syscalls)
                    )
            except (OSError, subprocess.SubprocessError) as error:
                logger.warning("bubblewrap (private fs: %s) is not usable: %s", private_fs, error)
                continue
        return contained
    return Containment(None, False)


@dataclass(frozen=True)
class _Entry:
    """One thing of the job's file system: a host path shown read-only at `dest`, a symbolic
    link, or a writable share."""

    dest: str
    source: str | None = None
    link: str | None = None  # a symbolic link's target
    optional: bool = False  # left out where the host lacks it
    writable: bool = False


class _View:
    """The command that builds a job's view of the machine, then runs it: under bubblewrap, a
    list of what it may see (`entries`); without, the host as it is.

    Where this process is root, the view is built by root in a mount namespace of the job's
    own (a read-only tmpfs holding read-only binds, and the job's bounded tmpfs), and only then
    does bubblewrap run, as the job's own unprivileged user of the host (`host_uid`): what the
    kernel checks by the host's user id (sysctls, keyrings, per-user counts) is then the job's,
    never root's. Otherwise bubblewrap binds the same entries itself, as the calling user.
    """

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
        # Each job its own unprivileged user of the host, so that per-user limits are per job.
        self.host_uid = JOB_HOST_UIDS + zlib.crc32(str(folder).encode()) % JOB_HOST_UID_RANGE
        self.syscalls: int | None = None  # see `command`

    @property
    def bubblewrapped(self) -> bool:
        return self.contained.bubblewrap is not None

    @property
    def private_fs(self) -> Path:
        """Where the job's tmpfs is mounted, in the job's own mount namespace: on a staging
        tmpfs over /mnt there, which the job's unprivileged user can reach (the caller's folder
        is root's alone)."""
        return Path(STAGE) / "fs"

    @property
    def view_root(self) -> Path:
        return Path(STAGE) / "view"

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
            for share in self.shares:
                if share.writable:  # our own step's output folder: the job's user writes it
                    os.chown(share.path, self.host_uid, self.host_uid)
        if not self.bubblewrapped:
            self.workdir.mkdir()
            for name, source in self.inputs.items():
                shutil.copyfile(source, self.workdir / name)

    def entries(self) -> list[_Entry]:
        """What the job sees of the host, besides /proc, /dev and its own folders."""
        found = [_Entry("/usr", "/usr")]
        for name in USR_LINKS:
            link = Path("/", name)
            if link.is_symlink():
                found.append(_Entry(str(link), link=os.readlink(link)))
            elif link.is_dir():
                found.append(_Entry(str(link), str(link)))
        found += [_Entry(str(path), str(path)) for path in _runtime()]
        code = f"{JOB_CODE}/training_sandbox"
        found.append(_Entry(f"{code}/__init__.py", str(SANDBOX_CODE / "__init__.py")))
        found.append(_Entry(f"{code}/inside", str(SANDBOX_CODE / "inside")))
        etc = ETC_FILES + (NETWORK_ETC_FILES if self.network else ())
        found += [_Entry(f"/etc/{name}", f"/etc/{name}", optional=True) for name in etc]
        found.append(_Entry("/etc/passwd", str(self.folder / "passwd")))
        found.append(_Entry("/etc/group", str(self.folder / "group")))
        if gpu_devices():
            found += [_Entry(path, path, optional=True) for path in GPU_SYSFS]
        found += [
            _Entry(str(s.path), str(s.path), optional=True, writable=s.writable)
            for s in self.shares
        ]
        return found

    def command(self, argv: Sequence[str], report: int, syscalls: int | None) -> list[str]:
        """The whole command that runs `argv` as the job. Where root builds the job's view, the
        free bytes and files of its file system are written to the descriptor `report` once
        the job has ended (the file system ends with the job's mount namespace). `syscalls`:
        the descriptor bubblewrap reads the system-call filter from (and closes)."""
        self.syscalls = syscalls
        if not self.bubblewrapped:
            return list(argv)
        if not self.contained.private_fs:
            return [*self._bubblewrap(self._binds()), *argv]
        # util-linux's unshare, mount and setpriv: the view and the job's tmpfs, built by root
        # in a mount namespace of the job's own; then bubblewrap as the job's host user.
        unshare = ["unshare", "--mount", "--propagation", "private", "--"]
        script = self._build_view(report)
        # bash, not sh: the report descriptor may be past 9, which dash cannot name.
        return [*unshare, "/bin/bash", "-c", script, "kb-sandbox-job", *argv]

    def _binds(self) -> list[str]:
        """The job's folders, the entries and its inputs as bubblewrap's own options; the job's
        own tmpfs first, so that an entry inside /tmp (a checkout there) stays visible."""
        argv = []
        for folder in (JOB_DIR, "/tmp"):
            argv += ["--size", str(self.limits.disk_bytes), "--tmpfs", folder]
        for entry in self.entries():
            if entry.link is not None:
                argv += ["--symlink", entry.link, entry.dest]
            else:
                bind = "--bind" if entry.writable else "--ro-bind"
                argv += [bind + ("-try" if entry.optional else ""), entry.source, entry.dest]
        argv += ["--proc", "/proc", "--dev", "/dev"]
        argv += ["--size", str(self.limits.disk_bytes), "--tmpfs", "/dev/shm"]
        for name, source in self.inputs.items():
            argv += ["--ro-bind", str(source), f"{JOB_DIR}/{name}"]
        # bubblewrap's own root, which holds the mount points, is a tmpfs: not for the job.
        return [*argv, "--remount-ro", "/"]

    def _build_view(self, report: int) -> str:
        """The shell script, run as root, that builds the view, runs bubblewrap in it, then
        reports what is left of the job's file system."""
        q = shlex.quote
        view, fs, uid = q(str(self.view_root)), q(str(self.private_fs)), self.host_uid
        options = (
            f"size={self.limits.disk_bytes},nr_inodes={self.limits.files},mode=0755,"
            f"uid={uid},gid={uid}"
        )
        lines = [
            "set -e",
            f"mount -t tmpfs -o mode=0755,size=64k,nr_inodes=16 kb-sandbox-stage {STAGE}",
            f"mkdir {view} {fs}",
            f"mount -t tmpfs -o mode=0755,size=1m,nr_inodes=4096 kb-sandbox-view {view}",
            f"mount -t tmpfs -o {options} kb-sandbox-job {fs}",
            f"mkdir -m 0700 {fs}/work {fs}/tmp {fs}/shm",
            f"chown {uid}:{uid} {fs}/work {fs}/tmp {fs}/shm",
        ]
        # The job's own folders first, so that an entry inside /tmp (a checkout there) is
        # mounted over them, not hidden by them.
        for name, inside in (("work", JOB_DIR), ("tmp", "/tmp")):
            target = q(str(self.view_root) + inside)
            lines.append(f"mkdir -p {target} && mount --bind {fs}/{name} {target}")
        for name, source in self.inputs.items():
            target = q(f"{self.private_fs}/work/{name}")
            lines += [f"cp -- {q(str(source))} {target}", f"chown {uid}:{uid} {target}"]
        for entry in self.entries():
            lines.append(self._mount(entry))
        mount_points = ["/proc", "/dev", *gpu_devices()]
        lines.append("mkdir -p " + " ".join(q(str(self.view_root) + m) for m in mount_points))
        lines.append(f"mount -o remount,bind,ro {view}")
        inner = ["--bind", str(self.view_root), "/", "--proc", "/proc", "--dev", "/dev"]
        inner += ["--bind", f"{self.private_fs}/shm", "/dev/shm"]
        setpriv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
        job = " ".join(q(word) for word in [*setpriv, *self._bubblewrap(inner)])
        lines += [
            "set +e",
            f'{job} "$@" {report}>&-',
            "status=$?",
            f"stat -f -c '%a %S %d' {fs} >&{report} 2>/dev/null",
            "exit $status",
        ]
        return "\n".join(lines) + "\n"

    def _mount(self, entry: _Entry) -> str:
        """The shell line that puts one entry into the view."""
        q = shlex.quote
        dest = q(str(self.view_root) + entry.dest)
        if entry.link is not None:
            return f"mkdir -p $(dirname {dest}) && ln -s {q(entry.link)} {dest}"
        source = q(entry.source)
        if Path(entry.source).is_dir():
            make = f"mkdir -p {dest}"
        else:
            make = f"mkdir -p $(dirname {dest}) && touch {dest}"
        mode = "" if entry.writable else " -o ro"
        step = f"{make} && mount --bind{mode} {source} {dest}"
        return f"if [ -e {source} ]; then {step}; fi" if entry.optional else step

    def _bubblewrap(self, mounts: list[str]) -> list[str]:
        argv = [self.contained.bubblewrap or "bwrap"]
        # The job's root has every capability in its user namespace: drop them all, run as
        # another user, and forbid a nested user namespace.
        argv += ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        argv += ["--uid", str(JOB_UID), "--gid", str(JOB_GID)]
        if self.network:
            argv += ["--share-net"]
        if self.syscalls is not None:
            argv += ["--seccomp", str(self.syscalls)]
        argv += ["--die-with-parent", "--new-session", *mounts]
        for device in gpu_devices():
            argv += ["--dev-bind-try", device, device]
        # /dev is a tmpfs of bubblewrap's: read-only, so that the job's files stay in its own.
        return [*argv, "--remount-ro", "/dev", "--chdir", JOB_DIR, "--"]

    def usage(self, pid: int) -> tuple[int, int] | None:
        """Free bytes and free inodes of the job's own file system, seen through its process."""
        if not (self.bubblewrapped and self.contained.private_fs):
            return None
        try:
            stats = os.statvfs(f"/proc/{pid}/root{self.private_fs}")
        except OSError:  # the job is ending
            return None
        return stats.f_bavail * stats.f_frsize, stats.f_favail


@contextmanager
def _syscall_filter() -> Iterator[int | None]:
    """A descriptor holding `syscall_filter.program`, for bubblewrap to read; None where there
    is none for this machine."""
    program = syscall_filter.program()
    if program is None:
        logger.warning("no system-call filter for this machine's architecture: jobs run without")
        yield None
        return
    descriptor = os.memfd_create("kb-sandbox-syscalls")
    try:
        os.write(descriptor, program)
        os.lseek(descriptor, 0, os.SEEK_SET)
        yield descriptor
    finally:
        os.close(descriptor)


def _fds(descriptor: int | None) -> tuple[int, ...]:
    return () if descriptor is None else (descriptor,)


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
    """A shell that joins the cgroups, then prlimit (util-linux) setting the rlimits, then the job;
    all of it killed if the caller dies (setpriv's parent-death signal: bubblewrap's own
    `--die-with-parent` then ends the job's namespace with it).

    Done in the child before the job starts, so nothing it starts escapes them; not in a
    `preexec_fn`, which is unsafe when the caller has threads.
    """
    joins = "".join(f"echo $$ > {shlex.quote(str(path))}\n" for path in cgroups.join_files())
    cpu = limits.cpu_limit
    # The job's host user is its own: RLIMIT_NPROC counts its processes alone. Where a pids
    # cgroup counts them, it is the one to reach first, since it says why the job stopped.
    nproc = limits.processes * 2 if cgroups.pids is not None else limits.processes
    wanted = {
        "cpu": (resource.RLIMIT_CPU, cpu, cpu + CPU_GRACE_SECONDS),
        "fsize": (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        "nofile": (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        "nproc": (resource.RLIMIT_NPROC, nproc, nproc),
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
    orphaned = ["setpriv", "--pdeathsig", "KILL", "--"]
    return [*orphaned, "/bin/sh", "-c", script, "kb-sandbox-job", "prlimit", *options, "--"]


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
    bubblewrap: bool = True,
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
    writable share. `bubblewrap=False` runs as if it were missing.
    Raises IsolationUnavailable for an untrusted job where it cannot be fully isolated.
    """
    if not trusted and (network or any(share.writable for share in shares)):
        raise ValueError("an untrusted job gets neither the network nor a writable share")
    contained = containment(bubblewrap)
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
        job_env = {**env, **view.environment()}
        watched = _Job(argv, view, job_env, limits, cgroups)
        return watched.watch(on_line, on_stderr, cancelled, on_start)


class _Job:
    """One started job: follows its output and limits, then kills whatever is left of it."""

    def __init__(
        self,
        argv: Sequence[str],
        view: _View,
        env: Mapping[str, str],
        limits: Limits,
        cgroups: JobCgroups,
    ) -> None:
        self.argv, self.view, self.env = argv, view, env
        self.limits, self.cgroups = limits, cgroups
        self.stopped: str | None = None  # the reason, when we stopped it
        self.left: tuple[int, int] | None = None  # free bytes and files when the job ended
        self.printed = 0
        self.lines = 0
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
        report, reported = os.pipe()
        with _syscall_filter() as syscalls:
            command = self.view.command(self.argv, reported, syscalls)
            process = subprocess.Popen(
                [*_launcher(self.limits, self.cgroups), *command],
                # Without bubblewrap the job starts in its work folder on the host; with it, the
                # launcher starts in the caller's folder and bubblewrap moves the job to /job.
                cwd=self.view.folder if self.view.bubblewrapped else self.view.workdir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                pass_fds=(reported, *_fds(syscalls)),
            )
        os.close(reported)
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
                self.left = _report(report)
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
            if self.printed > self.limits.output_bytes or self.lines > self.limits.output_lines:
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
        self.lines += data.count(b"\n")
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
        # A memory cgroup's count says it; without one, an allocation that failed does (under
        # a cgroup, a job that prints "MemoryError" only says so).
        if self.cgroups.out_of_memory() or (
            self.cgroups.memory is None and MEMORY_ERRORS.search(tail)
        ):
            return "memory"
        if self.cgroups.process_limit_reached():
            return "processes"
        if returncode == -signal.SIGXCPU:
            return "cpu_time"
        if returncode == -signal.SIGXFSZ or FILE_TOO_LARGE.search(tail):
            return "file_size"
        if NO_SPACE.search(tail):
            return "files" if self.left is not None and self.left[1] == 0 else "disk"
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
            "output": f"stopped for printing more than the {_size(limits.output_bytes)} allowed"
            if self.printed > limits.output_bytes
            else f"stopped for printing more than the {limits.output_lines:,} lines allowed",
        }
        if reason == "killed":
            return f"killed by signal {-returncode} ({signal.strsignal(-returncode)})"
        return messages[reason]


def _report(pipe: int) -> tuple[int, int] | None:
    """Free bytes and free files of the job's file system, as its launcher reported them."""
    with os.fdopen(pipe, "rb") as reading:
        words = reading.read(200).split()
    if len(words) != 3 or not all(word.isdigit() for word in words):
        return None
    blocks, size, files = map(int, words)
    return blocks * size, files


def _size(count: int) -> str:
    for unit, name in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if count >= unit:
            return f"{count / unit:g} {name}"
    return f"{count} bytes"
