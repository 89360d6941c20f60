"""The HTTP framework of the API: one problem shape for every error, CORS, rate limits, the
snapshot cache and the OpenAPI document with its reference page."""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Blueprint
from markupsafe import escape
from openapi_spec_validator import validate
from pydantic import BaseModel

from api.app import create_app, engine_of, flask_config
from api.http import limiter, operation
from api.knowledge import snapshot
from api.services.imports import import_guides
from importers.pipeline import ImportInput
from kb import db, settings

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
EXTENSIONS = {"errors", "suggestions"}
BODY_LIMIT = 1024
ALLOWED_ORIGIN = "https://learner.example"
POST = Path(__file__).parent / "data" / "posts" / "rnn-reading-list.txt"


class Echo(BaseModel):
    text: str


def _test_routes() -> Blueprint:
    """Routes that only tests have: a JSON body to send, a handler that fails, a tight limit."""
    bp = Blueprint("test_only", __name__)

    @operation(bp, "POST", "/echo", body=Echo, response=Echo, status=201, summary="Echo")
    def echo(body: Echo) -> Echo:
        return body

    @operation(bp, "GET", "/boom", response=Echo, summary="Fail")
    def boom() -> Echo:
        raise RuntimeError("secret internal detail")

    @operation(bp, "GET", "/scarce", response=Echo, summary="Limited")
    @limiter.limit("1 per minute")
    def scarce() -> Echo:
        return Echo(text="ok")

    return bp


@pytest.fixture
def app_config() -> dict:
    """The settings of this module's apps (conftest's `app`, `client` and `make_app`, on the
    guide): a small body limit and one allowed origin."""
    return {
        "TESTING": True,
        "RATELIMIT_DEFAULT": "",
        "MAX_CONTENT_LENGTH": BODY_LIMIT,
        "CORS_ORIGINS": [ALLOWED_ORIGIN],
    }


@pytest.fixture
def app_blueprints() -> dict[str, Callable[[], Blueprint]]:
    """Every app of this module also has the routes above."""
    return {"/test": _test_routes}


def _chunked(path: str, size: int) -> Callable:
    # No Content-Length: only reading the body can find it too large.
    return lambda c: c.post(
        path,
        input_stream=io.BytesIO(b'{"text": "' + b"x" * size + b'"}'),
        content_type="application/json",
        environ_overrides={"wsgi.input_terminated": True},
    )


def _three_times(path: str) -> Callable:
    return lambda c: [c.get(path) for _ in range(3)][-1]


@dataclass
class Case:
    name: str
    status: int
    path: str
    request: Callable
    config: dict = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # header -> a part of its value
    check: Callable[[dict], bool] = lambda body: True


CASES = [
    Case("unknown route", 404, "/api/v1/nowhere", lambda c: c.get("/api/v1/nowhere")),
    Case(
        "unknown topic",
        404,
        "/api/v1/topics/kerass",
        lambda c: c.get("/api/v1/topics/kerass"),
        check=lambda body: "kerass" in body["detail"] and "keras" in body["suggestions"],
    ),
    Case(
        "method not allowed",
        405,
        "/api/v1/health",
        lambda c: c.delete("/api/v1/health"),
        headers={"Allow": "GET"},
    ),
    Case(
        "body over the limit",
        413,
        "/test/echo",
        lambda c: c.post("/test/echo", json={"text": "x" * BODY_LIMIT}),
        check=lambda body: str(BODY_LIMIT) in body["detail"],
    ),
    Case("streamed body over the limit", 413, "/test/echo", _chunked("/test/echo", BODY_LIMIT)),
    Case(
        "body that is not JSON",
        415,
        "/test/echo",
        lambda c: c.post("/test/echo", data={"text": "x"}),
        check=lambda body: "application/json" in body["detail"],
    ),
    Case(
        "malformed JSON",
        422,
        "/test/echo",
        lambda c: c.post("/test/echo", data="{", content_type="application/json"),
        check=lambda body: body["errors"][0]["location"] == "body",
    ),
    Case(
        "invalid body",
        422,
        "/test/echo",
        lambda c: c.post("/test/echo", json={"text": 5}),
        check=lambda body: (
            body["errors"]
            == [{"location": "body", "field": "text", "message": "Input should be a valid string"}]
        ),
    ),
    Case(
        "bad query value",
        422,
        "/api/v1/topics",
        lambda c: c.get("/api/v1/topics?limit=0"),
        check=lambda body: (
            [(e["location"], e["field"]) for e in body["errors"]] == [("query", "limit")]
        ),
    ),
    Case(
        "too many requests",
        429,
        "/api/v1/health",
        _three_times("/api/v1/health"),
        config={"RATELIMIT_DEFAULT": "2 per minute"},
        headers={"Retry-After": ""},
    ),
    Case(
        "a route's own limit",
        429,
        "/test/scarce",
        lambda c: [c.get("/test/scarce") for _ in range(2)][-1],
        headers={"Retry-After": ""},
    ),
    Case(
        "server error",
        500,
        "/test/boom",
        lambda c: c.get("/test/boom"),
        check=lambda body: "secret" not in str(body),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_error_is_one_problem_shape(make_app, case):
    response = case.request(make_app(**case.config).test_client())

    assert response.status_code == case.status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_KEYS <= body.keys() and body.keys() - PROBLEM_KEYS <= EXTENSIONS
    assert body["status"] == case.status
    assert body["title"] == HTTPStatus(case.status).phrase
    assert body["type"] == "about:blank"
    assert body["instance"] == case.path
    assert body["detail"].strip()
    for header, part in case.headers.items():
        assert part in response.headers[header]
    assert case.check(body), body


def test_a_success_is_built_from_its_model(client):
    response = client.post("/test/echo", json={"text": "naïve"})
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.get_data(as_text=True) == '{"text":"naïve"}'


@pytest.mark.parametrize("path", ["/api/v1/paths?goal=cifar-10", "/api/v1/topics/keras"])
def test_large_answers_are_gzipped_for_clients_that_accept_it(client, path):
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in plain.vary and "accept-encoding" in zipped.vary
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) * 3 < len(plain.data)
    assert client.get(path, headers={"Accept-Encoding": "gzip"}).data == zipped.data  # kept
    small = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and small.get_json()["status"] == "ok"


def test_the_version_check_survives_a_lost_connection(app, client):
    assert client.get("/api/v1/health").status_code == 200
    probe = app.extensions["knowledge"].version
    probe.local.connection.dbapi_connection.close()  # as when the server drops it
    assert client.get("/api/v1/health").status_code == 200


def test_cross_origin_requests_only_from_listed_origins(client, make_app):
    allowed = client.get("/api/v1/health", headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    preflight = client.options(
        "/api/v1/topics",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    other = client.get("/api/v1/health", headers={"Origin": "https://elsewhere.example"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers

    closed = make_app(CORS_ORIGINS=[])
    response = closed.test_client().get("/api/v1/health", headers={"Origin": ALLOWED_ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_settings_come_from_the_environment():
    read = flask_config(
        settings.read(
            {
                "KB_DATABASE_URL": "sqlite:///elsewhere.sqlite3",
                "KB_MAX_REQUEST_BYTES": "2048",
                "KB_CORS_ORIGINS": " https://a.example, https://b.example ,",
                "KB_RATE_LIMIT": "",
                "KB_RATE_LIMIT_STORAGE": "redis://cache:6379",
            }
        )
    )
    assert read["DATABASE_URL"] == "sqlite:///elsewhere.sqlite3"
    assert read["MAX_CONTENT_LENGTH"] == 2048
    assert read["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert read["RATELIMIT_DEFAULT"] == ""
    assert read["RATELIMIT_STORAGE_URI"] == "redis://cache:6379"
    defaults = flask_config(settings.read({"KB_DATABASE_URL": "sqlite://"}))
    assert defaults["CORS_ORIGINS"] == []
    assert defaults["RATELIMIT_DEFAULT"] == "50 per second"


def test_any_origin_is_refused(guide_database_url):
    with pytest.raises(ValueError, match="origins"):
        create_app({"DATABASE_URL": guide_database_url, "CORS_ORIGINS": ["*"]})


def test_an_unmigrated_database_is_refused(tmp_path):
    from kb.errors import SchemaError

    with pytest.raises(SchemaError, match="kb db upgrade"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})


def test_the_snapshot_is_reused_until_an_import_changes_the_version(app, client):
    with app.test_request_context():
        first = snapshot()
    with app.test_request_context():
        assert snapshot() is first
    before = client.get("/api/v1/health").get_json()

    # Another process imports a post: the next request sees it.
    engine = db.make_engine(engine_of(app).url.render_as_string(hide_password=False))
    with db.session_factory(engine)() as session, session.begin():
        import_guides(session, [ImportInput(str(POST), POST.read_bytes())])
    engine.dispose()

    after = client.get("/api/v1/health").get_json()
    assert after["version"] != before["version"]
    assert after["resources"] > before["resources"]
    with app.test_request_context():
        assert snapshot() is not first
        assert snapshot().version == after["version"]


def test_sqlite_is_shared_in_wal_mode(app):
    engine = engine_of(app)
    if engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_openapi_document_is_valid_and_documents_every_error(guide_database_url):
    app = create_app({"DATABASE_URL": guide_database_url, "RATELIMIT_DEFAULT": ""})
    try:
        client = app.test_client()
        spec = client.get("/api/openapi.json").get_json()
        page = client.get("/api/docs")
        home = client.get("/")
    finally:
        engine_of(app).dispose()

    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/health", "/api/v1/topics", "/api/v1/topics/{slug}"} <= spec["paths"].keys()
    assert not any(path.startswith("/test") for path in spec["paths"])
    schemes = spec["components"]["securitySchemes"]
    assert {name: scheme["scheme"] for name, scheme in schemes.items()} == {
        "learnerToken": "bearer",
        "maintainerKey": "bearer",
    }
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            problem = op["responses"]["default"]["content"]["application/problem+json"]
            assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}, (path, method)
    kinds = next(
        p for p in spec["paths"]["/api/v1/resources"]["get"]["parameters"] if p["name"] == "kind"
    )
    assert (kinds["style"], kinds["explode"], kinds["schema"]["type"]) == ("form", True, "array")

    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, methods in spec["paths"].items():
        assert path in html
        for op in methods.values():
            assert escape(op["summary"]) in html
    assert "<script" not in html and "http://localhost/api/v1/topics/SLUG" in html
    assert home.status_code == 302 and home.headers["Location"] == "/api/docs"


def test_database_errors_roll_back_and_are_500(app, client):
    """A failing request's session is closed, and what it wrote is not committed."""
    bp = Blueprint("failing_write", __name__)

    @operation(bp, "POST", "/write", body=Echo, response=Echo, summary="Write then fail")
    def write(body: Echo) -> Echo:
        from api.knowledge import session

        session().execute(sa.text("UPDATE knowledge_base SET version = :v"), {"v": body.text})
        raise RuntimeError("after writing")

    app.register_blueprint(bp, url_prefix="/fail")
    version = client.get("/api/v1/health").get_json()["version"]
    assert client.post("/fail/write", json={"text": "changed"}).status_code == 500
    assert engine_of(app).pool.checkedout() == 0
    assert client.get("/api/v1/health").get_json()["version"] == version


def test_an_integer_out_of_any_range_is_a_4xx_never_a_500(client):
    """Every integer parameter of every operation, given 10**23: the database cannot hold it."""
    document = client.get("/api/openapi.json").json
    tried = 0
    for path, methods in document["paths"].items():
        for method, described in methods.items():
            parameters = described.get("parameters", [])
            for parameter in parameters:
                types = {parameter["schema"].get("type")} | {
                    option.get("type") for option in parameter["schema"].get("anyOf", [])
                }
                if "integer" not in types:
                    continue
                values = {p["name"]: "x" for p in parameters if p["in"] == "path"}
                values[parameter["name"]] = str(10**23)
                url = path.format(**values)
                if parameter["in"] == "query":
                    url = path.format(**{**values, parameter["name"]: "x"})
                    url += f"?{parameter['name']}={10**23}"
                answer = client.open(url, method=method.upper())
                tried += 1
                assert 400 <= answer.status_code < 500, (method, url, answer.status_code)
                if parameter["in"] == "query":
                    assert answer.status_code == 422, (method, url, answer.json)
    assert tried >= 8
