"""What a request reads: its own database session, and the process's snapshot of the knowledge base.

The Catalog (and every value derived from it: search index, learning graph) is built once per
knowledge-base version and shared by all threads of the process. Each request checks the version
once, so an import committed by any process is seen by the next request of every server process.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from kb import catalog as kb_catalog
from kb import db
from kb import version as kb_version
from kb.catalog import Catalog

T = TypeVar("T")

# Answers a route keeps per process and version (paths, searches): a repeated question is a lookup.
ANSWERS_KEPT = 4096

# Builders of derived values, registered by the blueprints that use them, warmed at start.
_BUILDERS: dict[str, Callable[[Catalog, Session], Any]] = {}


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


@dataclass
class Knowledge:
    """One per app: its engine and the snapshot its requests share."""

    engine: Engine
    sessions: sessionmaker[Session]
    version: VersionProbe
    lock: threading.RLock = field(default_factory=threading.RLock)  # builders may nest
    catalog: Catalog | None = None
    derived: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (version, value)


def install(app: Flask, engine: Engine) -> None:
    app.extensions["knowledge"] = Knowledge(
        engine, db.session_factory(engine), VersionProbe(engine)
    )
    app.teardown_appcontext(_close_session)


def warm(app: Flask) -> None:
    """Build the catalog and every registered derived value now, not in the first request."""
    with app.app_context():
        current = catalog()
        for name, build in _BUILDERS.items():
            derived(name, build)
        current_app.logger.info("knowledge base %s loaded", current.version)


def register_derived(name: str, build: Callable[[Catalog, Session], T]) -> None:
    _BUILDERS[name] = build


def session() -> Session:
    """The request's session; writers commit it themselves."""
    if "kb_session" not in g:
        g.kb_session = _knowledge().sessions()
    return g.kb_session


def _close_session(_error: BaseException | None) -> None:
    opened = g.pop("kb_session", None)
    if opened is not None:
        opened.close()  # rolls back whatever the request did not commit


def catalog() -> Catalog:
    """The snapshot of the current version, checked once per request."""
    if "kb_catalog" not in g:
        g.kb_catalog = _current_catalog(_knowledge())
    return g.kb_catalog


def _current_catalog(knowledge: Knowledge) -> Catalog:
    version = knowledge.version()
    cached = knowledge.catalog
    if cached is not None and cached.version == version:
        return cached
    with knowledge.lock:  # one thread rebuilds; the others wait for its result
        if knowledge.catalog is None or knowledge.catalog.version != version:
            knowledge.catalog = kb_catalog.load(session())
            _settle()
        return knowledge.catalog


def derived(name: str, build: Callable[[Catalog, Session], T]) -> T:
    """`build(catalog, session)`, computed once per version of the catalog."""
    current = catalog()
    knowledge = _knowledge()
    cached = knowledge.derived.get(name)
    if cached is not None and cached[0] == current.version:
        return cached[1]
    with knowledge.lock:
        cached = knowledge.derived.get(name)
        if cached is None or cached[0] != current.version:
            cached = (current.version, build(current, session()))
            knowledge.derived[name] = cached
            _settle()
        return cached[1]


def _settle() -> None:
    """Exempt the snapshot from the garbage collector's scans. It holds millions of objects on a
    large knowledge base, and every full collection would walk them all again, adding tens of
    milliseconds to whichever request triggered it. The previous snapshot is collected first."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _knowledge() -> Knowledge:
    return current_app.extensions["knowledge"]
