"""What the knowledge base says about a resource, decided from every mention of it.

A resource's title, kind, access, URL and topics are recomputed from all its mentions, across all
sources, whenever one of them changes, so the result does not depend on what was imported first.
Each mention says, in its own guide's words, which topics its resource teaches and how surely
(`kb.extraction.relevance`); the resource teaches each topic as surely as its best mention says.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.extraction.kinds import classify, classify_access
from kb.extraction.relevance import Relevance
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
    linked = [m for m in mentions if m.url] or mentions
    certain = [m.url for m in linked if m.url and not m.url_case_uncertain]
    url = best_display_url(certain or [m.url for m in linked if m.url] or [url_key])
    title = best_title([Named(m.anchor, m.context, m.anchor_inferred) for m in linked], url)
    decisions = [classify(m.url or url, m.anchor, m.context, m.section_title) for m in linked]
    decision = max(decisions, key=lambda d: (d.confidence, d.kind, d.rule))
    accesses = {classify_access(m.url or url, m.anchor, m.context) for m in linked}
    access = "paid" if "paid" in accesses else "free" if "free" in accesses else "unknown"
    return ResourceFacts(
        url=url,
        url_case_uncertain=not certain,
        title=title,
        kind=decision.kind,
        kind_rule=decision.rule,
        kind_confidence=decision.confidence,
        access=access,
        topics=best_relevance(t for m in mentions for t in m.topics),
    )


def best_relevance(found) -> tuple[Relevance, ...]:
    """Each topic once, with the best relevance said of it (then the rule's name), by slug."""
    best: dict[str, Relevance] = {}
    for item in found:
        known = best.get(item.slug)
        if known is None or (item.relevance, item.rule) > (known.relevance, known.rule):
            best[item.slug] = item
    return tuple(best[slug] for slug in sorted(best))
