"""Run one claimed job, whatever the executor: its work folder, the isolated process, and what
it prints on the way to the database.

Two channels stay apart. What the host side writes (a requeue, a lost worker, dropped events)
is a `system` event, which no job can print. What a job prints on stdout in the runner's
protocol (`inside.events`) is stored with its origin: `runner` for a catalog example, whose
figures are the job's own `device`, `summary` and `metrics`; `script` for a maintainer's own
code, whose figures are only its `claims`. Everything else it prints, on stdout or stderr, is
its log, of which the last `LOG_TAIL_CHARS` are kept.

Events are bounded: at most `EVENTS_PER_JOB` a run, `EVENTS_PER_SECOND` on average (in bursts
of `EVENT_BURST`), each at most `EVENT_CHARS` long; the rest are counted and dropped, and the
count is noted once at the end. They are written in one transaction every `FLUSH_SECONDS`
(together with the heartbeat that tells the runner is alive and whether a cancel was asked), so
that a chatty job costs the database a few writes a second.

Where downloads are allowed, an example's job first runs a step of the catalog's own code, with
the network and write access to this machine's Keras cache, that downloads the example's dataset
if it is missing; the training that follows, like any maintainer's script, has no network.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from training_sandbox import isolation, work_folders
from training_sandbox.inside import datasets
from training_sandbox.isolation import IsolationUnavailable, Limits, Outcome, Share
from training_sandbox.jobs import Claim, JobLost
from training_sandbox.settings import Settings

logger = logging.getLogger(__name__)

RUNNER = [sys.executable, "-m", "training_sandbox.inside.runner"]  # the catalog's entry point
JOB_EVENTS = ("started", "summary", "epoch", "result", "error")  # what a job may report
EVENTS_PER_JOB = 10_000
EVENTS_PER_SECOND = 20.0
EVENT_BURST = 200
EVENT_CHARS = 16 * 1024
FLUSH_SECONDS = 0.5
HEARTBEAT_SECONDS = 1.0
LOG_TAIL_CHARS = 64 * 1024
LOG_TAIL_LINES = 20  # of the log, in the error of a job that failed without saying why
STDERR_TAIL_CHARS = 1500


def job_environment(settings: Settings) -> dict[str, str]:
    """What a job sees of the configuration besides its shares: its locale and GPUs, whether
    downloads are allowed (they happen before the job, see `JobRunner`) and Keras' backend."""
    allowed = "1" if settings.allow_downloads else "0"
    return {**settings.inherited, "KB_ALLOW_DOWNLOADS": allowed, "KERAS_BACKEND": "torch"}


def job_shares(settings: Settings, *, writable_cache: bool = False) -> list[Share]:
    """The datasets folder, and this machine's Keras cache (read-only to the job, which may
    write Keras' own settings nowhere else than /tmp)."""
    return [
        Share("KB_DATASETS_DIR", settings.datasets_dir),
        Share("KERAS_HOME", datasets.keras_home(), writable=writable_cache),
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
        tail = outcome.stderr_tail.strip()[-STDERR_TAIL_CHARS:] or "\n".join(log_tail)
        if tail:
            parts.append(f"its last output:\n{tail}")
    return "failed", "; ".join(parts)


class _Output:
    """What one run prints, on its way to the database: its events (bounded, as the module
    says) and the tail of its log."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.pending: list[dict[str, Any]] = []
        self.values: dict[str, Any] = {}  # for the job row, from the pending events
        self.kept = 0
        self.dropped = 0
        self.tokens = float(EVENT_BURST)
        self.refilled = time.monotonic()
        self.log: deque[str] = deque()
        self.log_chars = 0
        self.log_changed = False
        self.error_message: str | None = None

    def line(self, line: str) -> None:
        data = _event(line)
        if data is None:
            self._log(line + "\n")
        elif self._admit(line):
            self.pending.append(data)
            self.values.update(self._values_of(data))
            if data["event"] == "error":
                said = str(data.get("message") or "the job reported an error")
                self.error_message = said if self.origin == "runner" else f"the script said: {said}"

    def stderr(self, text: str) -> None:
        self._log(text)

    def log_lines(self) -> list[str]:
        return "".join(self.log).splitlines()[-LOG_TAIL_LINES:]

    def log_text(self) -> str:
        return "".join(self.log)

    def _admit(self, line: str) -> bool:
        now = time.monotonic()
        self.tokens = min(EVENT_BURST, self.tokens + (now - self.refilled) * EVENTS_PER_SECOND)
        self.refilled = now
        if self.kept >= EVENTS_PER_JOB or self.tokens < 1 or len(line) > EVENT_CHARS:
            self.dropped += 1
            return False
        self.tokens -= 1
        self.kept += 1
        return True

    def _values_of(self, data: dict[str, Any]) -> dict[str, Any]:
        """What an event tells about the job as a whole: for the job's row when the catalog's
        runner said it, for the script's claims otherwise."""
        kind, found = data["event"], {}
        if kind == "started" and "device" in data:
            found["device"] = str(data["device"])[:200]
        elif kind == "summary":
            found["summary"] = {k: v for k, v in data.items() if k != "event"}
        elif kind == "result" and isinstance(data.get("metrics"), dict):
            found["metrics"] = data["metrics"]
        return found

    def _log(self, text: str) -> None:
        self.log.append(text)
        self.log_chars += len(text)
        self.log_changed = True
        while self.log_chars > LOG_TAIL_CHARS and len(self.log) > 1:
            self.log_chars -= len(self.log.popleft())
        if self.log_chars > LOG_TAIL_CHARS:  # one piece longer than the whole tail
            self.log[0] = self.log[0][-LOG_TAIL_CHARS:]
            self.log_chars = len(self.log[0])


def _event(line: str) -> dict[str, Any] | None:
    """The line as an event of the runner's protocol, or None when it is something else."""
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line, parse_constant=lambda _: None)  # NaN is not JSON
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("event") in JOB_EVENTS:
        return data
    return None


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
        self.output = _Output("script" if claim.job.script is not None else "runner")
        self.next_flush = 0.0
        self.next_heartbeat = 0.0

    def run(self) -> str:
        """Run the job; returns its final status, or "queued" / "lost" when it was given back
        or taken away."""
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
            if job.example is not None and self.settings.allow_downloads:
                # The job has no network: its own code downloads what it lacks first, with it.
                datasets.keras_cache_dir().mkdir(parents=True, exist_ok=True)
                fetch = [*RUNNER, "--fetch", "SPEC.json"]
                step = _folder(folder / "fetch")
                fetched = self._isolated(fetch, step, inputs, spent, network=True)
                if fetched.reason != "exited" or fetched.returncode != 0:
                    return self._conclude(fetched)
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
        network: bool = False,
        trusted: bool = True,
    ) -> Outcome:
        """Run `argv` as the job, within what is left of its wall-clock limit."""
        left = max(self.claim.job.timeout_seconds - spent, 0.1)
        limits = Limits(wall_seconds=left, memory_bytes=self.settings.memory_bytes)
        return isolation.run(
            argv,
            folder=folder,
            limits=limits,
            env=job_environment(self.settings),
            inputs=inputs,
            shares=job_shares(self.settings, writable_cache=network),
            network=network,
            trusted=trusted,
            on_line=self.output.line,
            on_stderr=self.output.stderr,
            cancelled=self._should_stop,
        )

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


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
