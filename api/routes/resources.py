"""Learning resources: filtered lists, and one resource with every place the guide mentions it."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint
from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from api.http import NOT_A_CURSOR, Cursor, operation, paginate
from api.knowledge import catalog, session
from api.problems import ProblemError
from kb.catalog import Catalog, ResourceView
from kb.extraction.kinds import ACCESS, KINDS
from kb.models import Edition, Mention, Section

bp = Blueprint("resources", __name__)

Kind = Literal[KINDS]
Access = Literal[ACCESS]


class ResourceSummary(BaseModel):
    id: int
    url: str
    title: str
    kind: Kind
    access: Access
    editions: int = Field(description="how many editions of the guide mention it: its endorsement")
    topics: list[str] = Field(description="slugs of the topics it teaches")

    @classmethod
    def of(cls, view: ResourceView) -> ResourceSummary:
        return cls(
            id=view.id,
            url=view.url,
            title=view.title,
            kind=view.kind,
            access=view.access,
            editions=view.editions,
            topics=list(view.topics),
        )


def ranked(current: Catalog, slug: str) -> list[ResourceView]:
    """A topic's resources, those the guide endorses most first: mentioned by more editions, then
    more often, then earlier in the guide."""
    views = [current.resources[id_] for id_ in current.resources_by_topic.get(slug, ())]
    return sorted(views, key=lambda r: (-r.editions, -r.mentions, r.position, r.id))


def _resource_id(position: str) -> int:
    if not position.isdigit():
        raise PydanticCustomError("cursor", NOT_A_CURSOR)
    return int(position)


class ResourceQuery(BaseModel):
    topic: str | None = Field(None, max_length=200, description="slug of a topic they teach")
    kind: list[Kind] = Field([], description="any of these kinds (repeat the parameter)")
    access: list[Access] = Field([], description="any of these kinds of access")
    limit: int = Field(50, ge=1, le=200, description="at most this many items")
    cursor: Annotated[Cursor, AfterValidator(_resource_id)] | None = None


class ResourcePage(BaseModel):
    items: list[ResourceSummary]
    next_cursor: str | None = Field(description="where the next page starts; null on the last")


class EditionSummary(BaseModel):
    id: int
    title: str | None
    format: str
    published: str | None


class MentionDetail(BaseModel):
    edition: EditionSummary
    section: str | None = Field(description="the heading the mention is under")
    anchor: str = Field(description="the link text, or the name the edition uses")
    sentence: str = Field(description="the sentence around the mention")
    url: str | None = Field(description="the link as this edition wrote it; null if unlinked")


class ResourceDetail(ResourceSummary):
    kind_rule: str = Field(description="the rule that decided the kind")
    kind_confidence: float
    mentions: list[MentionDetail] = Field(description="in edition order, then guide order")


@operation(
    bp,
    "GET",
    "/resources",
    query=ResourceQuery,
    response=ResourcePage,
    summary="List resources",
    tags=["resources"],
)
def list_resources(query: ResourceQuery) -> ResourcePage:
    """Resources in id order, filtered by topic, kinds and access, a page at a time."""
    current = catalog()
    if query.topic is None:
        ids = current.resources.keys()
    elif query.topic in current.topics:
        ids = current.resources_by_topic.get(query.topic, ())
    else:
        message = f"no topic has the slug {query.topic!r}; /api/v1/topics lists them"
        error = {"location": "query", "field": "topic", "message": message}
        raise ProblemError(422, f"invalid query: topic: {message}", errors=[error])
    after = query.cursor if query.cursor is not None else -1
    matching = (
        current.resources[id_]
        for id_ in sorted(ids)
        if id_ > after
        and (not query.kind or current.resources[id_].kind in query.kind)
        and (not query.access or current.resources[id_].access in query.access)
    )
    page, next_cursor = paginate(matching, query.limit, lambda view: view.id)
    return ResourcePage(items=[ResourceSummary.of(view) for view in page], next_cursor=next_cursor)


@operation(
    bp,
    "GET",
    "/resources/<int:resource_id>",
    response=ResourceDetail,
    summary="Get a resource and its mentions",
    tags=["resources"],
)
def get_resource(resource_id: int) -> ResourceDetail:
    """The resource, how its kind was decided, and every mention in every edition."""
    view = catalog().resources.get(resource_id)
    if view is None:
        raise ProblemError(404, f"there is no resource {resource_id}")
    rows = session().execute(
        select(
            Edition.id,
            Edition.title,
            Edition.format,
            Edition.published,
            Section.title,
            Mention.anchor,
            Mention.context,
            Mention.url,
        )
        .join(Edition, Edition.id == Mention.edition_id)
        .outerjoin(Section, Section.id == Mention.section_id)
        .where(Mention.resource_id == resource_id)
        .order_by(Mention.edition_id, Mention.position)
    )
    mentions = [
        MentionDetail(
            edition=EditionSummary(id=id_, title=title, format=format_, published=published),
            section=section,
            anchor=anchor,
            sentence=sentence,
            url=url,
        )
        for id_, title, format_, published, section, anchor, sentence, url in rows
    ]
    return ResourceDetail(
        **ResourceSummary.of(view).model_dump(),
        kind_rule=view.kind_rule,
        kind_confidence=view.kind_confidence,
        mentions=mentions,
    )
