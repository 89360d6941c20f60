"""Response parts that several endpoints share, so that a topic, a resource or a quote reads the
same in all."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kb import catalog as kb_catalog
from kb.values import Kind


class TopicRef(BaseModel):
    slug: str
    name: str

    @classmethod
    def of(cls, catalog: kb_catalog.Catalog, slug: str) -> TopicRef:
        return cls(slug=slug, name=catalog.topics[slug].name)


class Evidence(BaseModel):
    """A sentence of the guide, and the edition that says it."""

    edition: int = Field(description="id of the edition that says it")
    sentence: str

    @classmethod
    def quoting(cls, evidence: tuple[kb_catalog.Evidence, ...]) -> list[Evidence]:
        return [cls(edition=e.edition, sentence=e.sentence) for e in evidence]


class ResourceRef(BaseModel):
    id: int
    url: str
    title: str
    kind: Kind
