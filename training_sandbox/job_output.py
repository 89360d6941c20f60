"""What a running job prints, on its way to the database.

Stdout lines that start with ``{"event":`` are the runner's protocol (`inside.events`); every
other line, and all of stderr, is the job's log, of which the last `LOG_TAIL_CHARS` are kept.

Events are bounded: at most `EVENTS_PER_JOB` a run, `EVENTS_PER_SECOND` on average (in bursts
of `EVENT_BURST`), each at most `EVENT_CHARS` long; the rest are counted and dropped. An event
must also be storable as it is: nested at most `EVENT_DEPTH` deep; its text has NUL characters
and lone surrogates replaced (PostgreSQL stores neither), and numbers JSON cannot say (NaN,
1e999) become null. A line that is none of this is log.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from typing import Any

JOB_EVENTS = ("started", "summary", "epoch", "result", "error")  # what a job may report
EVENTS_PER_JOB = 10_000
EVENTS_PER_SECOND = 20.0
EVENT_BURST = 200
EVENT_CHARS = 16 * 1024
EVENT_DEPTH = 16
LOG_TAIL_CHARS = 64 * 1024
LOG_TAIL_LINES = 20  # of the log, in the error of a job that failed without saying why

_EVENT_START = re.compile(r'\{\s*"event"\s*:')
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class JobOutput:
    """One run's output: its pending events (bounded, as the module says), the values they set
    on the job row, and the tail of its log."""

    def __init__(self, origin: str) -> None:
        self.origin = origin  # "runner" for a catalog example, "script" for a maintainer's own
        self.pending: list[dict[str, Any]] = []
        self.values: dict[str, Any] = {}
        self.kept = 0
        self.dropped = 0
        self.tokens = float(EVENT_BURST)
        self.refilled = time.monotonic()
        self.log: deque[str] = deque()
        self.log_chars = 0
        self.log_changed = False
        self.error_message: str | None = None

    def line(self, line: str) -> None:
        """One line of stdout, without its newline."""
        if not _EVENT_START.match(line):
            self._log(line + "\n")
        elif self._admit(line):
            data = event_of(line)
            if data is None:
                self._log(line + "\n")
                return
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
        self.log.append(storable_text(text))
        self.log_chars += len(text)
        self.log_changed = True
        while self.log_chars > LOG_TAIL_CHARS and len(self.log) > 1:
            self.log_chars -= len(self.log.popleft())
        if self.log_chars > LOG_TAIL_CHARS:  # one piece longer than the whole tail
            self.log[0] = self.log[0][-LOG_TAIL_CHARS:]
            self.log_chars = len(self.log[0])


def event_of(line: str) -> dict[str, Any] | None:
    """The line as a storable event of the runner's protocol, or None when it is something
    else."""
    try:
        data = storable(json.loads(line))
    except (ValueError, RecursionError):  # not JSON, nested too deep, or a number too long
        return None
    if isinstance(data, dict) and data.get("event") in JOB_EVENTS:
        return data
    return None


def storable(value: Any, depth: int = 0) -> Any:
    """A parsed JSON value as it can be stored and sent back: see the module; ValueError when
    it is nested deeper than `EVENT_DEPTH`."""
    if depth > EVENT_DEPTH:
        raise ValueError(f"nested deeper than {EVENT_DEPTH}")
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {storable_text(key): storable(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item, depth + 1) for item in value]
    return value


def storable_text(text: str) -> str:
    """`text` with what a database cannot store (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)
