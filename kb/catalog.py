"""A read-only snapshot of the knowledge base, built once per version and shared by requests.

It holds what paths, search and topic pages need, as plain frozen values and one networkx graph,
so that answering a request touches no database row beyond the version check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb import version as kb_version
from kb.extraction.relevance import Relevance
from kb.models import (
    Edition,
    Example,
    ExampleTopic,
    Mention,
    Prerequisite,
    PrerequisiteEvidence,
    Resource,
    ResourceTopic,
    Section,
    Topic,
    TopicAlias,
)

UNORDERED = 1_000_000  # guide position of a topic no edition's outline places


@dataclass(frozen=True, slots=True)
class TopicView:
    id: int
    slug: str
    name: str
    aliases: tuple[str, ...]
    position: int  # where the guide's outline first reaches it; UNORDERED if nowhere


@dataclass(frozen=True, slots=True)
class Evidence:
    edition: int
    sentence: str


@dataclass(frozen=True, slots=True)
class Relation:
    """`topic` requires `requires`, for `reason`, quoting `evidence`."""

    topic: str
    requires: str
    origin: str  # stated, suggested-order, curated, inferred
    rule: str | None
    reason: str
    confidence: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class ResourceView:
    id: int
    url: str
    title: str
    kind: str
    kind_rule: str
    kind_confidence: float
    access: str
    teaches: tuple[Relevance, ...]  # by slug: each topic, how surely it teaches it, which rule
    editions: int  # how many editions of the guide link or name it: the guide's endorsement
    mentions: int
    published: str | None  # the newest edition that mentions it, for freshness
    position: int  # first place it is mentioned, in guide order

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(taught.slug for taught in self.teaches)

    def relevance(self, slug: str) -> Relevance | None:
        return next((taught for taught in self.teaches if taught.slug == slug), None)


@dataclass(frozen=True, slots=True)
class ExampleView:
    """A sandbox example that practises `topics`, reproducing the guide's `resource` if linked."""

    name: str
    title: str
    resource: int | None
    topics: tuple[str, ...]


@dataclass
class Catalog:
    version: str
    topics: dict[str, TopicView]
    relations: list[Relation]
    resources: dict[int, ResourceView]
    editions: int
    examples: dict[str, ExampleView] = field(default_factory=dict)
    resources_by_topic: dict[str, tuple[int, ...]] = field(init=False)
    examples_by_topic: dict[str, tuple[ExampleView, ...]] = field(init=False)
    required_by: dict[str, tuple[Relation, ...]] = field(init=False)
    requires: dict[str, tuple[Relation, ...]] = field(init=False)
    _names: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_topic: dict[str, list[int]] = defaultdict(list)
        for resource in self.resources.values():
            for slug in resource.topics:
                by_topic[slug].append(resource.id)
        self.resources_by_topic = {slug: tuple(ids) for slug, ids in by_topic.items()}
        examples: dict[str, list[ExampleView]] = defaultdict(list)
        for example in self.examples.values():
            for slug in example.topics:
                examples[slug].append(example)
        self.examples_by_topic = {slug: tuple(found) for slug, found in examples.items()}
        requires, required_by = defaultdict(list), defaultdict(list)
        for relation in self.relations:
            requires[relation.topic].append(relation)
            required_by[relation.requires].append(relation)
        self.requires = {slug: tuple(r) for slug, r in requires.items()}
        self.required_by = {slug: tuple(r) for slug, r in required_by.items()}
        self._names = {}
        for topic in self.topics.values():  # a slug beats a name, which beats an alias
            for text in (*topic.aliases, topic.name, topic.slug):
                self._names[fold(text)] = topic.slug

    def find(self, text: str) -> str | None:
        """The slug of the topic a user means by its slug, name or alias, in any case."""
        return self._names.get(fold(text))

    def ranked_resources(self, slug: str) -> list[ResourceView]:
        """A topic's resources, those the guide endorses most first: mentioned by more editions,
        then more often, then earlier in the guide."""
        views = [self.resources[id_] for id_ in self.resources_by_topic.get(slug, ())]
        return sorted(views, key=lambda r: (-r.editions, -r.mentions, r.position, r.id))

    def graph(self) -> nx.DiGraph:
        """Prerequisite graph: an edge `requires -> topic` carries its Relation."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.topics)
        for relation in self.relations:
            graph.add_edge(relation.requires, relation.topic, relation=relation)
        return graph


def fold(text: str) -> str:
    """How names are compared: any case, any run of spaces."""
    return " ".join(text.split()).casefold()


def load(session: Session) -> Catalog:
    """Read the whole knowledge base into a Catalog, in a handful of set-wise queries."""
    version = kb_version.current(session)
    aliases: dict[int, list[str]] = defaultdict(list)
    for topic_id, alias in session.execute(
        select(TopicAlias.topic_id, TopicAlias.alias).order_by(TopicAlias.alias)
    ):
        aliases[topic_id].append(alias)
    positions = _outline_positions(session)
    slugs: dict[int, str] = {}
    topics: dict[str, TopicView] = {}
    for topic_id, slug, name in session.execute(select(Topic.id, Topic.slug, Topic.name)):
        slugs[topic_id] = slug
        position = positions.get(topic_id, UNORDERED)
        topics[slug] = TopicView(topic_id, slug, name, tuple(aliases[topic_id]), position)
    return Catalog(
        version=version,
        topics=dict(sorted(topics.items())),
        relations=_relations(session, slugs),
        resources=_resources(session, slugs),
        editions=session.scalar(select(func.count(Edition.id))) or 0,
        examples=_examples(session, slugs),
    )


def _examples(session: Session, slugs: dict[int, str]) -> dict[str, ExampleView]:
    topics: dict[str, list[str]] = defaultdict(list)
    for name, topic_id in session.execute(select(ExampleTopic.example, ExampleTopic.topic_id)):
        topics[name].append(slugs[topic_id])
    rows = session.execute(
        select(Example.name, Example.title, Example.resource_id).order_by(Example.name)
    )
    return {
        name: ExampleView(name, title, resource, tuple(sorted(topics[name])))
        for name, title, resource in rows
    }


def _outline_positions(session: Session) -> dict[int, int]:
    """Each topic's earliest place in any edition's outline, as a fraction of that outline, so
    that a topic only a short edition has a section for still falls where that edition put it."""
    sizes = dict(
        session.execute(
            select(Section.edition_id, func.count(Section.id)).group_by(Section.edition_id)
        )
        .tuples()
        .all()
    )
    positions: dict[int, int] = {}
    for edition_id, topic_id, position in session.execute(
        select(Section.edition_id, Section.topic_id, Section.position).where(
            Section.topic_id.is_not(None)
        )
    ):
        place = position * 10_000 // sizes[edition_id]
        positions[topic_id] = min(place, positions.get(topic_id, place))
    return positions


def _relations(session: Session, slugs: dict[int, str]) -> list[Relation]:
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for prerequisite_id, edition_id, sentence in session.execute(
        select(
            PrerequisiteEvidence.prerequisite_id,
            PrerequisiteEvidence.edition_id,
            PrerequisiteEvidence.sentence,
        ).order_by(PrerequisiteEvidence.edition_id, PrerequisiteEvidence.id)
    ):
        evidence[prerequisite_id].append(Evidence(edition_id, sentence))
    rows = session.execute(
        select(
            Prerequisite.id,
            Prerequisite.topic_id,
            Prerequisite.requires_id,
            Prerequisite.origin,
            Prerequisite.rule,
            Prerequisite.reason,
            Prerequisite.confidence,
        )
    )
    relations = [
        Relation(slugs[t], slugs[r], origin, rule, reason, confidence, tuple(evidence[id_]))
        for id_, t, r, origin, rule, reason, confidence in rows
    ]
    return sorted(relations, key=lambda r: (r.topic, r.requires))


def _resources(session: Session, slugs: dict[int, str]) -> dict[int, ResourceView]:
    topics: dict[int, list[Relevance]] = defaultdict(list)
    for resource_id, topic_id, relevance, rule in session.execute(
        select(
            ResourceTopic.resource_id,
            ResourceTopic.topic_id,
            ResourceTopic.relevance,
            ResourceTopic.rule,
        )
    ):
        topics[resource_id].append(Relevance(slugs[topic_id], relevance, rule))
    usage = {
        resource_id: (editions, mentions, published, position)
        for resource_id, editions, mentions, published, position in session.execute(
            select(
                Mention.resource_id,
                func.count(func.distinct(Mention.edition_id)),
                func.count(Mention.id),
                func.max(Edition.published),
                func.min(Mention.position),
            )
            .join(Edition, Edition.id == Mention.edition_id)
            .group_by(Mention.resource_id)
        )
    }
    resources = {}
    for row in session.execute(
        select(
            Resource.id,
            Resource.url,
            Resource.title,
            Resource.kind,
            Resource.kind_rule,
            Resource.kind_confidence,
            Resource.access,
        ).order_by(Resource.id)
    ):
        editions, mentions, published, position = usage.get(row.id, (0, 0, None, UNORDERED))
        resources[row.id] = ResourceView(
            *row,
            tuple(sorted(topics[row.id], key=lambda taught: taught.slug)),
            editions,
            mentions,
            published,
            position,
        )
    return resources
