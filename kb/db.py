"""Engines and sessions. Callers own their session: one per command, request or job."""

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kb.errors import Busy, SchemaError
from kb.settings import INSTANCE_DIR, PROJECT_ROOT

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, shared: bool = False) -> Engine:
    """An engine for `url`. `shared`: several processes read and write the database at once
    (the API's workers, the sandbox's job runners)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite" and engine.url.database:
        if Path(engine.url.database).parent == INSTANCE_DIR:  # the embedded default's folder
            INSTANCE_DIR.mkdir(exist_ok=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if shared:
            event.listen(engine, "connect", _share_sqlite_file)
    return engine


def _share_sqlite_file(dbapi_connection, _record) -> None:
    # Readers must not block the writer (WAL), and a writer waits for another rather than
    # failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def serialize(session: Session, name: str) -> None:
    """Make the session's transaction wait for, then exclude, every other one that serializes on
    `name` until it ends. Call it first in the transaction, before it reads what it decides on.
    PostgreSQL: an advisory lock of the transaction; SQLite: the database's one write lock,
    which a write statement takes even when it changes no row."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return
    try:
        session.execute(text("UPDATE knowledge_base SET id = id WHERE 0 = 1"))
    except OperationalError as error:  # still locked after the busy timeout
        raise Busy(
            f"the database is busy with another writer ({name}): try again",
            retry_after=SQLITE_BUSY_TIMEOUT_MS // 1000,
        ) from error


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Build or migrate the schema: migrations are the only way the schema is made."""
    command.upgrade(alembic_config(url), revision)


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database the migrations have not brought to the latest version."""
    head = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False)))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head.get_current_head():
        raise SchemaError(
            f"the database at {engine.url!r} is at schema version {current or 'none'}, "
            f"not {head.get_current_head()}: run `kb db upgrade`"
        )
