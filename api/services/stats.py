"""What the knowledge base holds, counted."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import Edition, Mention, Prerequisite, Resource, Source, Topic


def counts(session: Session) -> list[tuple[str, int]]:
    """(what, how many): sources, editions, topics, prerequisites, resources, mentions, then
    the resources of each kind (indented)."""

    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where))

    kinds = session.execute(
        select(Resource.kind, func.count()).group_by(Resource.kind).order_by(Resource.kind)
    ).tuples()
    return [
        ("sources", count(Source)),
        ("editions", count(Edition)),
        ("topics", count(Topic)),
        ("prerequisites stated", count(Prerequisite, Prerequisite.origin == "stated")),
        ("prerequisites by order", count(Prerequisite, Prerequisite.origin != "stated")),
        ("resources", count(Resource)),
        ("mentions by link", count(Mention, Mention.url.is_not(None))),
        ("mentions by name", count(Mention, Mention.url.is_(None))),
        *((f"  {kind}", n) for kind, n in kinds),
    ]
