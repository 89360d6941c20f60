"""The Flask application of the JSON API: settings, database, error shape, CORS, rate limits."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_cors import CORS
from sqlalchemy import Engine
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from api import knowledge, openapi, problems, routes, settings
from api.http import limiter
from kb import db

PREFIX = "/api/v1"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(settings.from_environment() | (config or {}))
    if "*" in app.config["CORS_ORIGINS"]:
        raise ValueError("KB_CORS_ORIGINS must list origins, not '*'")

    engine = db.make_engine(app.config["DATABASE_URL"], shared=True)  # gunicorn's workers share it
    try:
        db.require_current_schema(engine)
    except Exception:
        engine.dispose()
        raise
    knowledge.install(app, engine)

    if app.config["BEHIND_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    problems.register(app)
    app.before_request(_refuse_oversize_body)
    app.after_request(_never_sniffed)
    CORS(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        expose_headers=["Location", "Retry-After"],
    )
    limiter.init_app(app)
    for blueprint in routes.blueprints():
        app.register_blueprint(blueprint, url_prefix=PREFIX)
    app.register_blueprint(openapi.bp)
    knowledge.warm(app)
    # `kb serve` loads the app once and forks its workers: no connection may be shared by them,
    # so each opens its own.
    engine.dispose()
    return app


def engine_of(app: Flask) -> Engine:
    return app.extensions["knowledge"].engine


def _never_sniffed(response: Response) -> Response:
    """What the API answers is what its Content-Type says, never a page a browser would run:
    a job's log that holds `<script>` stays text."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype != "text/html":
        response.headers.setdefault("Content-Security-Policy", "default-src 'none'")
    return response


def _refuse_oversize_body() -> None:
    # Werkzeug refuses an oversize body only when it is read; refuse it even where it is not.
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
