"""Searching topics and resources together."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import ResourceRef, TopicRef
from kb.values import HitType


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=200, description="words, in any case or number")
    limit: int = Field(default=20, ge=1, le=100)
    type: HitType | None = Field(default=None, description="only this type")


class ResourceHit(ResourceRef):
    """A resource found."""


class SearchHit(BaseModel):
    type: HitType
    score: float = Field(description="cosine similarity, 0 to 1")
    topic: TopicRef | None = None
    resource: ResourceHit | None = None


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
