"""What the sandbox's job tests share: settings in a private folder, script jobs, waiting."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kb import db, learners, maintainers, settings
from kb.models import Job
from kb.settings import SandboxSettings
from training_sandbox import isolation, jobs

T = TypeVar("T")

needs_bubblewrap = pytest.mark.skipif(
    isolation.bubblewrap() is None,
    reason="maintainer scripts run only under bubblewrap (apt-get install bubblewrap)",
)

# A script in the runner's protocol: one epoch event per `pause` seconds, each saying when it
# was printed, then a result.
EPOCHS_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    EPOCHS, PAUSE = {epochs}, {pause}
    def emit(event):
        print(json.dumps(event), flush=True)
    emit({{"event": "started", "device": "cpu"}})
    for epoch in range(1, EPOCHS + 1):
        time.sleep(PAUSE)
        emit({{"event": "epoch", "epoch": epoch, "epochs": EPOCHS, "seconds": PAUSE,
              "metrics": {{"loss": 1.0 / epoch, "accuracy": 1 - 0.5 / epoch}},
              "printed_at": time.time()}})
    emit({{"event": "result", "metrics": {{"test_loss": 0.5, "test_accuracy": 0.9}}}})
    """
)


def epochs_script(epochs: int, pause: float) -> str:
    return EPOCHS_SCRIPT.format(epochs=epochs, pause=pause)


def use_sandbox_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxSettings:
    """Work folders under tmp_path; a runner silent for 3 s is reaped; no downloads."""
    monkeypatch.setenv("KB_SANDBOX_DIR", str(tmp_path / "sandbox"))
    monkeypatch.setenv("KB_SANDBOX_STALE_SECONDS", "3")
    monkeypatch.setenv("KB_SANDBOX_EXECUTOR", "local")
    monkeypatch.setenv("KB_ALLOW_DOWNLOADS", "0")
    return settings.read().sandbox


@contextmanager
def sessions_of(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = jobs.make_engine(database_url)
    try:
        yield db.session_factory(engine)
    finally:
        engine.dispose()


def submit(sessions: sessionmaker[Session], **fields) -> str:
    fields.setdefault("executor", "local")
    fields.setdefault("timeout_seconds", 120.0)
    with sessions() as session, session.begin():
        return jobs.submit(session, **fields).id


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_learner(sessions: sessionmaker[Session], name: str) -> tuple[str, dict[str, str]]:
    """A learner's id, and the headers that carry their token."""
    with sessions() as session, session.begin():
        learner, token = learners.create(session, name=name)
        return learner.id, bearer(token)


def new_maintainer(sessions: sessionmaker[Session], name: str) -> dict[str, str]:
    """The headers that carry a new maintainer's key."""
    with sessions() as session, session.begin():
        return bearer(maintainers.add(session, name)[1])


def job_row(sessions: sessionmaker[Session], job_id: str) -> Job:
    with sessions() as session:
        return jobs.get(session, job_id)


def wait_for(check: Callable[[], T | None], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")
