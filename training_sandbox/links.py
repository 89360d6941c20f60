"""The catalog's examples in the knowledge base: each linked to the guide's resource it reproduces
and to the topics it practises, so that a path step can offer to run it."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.models import Example, Resource, Topic
from kb.urls import url_case_key
from training_sandbox.inside.catalog import EXAMPLES


def link_examples(session: Session) -> dict[str, int | None]:
    """Store every catalog example with its links and drop examples the catalog no longer has;
    the knowledge base's version covers them, and is the caller's to stamp. A resource is
    matched by its URL without case, as a lower-cased dump of the guide writes it. Returns each
    example's resource id (None: no imported guide links what it reproduces)."""
    resources = {
        url_case_key(url): id_ for id_, url in session.execute(select(Resource.id, Resource.url))
    }
    wanted = {slug for example in EXAMPLES.values() for slug in example.topics}
    topics = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(wanted)))}
    linked = {}
    for example in EXAMPLES.values():
        row = session.get(Example, example.name) or Example(name=example.name)
        row.title, row.guide_url = example.title, example.guide_url
        row.resource_id = linked[example.name] = resources.get(url_case_key(example.guide_url))
        row.topics = [topics[slug] for slug in example.topics if slug in topics]
        session.add(row)
    session.execute(delete(Example).where(Example.name.not_in(list(EXAMPLES))))
    session.flush()
    return linked
