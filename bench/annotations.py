"""An expert's annotation of a study guide (tests/data/guides/annotations/), and how an import of
that guide scores against it: what `bench/knowledge.py` prints and the extraction tests assert.

A topic of the annotation is found when a topic of the knowledge base carries one of its names
(name or alias), compared loosely: case, punctuation, hyphens and plural endings aside. An edge
"A requires B" is found when the knowledge base has an edge between a topic found for A and one
found for B; an edge of the knowledge base is right when it is one the annotation states or
implies. A resource is matched by its canonical URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.urls import normalize_url

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "tests" / "data" / "guides" / "annotations"
# Kept aside while the extraction was developed: figures on these are the ones that say how it
# carries to guides it was not tuned on. No test asserts anything of them.
HELD_OUT = (
    "60-days-rl-challenge",
    "generative-ai-genius",
    "ml-for-beginners",
    "ml-foundations",
    "pytorch-deep-learning",
)


def key(name: str) -> str:
    """A name compared loosely: "Long Short-Term Memory networks" ~ "long short term memory
    network"."""
    text = name.lower().replace("&", " and ")
    words = re.findall(r"[a-z0-9+#]+", text)
    return " ".join(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


@dataclass(frozen=True)
class Edge:
    topic: str
    requires: str


@dataclass
class Annotation:
    name: str
    guide: Path
    subject: str
    topics: dict[str, set[str]]  # topic name -> its loose keys (name and aliases)
    main: list[str]
    stated: list[Edge]
    implied: list[Edge]
    negations: list[Edge]
    resources: dict[str, dict]  # canonical URL -> the annotated resource
    held_out: bool

    @classmethod
    def load(cls, path: Path) -> Annotation:
        data = json.loads(path.read_text(encoding="utf-8"))
        topics = {
            t["name"]: {key(t["name"]), *(key(a) for a in t.get("aliases", ()))}
            for t in data["topics"]
        }
        edges = [(Edge(p["topic"], p["requires"]), p["stated"]) for p in data["prerequisites"]]
        resources: dict[str, dict] = {}
        for resource in data["resources"]:
            url = resource["url"]
            if url.startswith(("http://", "https://", "www.")):
                resources.setdefault(normalize_url(url), resource)
        return cls(
            name=path.stem,
            guide=(ROOT / data["guide"]).resolve(),
            subject=data["subject"],
            topics=topics,
            main=[t["name"] for t in data["topics"] if t.get("main")],
            stated=[edge for edge, stated in edges if stated],
            implied=[edge for edge, stated in edges if not stated],
            negations=[Edge(n["topic"], n["requires"]) for n in data.get("negations", ())],
            resources=resources,
            held_out=path.stem in HELD_OUT,
        )


def annotations() -> list[Annotation]:
    return [Annotation.load(path) for path in sorted(ANNOTATIONS.glob("*.json"))]


@dataclass
class Score:
    """How an import compares with an annotation; counts, so that guides add up."""

    main_topics: int = 0
    main_found: int = 0
    stated: int = 0
    stated_found: int = 0
    implied: int = 0
    implied_found: int = 0
    edges: int = 0  # stored by the import
    edges_right: int = 0
    negations_stored: int = 0
    links: int = 0  # annotated learning resources with a web URL
    links_found: int = 0
    kinds_right: int = 0
    other: int = 0
    with_topic: int = 0
    missed_topics: list[str] = field(default_factory=list)
    missed_edges: list[Edge] = field(default_factory=list)
    wrong_edges: list[Edge] = field(default_factory=list)
    wrong_kinds: list[tuple[str, str, str]] = field(default_factory=list)  # url, ours, theirs

    def __add__(self, other: Score) -> Score:
        total = Score()
        for name, value in vars(self).items():
            setattr(total, name, value + getattr(other, name))
        return total

    @property
    def figures(self) -> dict[str, float | None]:
        def share(part: int, whole: int) -> float | None:
            return part / whole if whole else None

        return {
            "topic recall": share(self.main_found, self.main_topics),
            "stated prerequisite recall": share(self.stated_found, self.stated),
            "prerequisite recall": share(
                self.stated_found + self.implied_found, self.stated + self.implied
            ),
            "prerequisite precision": share(self.edges_right, self.edges),
            "negations stored": self.negations_stored,
            "resources found": share(self.links_found, self.links),
            "kind accuracy": share(self.kinds_right, self.links_found),
            "share of other": share(self.other, self.links_found),
            "share with a topic": share(self.with_topic, self.links_found),
        }


def score(annotation: Annotation, exported: dict) -> Score:
    """Compare the export (`kb.export.export`) of a knowledge base holding the guide alone."""
    names = {
        t["slug"]: {key(t["name"]), *(key(a) for a in t["aliases"])} for t in exported["topics"]
    }
    found = {
        topic: {slug for slug, keys in names.items() if keys & wanted}
        for topic, wanted in annotation.topics.items()
    }
    result = Score(main_topics=len(annotation.main))
    for topic in annotation.main:
        if found[topic]:
            result.main_found += 1
        else:
            result.missed_topics.append(topic)
    stored = {(p["topic"], p["requires"]) for p in exported["prerequisites"]}

    def present(edge: Edge) -> bool:
        return any(
            (a, b) in stored
            for a in found.get(edge.topic, ())
            for b in found.get(edge.requires, ())
        )

    for edges, kind in ((annotation.stated, "stated"), (annotation.implied, "implied")):
        hits = [edge for edge in edges if present(edge)]
        setattr(result, kind, len(edges))
        setattr(result, f"{kind}_found", len(hits))
        result.missed_edges += [edge for edge in edges if edge not in hits]
    annotated = _slug_pairs(annotation.stated + annotation.implied, found)
    result.edges = len(stored)
    result.edges_right = len(stored & annotated)
    result.wrong_edges = [Edge(*pair) for pair in sorted(stored - annotated)]
    result.negations_stored = len(stored & _slug_pairs(annotation.negations, found))
    ours = {r["url_key"]: r for r in exported["resources"]}
    for url, theirs in annotation.resources.items():
        if not theirs["learning_resource"]:
            continue
        result.links += 1
        mine = ours.get(url)
        if mine is None:
            continue
        result.links_found += 1
        result.kinds_right += mine["kind"] == theirs["kind"]
        result.other += mine["kind"] == "other"
        result.with_topic += bool(mine["topics"])
        if mine["kind"] != theirs["kind"]:
            result.wrong_kinds.append((url, mine["kind"], theirs["kind"]))
    return result


def _slug_pairs(edges: Iterable[Edge], found: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (a, b)
        for edge in edges
        for a in found.get(edge.topic, ())
        for b in found.get(edge.requires, ())
    }
