"""What the knowledge base says about a resource, decided from every mention of it.

A resource's title, kind, access, URL and topics are recomputed from all its mentions, across all
sources, whenever one of them changes, so the result does not depend on what was imported first.
Each mention says, in its own guide's words, which topics its resource teaches and how surely
(`kb.extraction.relevance`); the resource teaches each topic as surely as its best mention says.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kb.extraction.kinds import Mentioned, classify_access, classify_all
from kb.extraction.relevance import SENTENCE, Relevance
from kb.extraction.titles import Named, best_title
from kb.urls import best_display_url


@dataclass(frozen=True)
class MentionView:
    anchor: str
    context: str
    url: str | None  # None for a mention by name, without a link
    url_case_uncertain: bool
    anchor_inferred: bool
    section_title: str | None
    topics: tuple[Relevance, ...]


@dataclass(frozen=True)
class ResourceFacts:
    url: str
    url_case_uncertain: bool
    title: str
    kind: str
    kind_rule: str
    kind_confidence: float
    access: str
    topics: tuple[Relevance, ...]  # by slug


def describe(url_key: str, mentions: list[MentionView]) -> ResourceFacts:
    return describe_all([(url_key, mentions)])[0]


def describe_all(resources: list[tuple[str, list[MentionView]]]) -> list[ResourceFacts]:
    """`describe` of each (url_key, mentions), their kinds decided in one pass."""
    found = []
    for url_key, mentions in resources:
        linked = [m for m in mentions if m.url] or mentions
        certain = [m.url for m in linked if m.url and not m.url_case_uncertain]
        url = best_display_url(certain or [m.url for m in linked if m.url] or [url_key])
        found.append((url, linked, bool(certain)))
    kinds = iter(
        classify_all(
            [
                Mentioned(m.url or url, m.anchor, m.context, m.section_title)
                for url, linked, _ in found
                for m in linked
            ]
        )
    )
    facts = []
    for (url, linked, certain), (_, mentions) in zip(found, resources, strict=True):
        decisions = [next(kinds) for _ in linked]
        decision = max(decisions, key=lambda d: (d.confidence, d.kind, d.rule))
        accesses = {classify_access(m.url or url, m.anchor, m.context) for m in linked}
        access = "paid" if "paid" in accesses else "free" if "free" in accesses else "unknown"
        named = [Named(m.anchor, m.context, m.anchor_inferred) for m in linked]
        facts.append(
            ResourceFacts(
                url=url,
                url_case_uncertain=not certain,
                title=best_title(named, url),
                kind=decision.kind,
                kind_rule=decision.rule,
                kind_confidence=decision.confidence,
                access=access,
                topics=best_relevance(mentions),
            )
        )
    return facts


def best_relevance(mentions: list[MentionView]) -> tuple[Relevance, ...]:
    """Each topic once, with the best relevance a mention says of it (then the rule's name), by
    slug; but a topic only weak evidence gives (a list it sits in) counts only where most of
    the mentions give it: one edition's list of links is not what the others say."""
    best: dict[str, Relevance] = {}
    said = Counter(slug for m in mentions for slug in {t.slug for t in m.topics})
    for item in (t for m in mentions for t in m.topics):
        known = best.get(item.slug)
        if known is None or (item.relevance, item.rule) > (known.relevance, known.rule):
            best[item.slug] = item
    return tuple(
        best[slug]
        for slug in sorted(best)
        if best[slug].relevance >= SENTENCE or 2 * said[slug] >= len(mentions)
    )
