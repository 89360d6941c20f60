"""The Flask application of the JSON API: settings, database, error shape, CORS, rate limits."""

from __future__ import annotations

import dataclasses

from flask import Flask, Response, current_app, request
from flask_cors import CORS
from sqlalchemy import Engine
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from api import knowledge, openapi, problems
from api.http import limiter
from api.routes import BLUEPRINTS
from kb import db
from kb import settings as kb_settings
from kb.settings import Settings

PREFIX = "/api/v1"


def create_app(config: dict | None = None, settings: Settings | None = None) -> Flask:
    """The app of `settings` (read from the environment by default); `config` may override
    any of the Flask settings they give (`flask_config`)."""
    settings = settings or kb_settings.read()
    app = Flask(__name__)
    app.config.update(flask_config(settings) | (config or {}))
    # The database a test or a caller gives in `config` is the one every part of the app uses.
    app.extensions["settings"] = dataclasses.replace(
        settings, database_url=app.config["DATABASE_URL"]
    )
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
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint, url_prefix=PREFIX)
    app.register_blueprint(openapi.bp)
    knowledge.warm(app)
    # `kb serve` loads the app once and forks its workers: no connection may be shared by them,
    # so each opens its own.
    engine.dispose()
    return app


def flask_config(settings: Settings) -> dict:
    """What Flask and its extensions read of the settings."""
    return {
        "DATABASE_URL": settings.database_url,
        "MAX_CONTENT_LENGTH": settings.max_request_bytes,
        "CORS_ORIGINS": list(settings.cors_origins),
        "RATELIMIT_DEFAULT": settings.rate_limit,
        # Said by every app: the limiter is one object, which keeps the last app's choice.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": settings.rate_limit_storage,
        "BEHIND_PROXY": settings.behind_proxy,
        "TESTING": False,
    }


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
