"""A synthetic knowledge base at scale, for benchmarks of paths, topic pages and search.

    .venv/bin/python bench/synthetic.py --database-url URL \
        [--topics 10000 --edges 50000 --resources 100000 --seed 1]

The database is migrated first and must hold no topics yet. The same arguments give the same
rows. Its shape follows what paths are computed over, prerequisite closures: topics come in
domains of about sqrt(topics) topics (100 of 100 by default); each topic requires a few topics
from the previous half-domain of its own domain and now and then one from the first few
(foundational) domains, always of a lower number, so the graph is acyclic and a topic's
closure holds most of its domain before it plus a share of the foundations. Each resource
teaches one or two topics of one domain, round-robin first so that every topic has some when
there are at least as many resources as topics, and is mentioned once or twice in the editions.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb import db, version  # noqa: E402
from kb.extraction.kinds import KINDS  # noqa: E402
from kb.models import (  # noqa: E402
    Edition,
    Mention,
    Prerequisite,
    PrerequisiteEvidence,
    Resource,
    ResourceTopic,
    Section,
    Source,
    Topic,
    TopicAlias,
)

WORDS = (
    "neural network convolutional recurrent keras tensorflow pytorch gradient descent "
    "backpropagation activation softmax regression classification image text sequence "
    "attention embedding vector matrix tensor probability statistics optimization loss "
    "dropout batch normalization layer dense pooling kernel filter feature learning deep "
    "training validation overfitting regularization dataset mnist cifar python numpy "
    "pandas notebook calculus algebra linear logistic bayesian generative adversarial "
    "autoencoder transformer language vision reinforcement policy reward agent transfer "
    "fine tuning inference deployment gpu memory speed introduction practical guide"
).split()
RULES = (("stated", "all-you-need", 0.95), ("stated", "crucial-for", 0.95))
# "Start X with Y": Y is X's entry point and inherits X's requirements, so it is rare, as in
# the real guide, where a handful of topics name where to start them.
ENTRY_RULE = ("stated", "start-with", 0.85)
ORDER_RULE = ("suggested-order", "section-order", 0.3)
KIND_RULES = (("url:synthetic pattern", 0.9), ("anchor:synthetic word", 0.8), ("default", 0.1))
ACCESS_WEIGHTS = {"free": 7, "paid": 1, "unknown": 2}

FOUNDATIONAL_DOMAINS = 3
FOUNDATIONAL_SHARE = 0.1  # of prerequisites drawn from the foundations rather than the domain
STATED_SHARE = 0.7  # the rest are suggested by the order of sections, as in the real guide
ENTRY_SHARE = 0.02  # of topics whose nearest prerequisite is where to start them
EDITIONS = 3
CLOSURE_SAMPLE = 200
CHUNK = 10_000


def slug(number: int) -> str:
    return f"topic-{number:05d}"


@dataclass(frozen=True)
class Layout:
    """Topic `i` (0-based, id i + 1) lies in domain i // size."""

    topics: int
    size: int

    @classmethod
    def of(cls, topics: int) -> Layout:
        return cls(topics, max(10, round(math.sqrt(topics))))

    @property
    def domains(self) -> int:
        return -(-self.topics // self.size)

    @property
    def window(self) -> int:
        return max(5, self.size // 2)

    @property
    def foundations(self) -> int:
        """Topics below this index are foundational."""
        return min(self.topics, FOUNDATIONAL_DOMAINS * self.size)

    def domain(self, i: int) -> range:
        start = i // self.size * self.size
        return range(start, min(start + self.size, self.topics))

    def own(self, i: int) -> range:
        return range(max(self.domain(i).start, i - self.window), i)

    def capacity(self, i: int) -> int:
        """How many distinct prerequisites topic `i` can draw."""
        if i < self.foundations:
            return i  # its own window lies within the foundations, which are all lower
        return len(self.own(i)) + self.foundations


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    closures: dict[str, float]  # min, median, p90, max ancestors over a sample of topics
    seconds: float

    def __str__(self) -> str:
        lines = [f"{table:<22}{count:>9}" for table, count in self.counts.items()]
        c = self.closures
        lines.append(
            f"prerequisite closure over {CLOSURE_SAMPLE} topics: min {c['min']:.0f}, "
            f"median {c['median']:.0f}, p90 {c['p90']:.0f}, max {c['max']:.0f} ancestors"
        )
        lines.append(f"generated in {self.seconds:.1f} s")
        return "\n".join(lines)


def prerequisite_pairs(rng: random.Random, layout: Layout, edges: int) -> list[tuple[int, int]]:
    """Exactly `edges` distinct (topic, requires) index pairs, requires < topic."""
    caps = [layout.capacity(i) for i in range(layout.topics)]
    if edges > sum(caps):
        raise ValueError(f"{layout.topics} topics can hold at most {sum(caps)} prerequisites")
    average = edges / layout.topics
    quotas = [min(cap, max(0, round(average + rng.uniform(-2, 2)))) for cap in caps]
    order = list(range(layout.topics))
    rng.shuffle(order)
    step = 1 if sum(quotas) < edges else -1
    gap = edges - sum(quotas)
    while gap:
        for i in order:
            if gap and 0 <= quotas[i] + step <= caps[i]:
                quotas[i] += step
                gap -= step
    pairs = []
    for i, quota in enumerate(quotas):
        own, foundations = layout.own(i), range(min(i, layout.foundations))
        chosen: set[int] = set()
        while len(chosen) < quota:
            own_free = len(own) > sum(c in own for c in chosen)
            foundations_free = len(foundations) > sum(c in foundations for c in chosen)
            use_own = own_free and (not foundations_free or rng.random() >= FOUNDATIONAL_SHARE)
            chosen.add(rng.choice(own if use_own else foundations))
        pairs += [(i, r) for r in sorted(chosen)]
    return pairs


def closure_sizes(pairs: list[tuple[int, int]], topics: list[int]) -> list[int]:
    """How many topics each of `topics` requires, directly or not."""
    graph = nx.DiGraph((requires, topic) for topic, requires in pairs)
    return [len(nx.ancestors(graph, t)) if t in graph else 0 for t in topics]


def build(topics: int, edges: int, resources: int, seed: int):
    """The rows of every table, in insertion order, and the prerequisite pairs."""
    rng = random.Random(seed)
    layout = Layout.of(topics)
    names = [f"Topic {i + 1} {rng.choice(WORDS)}" for i in range(topics)]
    rows: dict[type, list[dict]] = {Source: [{"id": 1, "title": "Synthetic guide"}]}
    rows[Edition] = [
        {
            "id": k + 1,
            "source_id": 1,
            "format": "markdown",
            "origin": f"synthetic://edition-{k + 1}",
            "sha256": hashlib.sha256(
                f"{topics} {edges} {resources} {seed} {k}".encode()
            ).hexdigest(),
            "title": f"Synthetic guide, edition {k + 1}",
            "published": f"2017-0{k + 1}-01",
            "content": f"A synthetic guide of {topics} topics in {layout.domains} domains.",
        }
        for k in range(EDITIONS)
    ]
    rows[Topic] = [{"id": i + 1, "slug": slug(i + 1), "name": n} for i, n in enumerate(names)]
    rows[TopicAlias] = []
    for i, name in enumerate(names):
        word = name.rsplit(" ", 1)[1]
        aliases = [f"t{i + 1}", name.lower(), f"{word} {rng.choice(WORDS)} {i + 1}"]
        rows[TopicAlias] += [{"topic_id": i + 1, "alias": a} for a in aliases[: rng.randint(2, 3)]]
    # One section per domain and edition, each edition heading a different topic of the domain.
    rows[Section] = []
    for k in range(EDITIONS):
        for d in range(layout.domains):
            domain = layout.domain(d * layout.size)
            rows[Section].append(
                {
                    "id": k * layout.domains + d + 1,
                    "edition_id": k + 1,
                    "position": d,
                    "level": 1,
                    "title": f"Domain {d + 1}",
                    "topic_id": domain[k % len(domain)] + 1,
                }
            )
    pairs = prerequisite_pairs(rng, layout, edges)
    rows[Prerequisite], rows[PrerequisiteEvidence] = [], []
    nearest = dict(pairs)  # pairs come by topic, requirements ascending: the last one is kept
    entries = {(t, r) for t, r in sorted(nearest.items()) if rng.random() < ENTRY_SHARE}
    for number, (topic, requires) in enumerate(pairs, 1):
        if (topic, requires) in entries:
            origin, rule, confidence = ENTRY_RULE
        elif rng.random() < STATED_SHARE:
            origin, rule, confidence = rng.choice(RULES)
        else:
            origin, rule, confidence = ORDER_RULE
        sentence = f"Learn {names[requires]} before {names[topic]}."
        rows[Prerequisite].append(
            {
                "id": number,
                "topic_id": topic + 1,
                "requires_id": requires + 1,
                "origin": origin,
                "rule": rule,
                "reason": f"{names[requires]} comes before {names[topic]}",
                "confidence": confidence,
            }
        )
        rows[PrerequisiteEvidence].append(
            {
                "prerequisite_id": number,
                "edition_id": rng.randint(1, EDITIONS),
                "sentence": sentence,
            }
        )
    rows.update(_resources(rng, layout, names, resources))
    return rows, pairs


def _resources(rng: random.Random, layout: Layout, names: list[str], count: int):
    resources, links, mentions = [], [], []
    positions = [0] * EDITIONS
    access, weights = list(ACCESS_WEIGHTS), list(ACCESS_WEIGHTS.values())
    for r in range(1, count + 1):
        topic = (r - 1) % layout.topics
        domain = layout.domain(topic)
        words = [names[topic].rsplit(" ", 1)[1], *rng.sample(WORDS, rng.randint(2, 5))]
        rng.shuffle(words)
        title = " ".join(words).capitalize()
        url = f"https://example.org/r/{r}"
        kind_rule, kind_confidence = rng.choice(KIND_RULES)
        resources.append(
            {
                "id": r,
                "url_key": url,
                "url": url,
                "title": title,
                "kind": rng.choice(KINDS),
                "kind_rule": kind_rule,
                "kind_confidence": kind_confidence,
                "access": rng.choices(access, weights)[0],
            }
        )
        taught = {topic}
        if rng.random() < 0.5:
            taught.add(rng.choice(domain))  # now and then the same topic: one link, not two
        links += [{"resource_id": r, "topic_id": t + 1} for t in sorted(taught)]
        first = rng.randrange(EDITIONS)
        editions = [first, (first + rng.randint(1, EDITIONS - 1)) % EDITIONS][: rng.randint(1, 2)]
        for k in editions:
            mentions.append(
                {
                    "resource_id": r,
                    "edition_id": k + 1,
                    "section_id": k * layout.domains + topic // layout.size + 1,
                    "position": positions[k],
                    "anchor": title,
                    "context": f"See {title} to learn {names[topic]}.",
                    "url": url,
                }
            )
            positions[k] += 1
    return {Resource: resources, ResourceTopic: links, Mention: mentions}


def generate(
    url: str, topics: int = 10_000, edges: int = 50_000, resources: int = 100_000, seed: int = 1
) -> Summary:
    """Migrate the database at `url` and fill it with a synthetic knowledge base."""
    start = time.perf_counter()
    db.upgrade(url)
    rows, pairs = build(topics, edges, resources, seed)
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            if session.scalar(select(func.count(Topic.id))):
                raise ValueError(f"{url} already holds topics")
            for model, table_rows in rows.items():
                for offset in range(0, len(table_rows), CHUNK):
                    session.execute(insert(model), table_rows[offset : offset + CHUNK])
            if engine.dialect.name == "postgresql":
                _advance_sequences(session, rows)
            version.stamp(session)
    finally:
        engine.dispose()
    sample = random.Random(seed).sample(range(topics), min(CLOSURE_SAMPLE, topics))
    sizes = closure_sizes(pairs, sample)
    closures = {
        "min": min(sizes),
        "median": statistics.median(sizes),
        "p90": statistics.quantiles(sizes, n=10, method="inclusive")[-1],
        "max": max(sizes),
    }
    counts = {model.__tablename__: len(table_rows) for model, table_rows in rows.items()}
    return Summary(counts, closures, time.perf_counter() - start)


def _advance_sequences(session, rows) -> None:
    """Rows were given their ids, so PostgreSQL's sequences must be moved past them."""
    for model in rows:
        if rows[model] and "id" in rows[model][0]:
            table = model.__tablename__
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--topics", type=int, default=10_000)
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.database_url, args.topics, args.edges, args.resources, args.seed))


if __name__ == "__main__":
    main()
