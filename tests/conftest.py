"""Shared fixtures: every database test runs on SQLite and on the local PostgreSQL.

The schema is always the one the migrations build. Which fixture to use:

* `session`: a session in a transaction on the migrated (empty) template, rolled back when the
  test ends. For a test of kb functions that write rows and read them back in the same session:
  nothing is committed and no database is made.
* `guide_session`: the same, on the database the guide was imported into once per backend. For
  a test that reads (or writes and reads back) the imported guide in one session.
* `database_url` (fresh, migrated) and `guide_database_url` (holding the imported guide): a
  database of the test's own, cloned from a template, for code that commits or that another
  process reads: the `kb` command, the server, the sandbox's workers, an app and its sessions.
  `make_database` and `make_guide_database` make more of them (for module-scoped fixtures).
  A test holding `session` or `guide_session` must not also clone that database: PostgreSQL
  copies a template only while nobody is connected to it.
* `app`, `client` and `make_app`: the API's Flask app (`api.app.create_app`), its test client,
  and a factory of more apps with settings changed (`make_app(CORS_ORIGINS=[])`); every app is
  disposed when the test ends. A module changes them by overriding the small fixtures they are
  built from, never `app` itself: `app_database_url` (`guide_database_url` by default; a fresh
  database: `database_url`), `app_config` (the Flask settings besides DATABASE_URL; a fixture
  that needs environment variables set before the app is made, such as the sandbox's, sets
  them there with monkeypatch) and `app_blueprints` (routes only the module's tests have).
* `sessions`: a session factory on `database_url`, as the sandbox's workers make theirs.
* `runner`: a click `CliRunner` whose `kb` commands use `database_url` (KB_DATABASE_URL).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from kb import db

POSTGRES_URL = os.environ.get(
    "KB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
GUIDES = Path(__file__).resolve().parents[2] / "shared" / "guides" / "learning-deep-learning-2017"
# The examples' datasets (real MNIST) beside the checkout, for the jobs the tests run.
os.environ.setdefault(
    "KB_DATASETS_DIR", str(Path(__file__).resolve().parents[2] / "shared" / "datasets")
)
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
def guide_template(make_database, guide_files) -> str:
    """The database the five editions of the guide were imported into, once per backend: tests
    clone it (`make_guide_database`) or read it in a rolled-back transaction (`guide_session`),
    and never commit to it."""
    from api.services.imports import import_guides
    from importers.pipeline import ImportInput

    url = make_database()
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session, session.begin():  # as `kb import` does
        import_guides(session, [ImportInput(str(f), f.read_bytes()) for f in guide_files])
    engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    return url


@pytest.fixture(scope="session")
def make_guide_database(template, guide_template, tmp_path_factory, request):
    """A factory of databases holding the five imported editions of the guide (imported once)."""
    return lambda: _clone(template[0], guide_template, tmp_path_factory, request)


@pytest.fixture
def guide_database_url(make_guide_database) -> str:
    """A database of this test's own, holding the imported guide."""
    return make_guide_database()


@pytest.fixture
def database_url(make_database) -> str:
    """A fresh, migrated database of this test's own."""
    return make_database()


def _rolled_back(url: str) -> Iterator[Session]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                with Session(bind=connection) as session:
                    yield session
            finally:
                transaction.rollback()
    finally:
        engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it


@pytest.fixture
def session(template) -> Iterator[Session]:
    """A session on the migrated template, in a transaction rolled back when the test ends."""
    yield from _rolled_back(template[1])


@pytest.fixture
def guide_session(guide_template) -> Iterator[Session]:
    """A session on the imported guide, in a transaction rolled back when the test ends."""
    yield from _rolled_back(guide_template)


@pytest.fixture
def app_database_url(guide_database_url) -> str:
    """The database of the `app` fixture; a module that needs a fresh one overrides this."""
    return guide_database_url


@pytest.fixture
def app_config() -> dict:
    """The `app` fixture's settings besides DATABASE_URL; a module overrides this."""
    return {"TESTING": True, "RATELIMIT_DEFAULT": ""}


@pytest.fixture
def app_blueprints() -> dict[str, Callable[[], Blueprint]]:
    """Routes that only a module's tests have: URL prefix -> a function that builds them."""
    return {}


@pytest.fixture
def make_app(app_database_url, app_config, app_blueprints) -> Iterator[Callable[..., Flask]]:
    """A factory of apps on `app_database_url` with `app_config`, changed by its keywords;
    each is disposed when the test ends."""
    from api.app import create_app, engine_of

    made: list[Flask] = []

    def make(**config) -> Flask:
        app = create_app({"DATABASE_URL": app_database_url, **app_config, **config})
        made.append(app)
        for prefix, build in app_blueprints.items():
            app.register_blueprint(build(), url_prefix=prefix)
        return app

    yield make
    for app in made:
        engine_of(app).dispose()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sessions(database_url):
    """A session factory on `database_url`, as the sandbox's workers open theirs (each
    session commits what it does)."""
    from tests.sandbox_helpers import sessions_of

    with sessions_of(database_url) as made:
        yield made


@pytest.fixture
def runner(database_url, monkeypatch) -> CliRunner:
    monkeypatch.setenv("KB_DATABASE_URL", database_url)
    return CliRunner()


@pytest.fixture(scope="session")
def guide_files() -> list[Path]:
    files = sorted(GUIDES.iterdir())
    assert len(files) == 5, f"expected the five editions in {GUIDES}"
    return files
