"""Whether the service answers, and which version of the knowledge base it serves."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from api.http import operation
from api.knowledge import catalog

bp = Blueprint("health", __name__)


class Health(BaseModel):
    status: Literal["ok"]
    version: str = Field(description="version of the knowledge base: changes with every import")
    topics: int
    resources: int


@operation(bp, "GET", "/health", response=Health, summary="Check the service", tags=["health"])
def health() -> Health:
    """Answers once the database is reachable and its knowledge base is loaded."""
    current = catalog()
    return Health(
        status="ok",
        version=current.version,
        topics=len(current.topics),
        resources=len(current.resources),
    )
