"""The channel from a job to the outside: one JSON object per line on stdout.

The sandbox's runner reports through `emit`; a maintainer's own training script can too, to report
its epochs in the same protocol: ``emit({"event": "epoch", "epoch": 1, "epochs": 10, ...})``.
A line is an event only when it starts with ``{"event":``, which `emit` sees to.
Within `reserve_stdout`, stdout carries these lines alone: every other print (Keras, torch, C
libraries) goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["emit", "reserve_stdout"]

_channel: TextIO | None = None


def emit(event: dict[str, Any]) -> None:
    """Write the event as one JSON line, flushed at once so that the reader sees it live."""
    channel = _channel or sys.stdout
    # allow_nan=False: NaN is not JSON; callers turn non-finite numbers into null first.
    line = json.dumps({"event": event["event"], **event}, allow_nan=False)
    channel.write(line + "\n")
    channel.flush()


@contextmanager
def reserve_stdout() -> Iterator[None]:
    """Within the block, file descriptor 1 carries events only; all else goes to stderr."""
    global _channel
    sys.stdout.flush()
    saved_stdout = sys.stdout
    with os.fdopen(os.dup(1), "w", encoding="utf-8") as channel:
        _channel = channel
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        try:
            yield
        finally:
            sys.stdout = saved_stdout
            os.dup2(channel.fileno(), 1)
            _channel = None
