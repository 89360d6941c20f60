"""What the knowledge base says about a resource, decided from every mention of it.

A resource's title, kind, access, URL and topics are recomputed from all its mentions, across all
sources, whenever one of them changes, so the result does not depend on what was imported first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from kb.extraction.vocabulary import Vocabulary
from kb.kinds import classify, classify_access
from kb.urls import best_display_url

# Link texts that say where, not what: never a title; the URL's own words are better.
_MEANINGLESS = re.compile(
    r"^(?:here|this|link|pdf|pdf here|source|code|this one|click here|more|see|read more|\W*)$",
    re.I,
)
# Link texts that lean on their sentence ("its videos", "and for videos!"): a title only when
# no mention has a better one.
_WEAK = re.compile(r"^(?:its|their|his|her|my|our|and|or|also|e\.g\.|for|with|by)\b", re.I)


@dataclass(frozen=True)
class MentionView:
    anchor: str
    context: str
    url: str | None  # None for a mention by name, without a link
    url_case_uncertain: bool
    anchor_inferred: bool
    section_title: str | None
    section_topics: tuple[str, ...]


@dataclass(frozen=True)
class ResourceFacts:
    url: str
    url_case_uncertain: bool
    title: str
    kind: str
    kind_rule: str
    kind_confidence: float
    access: str
    topics: tuple[str, ...]


def describe(url_key: str, mentions: list[MentionView], vocabulary: Vocabulary) -> ResourceFacts:
    linked = [m for m in mentions if m.url] or mentions
    certain = [m.url for m in linked if m.url and not m.url_case_uncertain]
    url = best_display_url(certain or [m.url for m in linked if m.url] or [url_key])
    title = best_title(linked, url)
    decisions = [classify(m.url or url, m.anchor, m.context, m.section_title) for m in linked]
    decision = max(decisions, key=lambda d: (d.confidence, d.kind, d.rule))
    accesses = {classify_access(m.url or url, m.anchor, m.context) for m in linked}
    access = "paid" if "paid" in accesses else "free" if "free" in accesses else "unknown"
    named = vocabulary.slugs_in(" ; ".join([title] + [m.anchor for m in linked]))
    topics = named or [t for m in linked for t in m.section_topics]
    return ResourceFacts(
        url=url,
        url_case_uncertain=not certain,
        title=title,
        kind=decision.kind,
        kind_rule=decision.rule,
        kind_confidence=decision.confidence,
        access=access,
        topics=tuple(sorted(set(topics))),
    )


def best_title(mentions: list[MentionView], url: str) -> str:
    """The anchor the author wrote most often: self-standing anchors first, then exact before
    inferred ones, then the most frequent, then the longest; the URL's words when none says what."""
    counts = Counter(m.anchor for m in mentions if m.anchor and not _MEANINGLESS.match(m.anchor))
    if not counts:
        return _title_from_url(url)
    # An anchor some edition wrote exactly is exact, whichever mention is looked at first.
    exact = {m.anchor for m in mentions if not m.anchor_inferred}
    inferred = {a: a not in exact for a in counts}
    ranked = sorted(
        counts, key=lambda a: (bool(_WEAK.match(a)), inferred[a], -counts[a], -len(a), a)
    )
    best = ranked[0]
    return best if not best.startswith(("http://", "https://")) else _title_from_url(best)


def _title_from_url(url: str) -> str:
    parts = urlsplit(url)
    words = [w for w in unquote(parts.path).split("/") if w]
    tail = re.sub(r"\.\w{1,5}$", "", words[-1]) if words else ""
    tail = re.sub(r"[-_]+", " ", tail).strip()
    host = parts.hostname or url
    return f"{tail} ({host})" if tail else host
