"""Topics: a searchable list, and one topic with its prerequisites, dependents and resources."""

from __future__ import annotations

from flask import Blueprint

from api import knowledge
from api.http import operation, paginate
from api.schemas.common import Evidence
from api.schemas.resources import ResourceSummary
from api.schemas.topics import RelatedTopic, TopicDetail, TopicPage, TopicQuery, TopicSummary
from kb.catalog import Catalog, Relation, TopicView, fold

bp = Blueprint("topics", __name__)


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
        for slug, view in knowledge.snapshot().catalog.topics.items()
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
    snapshot = knowledge.snapshot()
    found = snapshot.topic(slug, "there is no topic named {!r}", hinted=False)
    current, view = snapshot.catalog, snapshot.catalog.topics[found]
    return TopicDetail(
        **_summary(view).model_dump(),
        requires=[_related(current, r, r.requires) for r in current.requires.get(view.slug, ())],
        required_by=[_related(current, r, r.topic) for r in current.required_by.get(view.slug, ())],
        resources=[ResourceSummary.of(r) for r in current.ranked_resources(view.slug)],
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
