"""Learning resources: filtered, and every place the guides mention one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.catalog import ResourceView
from kb.errors import InputError, NotFoundError
from kb.models import Edition, Mention, Section
from kb.snapshot import Snapshot


def filtered(
    snapshot: Snapshot,
    *,
    topic: str | None,
    kinds: list[str],
    access: list[str],
    after: int = -1,
) -> Iterator[ResourceView]:
    """Resources in id order after `after`, of the topic (by slug), the kinds and the access
    given; an empty list means any."""
    current = snapshot.catalog
    if topic is None:
        ids = current.resources.keys()
    elif topic in current.topics:
        ids = current.resources_by_topic.get(topic, ())
    else:
        message = f"no topic has the slug {topic!r}; /api/v1/topics lists them"
        raise InputError("topic", message, location="query")
    # A generator expression, not a generator function: an unknown topic is refused now, not
    # when the page is read.
    return (
        view
        for view in (current.resources[id_] for id_ in sorted(ids) if id_ > after)
        if (not kinds or view.kind in kinds) and (not access or view.access in access)
    )


@dataclass(frozen=True)
class Mentioned:
    """One mention of a resource: the edition, the heading it is under, its words."""

    edition: int
    edition_title: str | None
    edition_format: str
    published: str | None
    section: str | None
    anchor: str
    sentence: str
    url: str | None


def get(snapshot: Snapshot, resource_id: int) -> ResourceView:
    view = snapshot.catalog.resources.get(resource_id)
    if view is None:
        raise NotFoundError(f"there is no resource {resource_id}")
    return view


def mentions(session: Session, resource_id: int) -> list[Mentioned]:
    """In edition order, then in the order of the edition's text."""
    rows = session.execute(
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
    return [Mentioned(*row) for row in rows]
