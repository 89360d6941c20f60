"""The API's settings, read from the environment; `create_app(config)` may override any of them."""

from __future__ import annotations

import os
from collections.abc import Mapping

from kb.config import database_url


def from_environment(environ: Mapping[str, str] = os.environ) -> dict:
    return {
        "DATABASE_URL": environ.get("KB_DATABASE_URL") or database_url(),
        "MAX_CONTENT_LENGTH": int(environ.get("KB_MAX_REQUEST_BYTES", "65536")),
        # An explicit allow-list of origins; empty means no cross-origin access at all.
        "CORS_ORIGINS": origins(environ.get("KB_CORS_ORIGINS", "")),
        # Per client address; an empty string leaves only the limits routes set themselves.
        "RATELIMIT_DEFAULT": environ.get("KB_RATE_LIMIT", "50 per second"),
        # Said by every app: the limiter is one object, which keeps the last app's choice.
        "RATELIMIT_ENABLED": True,
        # memory:// counts per process; redis://... shares the counts between gunicorn workers.
        "RATELIMIT_STORAGE_URI": environ.get("KB_RATE_LIMIT_STORAGE", "memory://"),
        # Behind one proxy that sets X-Forwarded-For (kb serve's own nginx sets it): the client's
        # address, for rate limits and logs, is the one it gives.
        "BEHIND_PROXY": environ.get("KB_BEHIND_PROXY") == "1",
        "TESTING": False,
    }


def origins(value: str) -> list[str]:
    return [origin.strip() for origin in value.split(",") if origin.strip()]
