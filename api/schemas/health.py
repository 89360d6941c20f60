"""The service's health and the version of the knowledge base it serves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok"]
    version: str = Field(description="version of the knowledge base: changes with every import")
    topics: int
    resources: int
