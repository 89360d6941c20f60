"""Run one claimed job, whatever the executor: its work folder, the isolated process, and what
it prints on the way to the database.

Two channels stay apart. What the host side writes (a requeue, a lost worker, dropped events)
is a `system` event, which no job can print. What a job prints in the runner's protocol
(`job_output`) is stored with its origin: `runner` for a catalog example, whose figures are the
job's own `device`, `summary` and `metrics`; `script` for a maintainer's own code, whose figures
are only its `claims`. Events are written in one transaction every `FLUSH_SECONDS` (together
with the heartbeat that tells the runner is alive and whether a cancel was asked), so that a
chatty job costs the database a few writes a second.

A runner that fails on its own (a bug, a full disk on the host) fails the job with the reason,
and its worker goes on with the next job.

Where downloads are allowed, an example's job first runs a step of the catalog's own code, with
the network and write access to this machine's Keras cache, that downloads the example's dataset
if it is missing; the training that follows, like any maintainer's script, has no network.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kb.settings import SandboxSettings
from training_sandbox import isolation, work_folders
from training_sandbox.inside import catalog, datasets
from training_sandbox.isolation import IsolationUnavailable, Limits, Outcome, Share
from training_sandbox.job_output import (
    EVENT_CHARS,
    EVENTS_PER_JOB,
    EVENTS_PER_SECOND,
    JobOutput,
    storable_text,
)
from training_sandbox.jobs import Claim, JobLost

logger = logging.getLogger(__name__)

RUNNER = [sys.executable, "-m", "training_sandbox.inside.runner"]  # the catalog's entry point
FLUSH_SECONDS = 0.5
HEARTBEAT_SECONDS = 1.0
STDERR_TAIL_CHARS = 1500
ERROR_CHARS = 2000  # of a runner's own failure


def job_environment(settings: SandboxSettings) -> dict[str, str]:
    """What a job sees of the configuration besides its shares: its locale and GPUs, whether
    downloads are allowed (they happen before the job, see `JobRunner`) and Keras' backend."""
    allowed = "1" if settings.allow_downloads else "0"
    return {**settings.inherited, "KB_ALLOW_DOWNLOADS": allowed, "KERAS_BACKEND": "torch"}


def job_shares(settings: SandboxSettings, keras_home: Path | None = None) -> list[Share]:
    """The datasets folder, and this machine's Keras cache, read-only (the job may write
    Keras' own settings nowhere else than /tmp); or, for the download step, a writable folder
    of its own as the Keras home."""
    return [
        Share("KB_DATASETS_DIR", settings.datasets_dir),
        Share("KERAS_HOME", keras_home or settings.keras_home, writable=keras_home is not None),
    ]


def final_status(
    outcome: Outcome, error_message: str | None, log_tail: list[str]
) -> tuple[str, str | None]:
    """The job's status and, unless it succeeded or was cancelled, what went wrong."""
    if outcome.reason == "exited" and outcome.returncode == 0:
        return "succeeded", None
    if outcome.reason == "cancelled":
        return "cancelled", None
    if outcome.reason == "timed_out":
        return "timed_out", f"the job {outcome.message}"
    parts = [error_message] if error_message else []
    if outcome.reason != "exited" or not error_message:
        parts.append(f"the job {outcome.message}")
    if not error_message:
        tail = storable_text(outcome.stderr_tail.strip()[-STDERR_TAIL_CHARS:])
        tail = tail or "\n".join(log_tail)
        if tail:
            parts.append(f"its last output:\n{tail}")
    return "failed", "; ".join(parts)


class JobRunner:
    """Runs a claimed job to its end. `tick` is called with each heartbeat (a worker reaps other
    jobs there); `stopping` says the worker is shutting down, which gives the job back."""

    def __init__(
        self,
        claim: Claim,
        settings: SandboxSettings,
        *,
        tick: Callable[[], None] = lambda: None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.claim, self.settings = claim, settings
        self.tick, self.stopping = tick, stopping
        self.stopped: str | None = None  # "cancel", "lost" or "shutdown", when we stop the job
        self.output = JobOutput("script" if claim.job.script is not None else "runner")
        self.next_flush = 0.0
        self.next_heartbeat = 0.0

    def run(self) -> str:
        """Run the job; returns its final status, or "queued" / "lost" when it was given back
        or taken away."""
        try:
            try:
                return self._run()
            except SQLAlchemyError:
                raise  # the database is away: the worker waits, the reaper requeues the job
            except Exception as error:  # whatever it was, the job must not hang as running
                logger.exception("job %s: the runner failed", self.claim.job.id)
                reason = f"the sandbox's runner failed: {error!r}"[:ERROR_CHARS]
                self.claim.finish("failed", storable_text(reason), log=None)
                return "failed"
        except JobLost:
            return "lost"

    def _run(self) -> str:
        job = self.claim.job
        with self.claim.sessions() as session:
            work_folders.sweep(session, self.settings.sandbox_dir)
        with work_folders.of(self.settings.sandbox_dir, job.id, job.attempt) as folder:
            if job.script is not None:
                inputs = {"script.py": _write(folder / "script.py", job.script)}
                argv = [sys.executable, "script.py"]
            else:
                spec = json.dumps({"example": job.example, "params": job.params})
                inputs = {"SPEC.json": _write(folder / "SPEC.json", spec)}
                argv = [*RUNNER, "SPEC.json"]
            spent = 0.0  # seconds of the job's wall-clock limit used by the download step
            if self._to_download():
                # The job has no network: its own code downloads what it lacks first, with it,
                # into a folder of its own, which then joins this machine's Keras cache.
                fetch = [*RUNNER, "--fetch", "SPEC.json"]
                downloads = _folder(folder / "downloads")
                step = _folder(folder / "fetch")
                fetched = self._isolated(fetch, step, inputs, spent, downloads=downloads)
                if fetched.reason != "exited" or fetched.returncode != 0:
                    return self._conclude(fetched)
                _keep_downloads(downloads / "datasets", self.settings.keras_cache_dir)
                spent = fetched.seconds
            try:
                step, trusted = _folder(folder / "run"), job.script is None
                outcome = self._isolated(argv, step, inputs, spent, trusted=trusted)
            except IsolationUnavailable as error:
                self.claim.finish("failed", str(error), log=None)
                return "failed"
            return self._conclude(outcome)

    def _isolated(
        self,
        argv: list[str],
        folder: Path,
        inputs: dict[str, Path],
        spent: float,
        *,
        downloads: Path | None = None,
        trusted: bool = True,
    ) -> Outcome:
        """Run `argv` as the job, within what is left of its wall-clock limit; `downloads`: the
        download step, with the network and that folder as its Keras home."""
        left = max(self.claim.job.timeout_seconds - spent, 0.1)
        limits = Limits(wall_seconds=left, memory_bytes=self.settings.memory_bytes)
        return isolation.run(
            argv,
            folder=folder,
            limits=limits,
            env=job_environment(self.settings),
            inputs=inputs,
            shares=job_shares(self.settings, downloads),
            network=downloads is not None,
            trusted=trusted,
            bubblewrap=self.settings.bubblewrap,
            on_line=self.output.line,
            on_stderr=self.output.stderr,
            cancelled=self._should_stop,
        )

    def _to_download(self) -> bool:
        """Whether the example's dataset is missing here, and may be downloaded."""
        job = self.claim.job
        if job.example is None or not self.settings.allow_downloads:
            return False
        dataset = catalog.get(job.example).dataset_for(job.params)
        folders = datasets.Folders(self.settings.datasets_dir, self.settings.keras_cache_dir)
        return datasets.to_download(dataset, folders)

    def _conclude(self, outcome: Outcome) -> str:
        if self.stopped == "lost":
            logger.warning("job %s was taken from %s", self.claim.job.id, self.claim.worker)
            return "lost"
        try:
            self._flush()
            if self.output.dropped:
                self.claim.note(
                    {
                        "event": "dropped",
                        "count": self.output.dropped,
                        "message": (
                            f"{self.output.dropped} event(s) were not kept: a job keeps at "
                            f"most {EVENTS_PER_JOB:,}, {EVENTS_PER_SECOND:g} a second on "
                            f"average, each under {EVENT_CHARS:,} characters"
                        ),
                    }
                )
            if self.stopped == "shutdown":
                self.claim.give_back(f"worker {self.claim.worker} shut down")
                return "queued"
            status, error = final_status(
                outcome, self.output.error_message, self.output.log_lines()
            )
            self.claim.finish(status, error, log=self.output.log_text() or None)
        except JobLost:
            return "lost"
        return status

    def _flush(self) -> None:
        """Write what the job printed since the last flush, and say the runner is alive."""
        output = self.output
        events, output.pending = output.pending, []
        values, output.values = output.values, {}
        log = output.log_text() if output.log_changed else None
        output.log_changed = False
        if output.origin == "script" and values:
            values = {"claims": values}
        if self.claim.report(events, output.origin, values, log):
            self.stopped = self.stopped or "cancel"

    def _should_stop(self) -> bool:
        if self.stopped is None and self.stopping():
            self.stopped = "shutdown"
        if self.stopped is not None:
            return True
        now = time.monotonic()
        if now >= self.next_heartbeat or (self.output.pending and now >= self.next_flush):
            self.next_flush = now + FLUSH_SECONDS
            try:
                self._flush()
            except JobLost:
                self.stopped = "lost"
            if now >= self.next_heartbeat:
                self.next_heartbeat = now + HEARTBEAT_SECONDS
                self.tick()
        return self.stopped is not None


def _keep_downloads(fetched: Path, cache: Path) -> None:
    """Move what the download step fetched into this machine's Keras cache: plain files and
    folders of them only; links and other odd files are left behind (and go with the run's
    folder), and so is a folder that holds any."""
    if fetched.is_symlink() or not fetched.is_dir():
        return
    cache.mkdir(parents=True, exist_ok=True)
    for item in fetched.iterdir():
        target = cache / item.name
        if _plain(item) and not target.exists():
            shutil.move(item, target)


def _plain(path: Path) -> bool:
    """A regular file, or a folder of nothing but regular files and folders: no link anywhere."""
    mode = path.lstat().st_mode
    if stat.S_ISREG(mode):
        return True
    if not stat.S_ISDIR(mode):
        return False
    for folder, folders, files in os.walk(path):
        for name in folders + files:
            inner = os.lstat(os.path.join(folder, name)).st_mode
            if not (stat.S_ISREG(inner) or stat.S_ISDIR(inner)):
                return False
    return True


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
