"""A memory, a pids and a cpu cgroup (cgroup v1) of a sandbox job's own, where they can be
created.

Each is created under the caller's own cgroup of that controller, so that the limits of the
machine's or container's cgroups still hold, and removed when the job ends; those a killed
worker left behind are removed by the next job, after killing whatever still runs in them.
Where a controller is not mounted or not writable the job does without it (`isolation` falls
back to rlimits). The memory cgroup also bounds the job's TCP buffers; the cpu cgroup gives a
job a quarter of the weight of the machine's other processes, so that the API and the workers
stay responsive while jobs train.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from contextlib import suppress
from pathlib import Path
from types import TracebackType

logger = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
PREFIX = "kb-sandbox-"
CPU_SHARES = 256  # of the default 1024
# Socket buffers are kernel memory that the memory limit does not count: a job that fills its
# loopback's TCP buffers would take the host's TCP memory from PostgreSQL and the API.
TCP_BUFFER_BYTES = 64 * 2**20
LEFT_BEHIND_SECONDS = 60  # an empty job cgroup this old belongs to no job being set up


class JobCgroups:
    """The job's cgroups; use as a context manager, which removes them at its end."""

    def __init__(self, memory_bytes: int, processes: int) -> None:
        name = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"  # the pid: see _remove_left_behind
        # Without swap accounting memsw is absent; the memory limit alone then applies.
        self.memory = _create("memory", name, {"memory.limit_in_bytes": memory_bytes})
        if self.memory is not None:
            with suppress(OSError):
                (self.memory / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
            try:
                (self.memory / "memory.kmem.tcp.limit_in_bytes").write_text(str(TCP_BUFFER_BYTES))
            except OSError:
                logger.warning("cannot bound the TCP buffers of sandbox jobs here")
        self.pids = _create("pids", name, {"pids.max": processes})
        self.cpu = _create("cpu", name, {"cpu.shares": CPU_SHARES})

    def __enter__(self) -> JobCgroups:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.kill_all()
        self.remove()

    def join_files(self) -> list[Path]:
        """The files a process writes its pid to, to join the job's cgroups."""
        return [group / "cgroup.procs" for group in self._groups()]

    def out_of_memory(self) -> bool:
        """Whether the kernel killed a process of the job for going over the memory limit."""
        return self.memory is not None and _counted(self.memory / "memory.oom_control", "oom_kill")

    def process_limit_reached(self) -> bool:
        """Whether a fork or clone of the job failed for going over the process limit."""
        return self.pids is not None and _counted(self.pids / "pids.events", "max")

    def kill_all(self) -> None:
        """Kill every process left in the cgroups, daemons that left the job's session included."""
        deadline = time.monotonic() + 5
        for group in self._groups():
            _kill_all_in(group, deadline)

    def remove(self) -> None:
        for group in self._groups():
            _remove(group)

    def _groups(self) -> list[Path]:
        return [group for group in (self.memory, self.pids, self.cpu) if group is not None]


def _create(controller: str, name: str, settings: dict[str, int]) -> Path | None:
    try:
        own = next(
            line.split(":", 2)[2].strip()
            for line in Path("/proc/self/cgroup").read_text().splitlines()
            if controller in line.split(":", 2)[1].split(",")
        )
        parent = CGROUP_ROOT / controller / own.lstrip("/")
        _remove_left_behind(parent)
        group = parent / name
        group.mkdir()
    except (OSError, StopIteration):
        logger.info("no %s cgroup for sandbox jobs here; using rlimits", controller)
        return None
    try:
        for setting, value in settings.items():
            (group / setting).write_text(str(value))
    except OSError:
        group.rmdir()
        logger.info("cannot set limits on a %s cgroup here; using rlimits", controller)
        return None
    return group


def _remove_left_behind(parent: Path) -> None:
    """Remove the job cgroups of workers killed before they could, killing what still runs in
    them: those whose worker is gone and old enough not to be a job's being set up by a worker
    this process cannot see (whose processes it cannot see either, nor kill)."""
    cutoff = time.time() - LEFT_BEHIND_SECONDS
    for group in parent.glob(f"{PREFIX}*"):
        with suppress(OSError, ValueError):
            creator = int(group.name.removeprefix(PREFIX).split("-")[0])
            if _alive(creator) or group.stat().st_mtime >= cutoff:
                continue
            _kill_all_in(group, time.monotonic() + 5)
            _remove(group)
            logger.info("removed the job cgroup %s, left behind", group)


def _kill_all_in(group: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            pids = [int(pid) for pid in (group / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return
        if not any(pids):  # 0: a process of a pid namespace this one cannot see
            return
        for pid in filter(None, pids):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def _remove(group: Path) -> None:
    for _ in range(100):  # rmdir fails while the last killed tasks are being torn down
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
    logger.warning("could not remove the job cgroup %s", group)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _counted(path: Path, key: str) -> bool:
    """Whether the `key N` line of a cgroup's events file has N > 0."""
    for line in path.read_text().splitlines():
        field, _, value = line.partition(" ")
        if field == key:
            return int(value) > 0
    return False
