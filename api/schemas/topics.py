"""Topics: pages of them, and one with its prerequisites, dependents and resources."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.http import Cursor
from api.schemas.common import Evidence
from api.schemas.resources import ResourceSummary


class TopicQuery(BaseModel):
    q: str | None = Field(
        None, max_length=200, description="part of a slug, name or alias, in any case"
    )
    limit: int = Field(50, ge=1, le=200, description="at most this many items")
    cursor: Cursor | None = None


class TopicSummary(BaseModel):
    slug: str
    name: str
    aliases: list[str]


class TopicPage(BaseModel):
    items: list[TopicSummary]
    next_cursor: str | None = Field(description="where the next page starts; null on the last")


class RelatedTopic(BaseModel):
    slug: str
    name: str
    origin: str = Field(description="stated, suggested-order, curated or inferred")
    rule: str | None = Field(description="the rule that found the relation, if known")
    reason: str
    confidence: float
    evidence: list[Evidence] = Field(description="the guide's sentences that state it")


class TopicDetail(TopicSummary):
    requires: list[RelatedTopic] = Field(description="topics to learn before this one")
    required_by: list[RelatedTopic] = Field(description="topics that build on this one")
    resources: list[ResourceSummary] = Field(description="the guide's most endorsed first")
