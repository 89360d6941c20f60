"""Run one claimed job, whatever the executor: its work folder, the isolated process, and each
JSON line it prints stored as an event at once, in a transaction of its own.

While the job runs, the runner says it is alive every `HEARTBEAT_SECONDS` (which also tells it
whether a cancel was requested); a runner that stops doing so is reaped (`jobs.reap_stale`).

Where downloads are allowed, an example's job first runs a step of the catalog's own code, with
the network and write access to this machine's Keras cache, that downloads the example's dataset
if it is missing; the training that follows, like any maintainer's script, has no network.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.config import PROJECT_ROOT
from training_sandbox import datasets, isolation
from training_sandbox.isolation import IsolationUnavailable, Limits, Outcome
from training_sandbox.jobs import Claim, JobLost
from training_sandbox.settings import Settings

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
RUNNER = [sys.executable, "-m", "training_sandbox.runner"]  # the catalog's entry point in a job
LOG_TAIL_LINES = 20
STDERR_TAIL_CHARS = 1500
# The parts of the caller's environment a job needs: where programs and CUDA devices are.
INHERITED = ("PATH", "LANG", "LC_ALL", "TZ", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES")


def job_environment(settings: Settings) -> dict[str, str]:
    """What a job sees of the configuration: where datasets are, this machine's Keras cache
    (read-only to the job, which may write Keras' own settings nowhere else than /tmp), and
    whether downloads are allowed (they happen before the job, see `JobRunner`)."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update(
        KB_DATASETS_DIR=str(settings.datasets_dir),
        KB_ALLOW_DOWNLOADS="1" if settings.allow_downloads else "0",
        KERAS_HOME=str(datasets.keras_home()),
        KERAS_BACKEND="torch",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return env


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
        tail = outcome.stderr_tail.strip()[-STDERR_TAIL_CHARS:] or "\n".join(log_tail)
        if tail:
            parts.append(f"its last output:\n{tail}")
    return "failed", "; ".join(parts)


def _job_values(data: dict[str, Any]) -> dict[str, Any]:
    """What an event tells about the job as a whole, for its row."""
    kind = data.get("event")
    if kind == "started" and "device" in data:
        return {"device": str(data["device"])[:200]}
    if kind == "summary":
        return {"summary": {k: v for k, v in data.items() if k != "event"}}
    if kind == "result" and isinstance(data.get("metrics"), dict):
        return {"metrics": data["metrics"]}
    return {}


class JobRunner:
    """Runs a claimed job to its end. `tick` is called with each heartbeat (a worker reaps other
    jobs there); `stopping` says the worker is shutting down, which gives the job back."""

    def __init__(
        self,
        claim: Claim,
        settings: Settings,
        *,
        tick: Callable[[], None] = lambda: None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.claim, self.settings = claim, settings
        self.tick, self.stopping = tick, stopping
        self.stopped: str | None = None  # "cancel", "lost" or "shutdown", when we stop the job
        self.error_message: str | None = None
        self.log_tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        self.next_heartbeat = 0.0

    def run(self) -> str:
        """Run the job; returns its final status, or "queued" / "lost" when it was given back
        or taken away."""
        job = self.claim.job
        workdir = self.settings.sandbox_dir / job.id
        shutil.rmtree(workdir, ignore_errors=True)  # what an interrupted attempt left
        workdir.mkdir(parents=True)
        if job.script is not None:
            (workdir / "script.py").write_text(job.script, encoding="utf-8")
            argv = [sys.executable, "script.py"]
        else:
            spec = {"example": job.example, "params": job.params}
            (workdir / "SPEC.json").write_text(json.dumps(spec), encoding="utf-8")
            argv = [*RUNNER, "SPEC.json"]
        spent = 0.0  # seconds of the job's wall-clock limit used by the download step
        if job.example is not None and self.settings.allow_downloads:
            # The job has no network: its own code downloads what it lacks first, with it.
            cache = datasets.keras_cache_dir()
            cache.mkdir(parents=True, exist_ok=True)
            fetch = [*RUNNER, "--fetch", "SPEC.json"]
            fetched = self._isolated(fetch, workdir, spent, network=True, writable=[cache])
            if fetched.reason != "exited" or fetched.returncode != 0:
                return self._conclude(fetched)
            spent = fetched.seconds
        try:
            outcome = self._isolated(argv, workdir, spent, trusted=job.script is None)
        except IsolationUnavailable as error:
            self.claim.finish("failed", str(error))
            return "failed"
        return self._conclude(outcome)

    def _isolated(self, argv: list[str], workdir: Path, spent: float, **options: Any) -> Outcome:
        """Run `argv` as the job, within what is left of its wall-clock limit."""
        left = max(self.claim.job.timeout_seconds - spent, 0.1)
        limits = Limits(wall_seconds=left, memory_bytes=self.settings.memory_bytes)
        # What the job reads, shown to it even where it lies in a folder the job has its own
        # empty copy of (/tmp).
        seen = (PROJECT_ROOT, Path(sys.prefix), self.settings.datasets_dir, datasets.keras_home())
        return isolation.run(
            argv,
            workdir=workdir,
            limits=limits,
            env=job_environment(self.settings),
            read_only=[path for path in seen if path.exists()],
            on_line=self._line,
            cancelled=self._should_stop,
            **options,
        )

    def _conclude(self, outcome: Outcome) -> str:
        if self.stopped == "lost":
            logger.warning("job %s was taken from %s", self.claim.job.id, self.claim.worker)
            return "lost"
        try:
            if self.stopped == "shutdown":
                self.claim.give_back(f"worker {self.claim.worker} shut down")
                return "queued"
            status, error = final_status(outcome, self.error_message, list(self.log_tail))
            self.claim.finish(status, error)
        except JobLost:
            return "lost"
        return status

    def _line(self, line: str) -> None:
        try:
            data = json.loads(line, parse_constant=lambda _: None)  # NaN is not JSON
        except ValueError:
            data = None
        if not (isinstance(data, dict) and isinstance(data.get("event"), str)):
            self.log_tail.append(line)
            return
        if data["event"] == "error":
            self.error_message = str(data.get("message") or "the job reported an error")
        if self.stopped:
            return
        try:
            self.claim.record(data, **_job_values(data))
        except JobLost:
            self.stopped = "lost"

    def _should_stop(self) -> bool:
        if self.stopped is None and self.stopping():
            self.stopped = "shutdown"
        if self.stopped is not None:
            return True
        now = time.monotonic()
        if now < self.next_heartbeat:
            return False
        self.next_heartbeat = now + HEARTBEAT_SECONDS
        try:
            if self.claim.heartbeat():
                self.stopped = "cancel"
        except JobLost:
            self.stopped = "lost"
        self.tick()
        return self.stopped is not None
