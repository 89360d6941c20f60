"""What a request reads: its own database session, and the process's snapshot of the knowledge base.

The snapshot (`kb.snapshot.Snapshot`: catalog, learning graph, planner, search index) is built
once per knowledge-base version and shared by all threads of the process. Each request checks the
version once, so an import committed by any process is seen by the next request of every server
process. Answers a route computes from the snapshot alone may be kept for its version
(`remembered`).
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kb import db
from kb import version as kb_version
from kb.snapshot import Snapshot

T = TypeVar("T")

# Answers kept per route function and version (paths, searches): a repeated question is a lookup.
ANSWERS_KEPT = 4096


class VersionProbe:
    """Reads the knowledge base's version on each thread's own connection, held open in
    autocommit mode (so it never sits in a transaction). The read runs on every request; through
    the pool (checkout, reset on return) it took longer than the rest of a cached request."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.local = threading.local()
        self.opened: list[Any] = []
        self.opening = threading.Lock()
        # Out of the pool, the connections would outlive the engine's disposal: close them then.
        event.listen(engine, "engine_disposed", lambda _engine: self.close_all())

    def __call__(self) -> str:
        connection = getattr(self.local, "connection", None)
        if connection is not None:
            try:
                return kb_version.current_on(connection)
            except self.engine.dialect.loaded_dbapi.Error:
                self._forget(connection)  # the server went away: one more try, on a new one
        return kb_version.current_on(self._open())

    def close_all(self) -> None:
        with self.opening:
            for connection in self.opened:
                connection.close()
            self.opened.clear()
        self.local = threading.local()

    def _open(self) -> Any:
        connection = self.engine.raw_connection()
        connection.detach()  # the pool neither counts it nor resets it
        self.engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
        with self.opening:
            self.opened.append(connection)
        self.local.connection = connection
        return connection

    def _forget(self, connection: Any) -> None:
        with suppress(Exception):  # it is broken already
            connection.close()
        with self.opening:
            if connection in self.opened:
                self.opened.remove(connection)
        self.local.connection = None


@dataclass(frozen=True)
class Current:
    """One version's snapshot, and the answers kept for it."""

    snapshot: Snapshot
    answers: dict[Callable, OrderedDict] = field(default_factory=dict)


@dataclass
class Knowledge:
    """One per app: its engine, and what its requests share."""

    engine: Engine
    sessions: sessionmaker[Session]
    version: VersionProbe
    lock: threading.Lock = field(default_factory=threading.Lock)
    current: Current | None = None


def install(app: Flask, engine: Engine) -> None:
    app.extensions["knowledge"] = Knowledge(
        engine, db.session_factory(engine), VersionProbe(engine)
    )
    app.teardown_appcontext(_close_session)


def warm(app: Flask) -> None:
    """Build the snapshot now, not in the first request."""
    with app.app_context():
        current_app.logger.info("knowledge base %s loaded", snapshot().version)


def session() -> Session:
    """The request's session; writers commit it themselves."""
    if "kb_session" not in g:
        g.kb_session = _knowledge().sessions()
    return g.kb_session


def _close_session(_error: BaseException | None) -> None:
    opened = g.pop("kb_session", None)
    if opened is not None:
        opened.close()  # rolls back whatever the request did not commit


def snapshot() -> Snapshot:
    """The snapshot of the current version, checked once per request."""
    return _current().snapshot


def _current() -> Current:
    if "kb_current" not in g:
        g.kb_current = _of_version(_knowledge())
    return g.kb_current


def _of_version(knowledge: Knowledge) -> Current:
    version = knowledge.version()
    current = knowledge.current
    if current is not None and current.snapshot.version == version:
        return current
    with knowledge.lock:  # one thread rebuilds; the others wait for its result
        if knowledge.current is None or knowledge.current.snapshot.version != version:
            knowledge.current = Current(Snapshot.load(session()))
            _settle()
        return knowledge.current


def remembered(answer: Callable[..., T], *question: Hashable) -> T:
    """`answer(snapshot, *question)`, kept for the request's version: `answer` must depend on
    nothing else. The `ANSWERS_KEPT` most recent answers of each function are kept."""
    current = _current()
    kept = current.answers.setdefault(answer, OrderedDict())
    found = kept.get(question)
    if found is not None:
        with suppress(KeyError):  # another thread may have just let it go
            kept.move_to_end(question)
        return found
    found = kept[question] = answer(current.snapshot, *question)
    while len(kept) > ANSWERS_KEPT:
        with suppress(KeyError):
            kept.popitem(last=False)
    return found


def _settle() -> None:
    """Exempt the snapshot from the garbage collector's scans. It holds millions of objects on a
    large knowledge base, and every full collection would walk them all again, adding tens of
    milliseconds to whichever request triggered it. The previous snapshot is collected first."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _knowledge() -> Knowledge:
    return current_app.extensions["knowledge"]
