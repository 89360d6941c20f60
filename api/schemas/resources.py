"""Learning resources, filtered lists of them, and every mention of one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from api.http import NOT_A_CURSOR, Cursor
from api.schemas.common import ResourceRef
from kb.catalog import ResourceView

if TYPE_CHECKING:
    from api.services.resources import Mentioned
from kb.values import Access, Kind


class ResourceSummary(ResourceRef):
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

    @classmethod
    def of(cls, view: ResourceView, mentions: list[Mentioned]) -> ResourceDetail:
        return cls(
            **ResourceSummary.of(view).model_dump(),
            kind_rule=view.kind_rule,
            kind_confidence=view.kind_confidence,
            mentions=[
                MentionDetail(
                    edition=EditionSummary(
                        id=m.edition,
                        title=m.edition_title,
                        format=m.edition_format,
                        published=m.published,
                    ),
                    section=m.section,
                    anchor=m.anchor,
                    sentence=m.sentence,
                    url=m.url,
                )
                for m in mentions
            ],
        )
