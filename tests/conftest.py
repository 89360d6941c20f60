"""Database fixtures: every database test runs on SQLite and on the local PostgreSQL.

The schema is always the one the migrations build. `session` runs a test inside a transaction
that is rolled back at its end; `database_url` gives a test a database of its own (cloned from a
migrated template) for code that commits, such as the `kb` command.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.orm import Session

from kb import db

POSTGRES_URL = os.environ.get(
    "KB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
GUIDES = Path(__file__).resolve().parents[2] / "shared" / "guides" / "learning-deep-learning-2017"
POSTS = Path(__file__).resolve().parent / "data" / "posts"
BACKENDS = ["sqlite", "postgresql"]


def _admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


class _Postgres:
    """Creates databases on the test server; each is dropped when the test session ends."""

    def __init__(self) -> None:
        self.admin = _admin_engine()
        try:
            with self.admin.connect():
                pass
        except sa.exc.OperationalError as error:
            pytest.exit(f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}", returncode=3)
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"kb_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}{clause}")
        self.created.append(name)
        return name

    def url(self, name: str) -> str:
        return sa.make_url(POSTGRES_URL).set(database=name).render_as_string(False)

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in reversed(self.created):
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres():
    server = _Postgres()
    yield server
    server.drop_all()


@pytest.fixture(scope="session", params=BACKENDS)
def template(request, tmp_path_factory):
    """A migrated database per backend: (backend, url)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.url(server.create())
    db.upgrade(url)
    return request.param, url


@pytest.fixture(scope="session")
def make_database(template, tmp_path_factory, request):
    """A factory of fresh, migrated databases on the template's backend."""
    backend, url = template
    return lambda: _clone(backend, url, tmp_path_factory, request)


def _clone(backend: str, url: str, tmp_path_factory, request) -> str:
    if backend == "sqlite":
        copy = tmp_path_factory.mktemp("db") / "kb.sqlite3"
        shutil.copy(sa.make_url(url).database, copy)
        return f"sqlite:///{copy}"
    server = request.getfixturevalue("postgres")
    return server.url(server.create(template=sa.make_url(url).database))


@pytest.fixture(scope="session")
def make_guide_database(template, make_database, guide_files, tmp_path_factory, request):
    """A factory of databases holding the five imported editions of the guide (imported once)."""
    from importers.pipeline import ImportInput, import_inputs
    from training_sandbox.links import link_examples

    url = make_database()
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session, session.begin():  # as `kb import` does
        import_inputs(session, [ImportInput(str(f), f.read_bytes()) for f in guide_files])
        link_examples(session)
    engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    return lambda: _clone(template[0], url, tmp_path_factory, request)


@pytest.fixture
def guide_database_url(make_guide_database) -> str:
    """A database of this test's own, holding the imported guide."""
    return make_guide_database()


@pytest.fixture
def database_url(make_database) -> str:
    """A fresh, migrated database of this test's own."""
    return make_database()


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(template):
    """A session in a transaction that is rolled back when the test ends."""
    engine = db.make_engine(template[1])
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection) as session:
            yield session
        transaction.rollback()
    engine.dispose()


@pytest.fixture
def runner(database_url, monkeypatch) -> CliRunner:
    monkeypatch.setenv("KB_DATABASE_URL", database_url)
    return CliRunner()


@pytest.fixture(scope="session")
def guide_files() -> list[Path]:
    files = sorted(GUIDES.iterdir())
    assert len(files) == 5, f"expected the five editions in {GUIDES}"
    return files
