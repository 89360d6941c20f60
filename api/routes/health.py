"""Whether the service answers, and which version of the knowledge base it serves."""

from __future__ import annotations

from flask import Blueprint

from api import knowledge
from api.http import operation
from api.schemas.health import Health

bp = Blueprint("health", __name__)


@operation(bp, "GET", "/health", response=Health, summary="Check the service", tags=["health"])
def health() -> Health:
    """Answers once the database is reachable and its knowledge base is loaded."""
    current = knowledge.snapshot().catalog
    return Health(
        status="ok",
        version=current.version,
        topics=len(current.topics),
        resources=len(current.resources),
    )
