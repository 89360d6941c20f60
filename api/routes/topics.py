"""Topics: a searchable list, and one topic with its prerequisites, dependents and resources."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, Field

from api.http import Cursor, operation, paginate
from api.knowledge import catalog
from api.problems import ProblemError
from api.routes.resources import ResourceSummary, ranked
from api.routes.search import search_index
from api.schemas import Evidence
from kb.catalog import Catalog, Relation, TopicView, fold

bp = Blueprint("topics", __name__)


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


@operation(
    bp,
    "GET",
    "/topics",
    query=TopicQuery,
    response=TopicPage,
    summary="List topics",
    tags=["topics"],
)
def list_topics(query: TopicQuery) -> TopicPage:
    """Topics in slug order, optionally only those matching `q`, a page at a time."""
    needle = fold(query.q or "")
    matching = (
        view
        for slug, view in catalog().topics.items()
        if (query.cursor is None or slug > query.cursor)
        and any(needle in fold(name) for name in (view.slug, view.name, *view.aliases))
    )
    page, next_cursor = paginate(matching, query.limit, lambda view: view.slug)
    return TopicPage(items=[_summary(view) for view in page], next_cursor=next_cursor)


@operation(
    bp,
    "GET",
    "/topics/<slug>",
    response=TopicDetail,
    summary="Get a topic",
    tags=["topics"],
)
def get_topic(slug: str) -> TopicDetail:
    """A topic by its slug, name or alias (any case): what it requires and why, what builds on
    it, and its resources, ranked by how much the guide endorses them."""
    found = catalog().find(slug)
    view = catalog().topics[found] if found else None
    if view is None:
        raise ProblemError(
            404, f"there is no topic named {slug!r}", suggestions=search_index().suggest(slug)
        )
    current = catalog()
    return TopicDetail(
        **_summary(view).model_dump(),
        requires=[_related(current, r, r.requires) for r in current.requires.get(view.slug, ())],
        required_by=[_related(current, r, r.topic) for r in current.required_by.get(view.slug, ())],
        resources=[ResourceSummary.of(resource) for resource in ranked(current, view.slug)],
    )


def _summary(view: TopicView) -> TopicSummary:
    return TopicSummary(slug=view.slug, name=view.name, aliases=list(view.aliases))


def _related(current: Catalog, relation: Relation, slug: str) -> RelatedTopic:
    return RelatedTopic(
        slug=slug,
        name=current.topics[slug].name,
        origin=relation.origin,
        rule=relation.rule,
        reason=relation.reason,
        confidence=relation.confidence,
        evidence=Evidence.quoting(relation.evidence),
    )
