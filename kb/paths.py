"""Learning paths: pure functions from the learning graph, the goals and the learner to the steps.

A path is the goals' prerequisite closure minus what the learner knows (and what that implies),
in topological order with the guide's own order, then the name, breaking ties; each step says why
it is there and which resources to use. The same input gives the same output.
"""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from kb import estimates
from kb.catalog import Catalog, Evidence, ResourceView, TopicView
from kb.learning_graph import is_required

RESOURCES_PER_STEP = 3  # one core resource, the rest optional
CLOSURES_KEPT = 1024  # goal sets whose closures a planner remembers
# A resource's relevance to the topic (0.5 to 0.9) outweighs the guide's standing behind it
# and its focus (about 0 to 3.5): what names the topic in its title comes before what is only
# listed under it.
RELEVANCE_WEIGHT = 5.0
# How each rule of `kb.extraction.relevance` says that a resource teaches its topic.
TAUGHT_BECAUSE = {
    "anchor": "its title names it",
    "url": "its address names it",
    "sentence": "the guide recommends it for it",
    "section list": "the guide lists it under it",
}


@dataclass(frozen=True)
class Preferences:
    known: frozenset[str] = frozenset()  # topics the learner knows or has done
    prefer: tuple[str, ...] = ()  # resource kinds, most wanted first
    max_hours: float | None = None
    skip_resources: frozenset[int] = frozenset()  # resources the learner skipped or finished


NO_PREFERENCES = Preferences()


@dataclass(frozen=True)
class Why:
    requires_by: str | None  # the step (or goal) that needs this one; None: a goal itself
    reason: str
    origin: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Choice:
    resource: ResourceView
    reason: str
    hours: float
    optional: bool


@dataclass(frozen=True)
class Step:
    topic: TopicView
    why: tuple[Why, ...]
    resources: tuple[Choice, ...]
    optional: bool  # only the guide's outline order leads here, no stated requirement
    hours: float
    cumulative_hours: float


@dataclass(frozen=True)
class Skipped:
    slug: str
    reason: str


@dataclass(frozen=True)
class Dropped:
    slug: str
    resource_id: int | None  # None: the whole optional step was dropped
    title: str
    hours: float
    replaced_by: int | None = None  # a lighter resource on the same topic took its place


@dataclass(frozen=True)
class Path:
    goals: tuple[str, ...]
    steps: tuple[Step, ...]
    skipped_known: tuple[Skipped, ...]
    dropped: tuple[Dropped, ...] = ()
    max_hours: float | None = None
    total_hours: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_hours", round(sum(s.hours for s in self.steps), 2))

    @property
    def within_budget(self) -> bool | None:
        return None if self.max_hours is None else self.total_hours <= self.max_hours


def implied_known(graph: nx.DiGraph, known: Iterable[str]) -> dict[str, str]:
    """Each topic the learner can be taken to know, with why: knowing a topic implies knowing
    what it requires (by stated requirement, not by mere outline order).

    >>> import networkx as nx
    >>> from kb.catalog import Relation
    >>> def requires(topic, needed, origin="stated"):
    ...     return needed, topic, {"relation": Relation(topic, needed, origin, None, "", 1.0, ())}
    >>> graph = nx.DiGraph([requires("keras", "python"),
    ...                     requires("keras", "numpy", origin="suggested-order")])
    >>> implied_known(graph, ["keras"])
    {'keras': 'known', 'python': 'implied by keras'}
    """
    implied: dict[str, str] = {}
    for slug in sorted(known):
        implied[slug] = "known"
    for slug in sorted(known):
        for ancestor in sorted(ancestors(graph, [slug], required_only=True)):
            implied.setdefault(ancestor, f"implied by {slug}")
    return implied


def ancestors(graph: nx.DiGraph, slugs: Iterable[str], *, required_only: bool = False) -> set[str]:
    """Everything `slugs` require, directly or not; with `required_only`, along requirement edges
    alone. One walk for all of them, over the adjacency itself: a filtered networkx view costs
    a Python call per edge it looks at.

    >>> import networkx as nx
    >>> from kb.catalog import Relation
    >>> def requires(topic, needed, origin="stated"):
    ...     return needed, topic, {"relation": Relation(topic, needed, origin, None, "", 1.0, ())}
    >>> graph = nx.DiGraph([requires("keras", "python"), requires("cifar-10", "keras"),
    ...                     requires("cifar-10", "mnist", origin="suggested-order")])
    >>> sorted(ancestors(graph, ["cifar-10"]))
    ['keras', 'mnist', 'python']
    >>> sorted(ancestors(graph, ["cifar-10"], required_only=True))
    ['keras', 'python']
    """
    pending = [s for s in slugs if s in graph]
    found: set[str] = set()
    while pending:
        for requires, data in graph.pred[pending.pop()].items():
            if requires not in found and (not required_only or is_required(data["relation"])):
                found.add(requires)
                pending.append(requires)
    return found


class Planner:
    """Plans paths over one catalog and its learning graph. A server keeps one per knowledge-base
    version: it ranks every topic's resources by their standing (the guide's endorsement, focus,
    freshness) once, and a learner's preferred kinds only reorder those rankings."""

    def __init__(self, catalog: Catalog, graph: nx.DiGraph) -> None:
        self.catalog, self.graph = catalog, graph
        self.standing = {
            i: _standing(catalog, catalog.resources[i])
            for ids in catalog.resources_by_topic.values()
            for i in ids
        }
        self.ranked = {
            slug: tuple(
                sorted(
                    (catalog.resources[i] for i in ids),
                    key=lambda r, slug=slug: (-self._score(r, slug, NO_PREFERENCES), r.id),
                )
            )
            for slug, ids in catalog.resources_by_topic.items()
        }
        # What the goals require, and what they require by stated requirement alone: the same
        # for every learner who asks for those goals.
        self._closures = functools.lru_cache(maxsize=CLOSURES_KEPT)(self._closures_of)

    def plan(self, goals: Iterable[str], prefs: Preferences) -> Path:
        """The path to `goals` (topic slugs of the catalog) for a learner with `prefs`."""
        goals = tuple(dict.fromkeys(goals))
        closure, needed = self._closures(goals)
        implied = implied_known(self.graph, prefs.known)
        skipped = tuple(Skipped(s, implied[s]) for s in sorted(closure & implied.keys()))
        todo = closure - implied.keys()
        # Optional: no chain of stated (or inherited) requirements links the step to a goal.
        optional = todo - needed
        steps = [
            self._step(todo, slug, goals, prefs, slug in optional)
            for slug in _in_order(self.catalog, self.graph, todo)
        ]
        steps, dropped = self._fit(steps, prefs)
        return Path(goals, _accumulate(steps), skipped, dropped, prefs.max_hours)

    def _closures_of(self, goals: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        closure = set(goals) | ancestors(self.graph, goals)
        needed = set(goals) | ancestors(self.graph, goals, required_only=True)
        return frozenset(closure), frozenset(needed)

    def _score(self, resource: ResourceView, slug: str, prefs: Preferences) -> float:
        """How well the resource serves this topic for this learner: how surely it teaches the
        topic first, then the guide's standing behind it, then the learner's liking."""
        taught = resource.relevance(slug)
        relevance = taught.relevance if taught is not None else 0.0
        # About this topic alone, or one of several it teaches as surely.
        focus = 1 / max(sum(t.relevance >= relevance for t in resource.teaches), 1)
        liked = 1.0 if resource.kind in prefs.prefer else 0.0
        return RELEVANCE_WEIGHT * relevance + focus + self.standing[resource.id] + liked

    def _step(self, todo, slug, goals, prefs, optional) -> Step:
        why = [Why(None, "your goal", "goal")] if slug in goals else []
        needed_by = self.graph.succ[slug]
        for successor in sorted(s for s in needed_by if s in todo):
            relation = needed_by[successor]["relation"]
            why.append(Why(successor, relation.reason, relation.origin, relation.evidence))
        choices = self._choose_resources(slug, prefs)
        hours = sum(c.hours for c in choices) if choices else estimates.TOPIC_WITHOUT_RESOURCES
        return Step(self.catalog.topics[slug], tuple(why), choices, optional, round(hours, 2), 0.0)

    def _choose_resources(self, slug: str, prefs: Preferences) -> tuple[Choice, ...]:
        # Preferring a kind adds the same to each resource of it, so the best of all are among
        # the best of the preferred kinds and the best of the others, each in standing order.
        preferred: list[ResourceView] = []
        others: list[ResourceView] = []
        for resource in self.ranked.get(slug, ()):
            if resource.id in prefs.skip_resources:
                continue
            group = preferred if resource.kind in prefs.prefer else others
            if len(group) < RESOURCES_PER_STEP:
                group.append(resource)
            if len(others) == RESOURCES_PER_STEP and (
                len(preferred) == RESOURCES_PER_STEP or not prefs.prefer
            ):
                break
        best = sorted(preferred + others, key=lambda r: (-self._score(r, slug, prefs), r.id))
        return tuple(
            Choice(
                r, _reason(self.catalog, r, slug, prefs), estimates.resource_hours(r.kind), n > 0
            )
            for n, r in enumerate(best[:RESOURCES_PER_STEP])
        )

    def _fit(self, steps: list[Step], prefs: Preferences):
        """Honour max_hours by dropping optional material first (optional resources, then
        optional steps, latest first), then trading heavy core resources for the lightest of
        their topic; a required step always stays, and everything dropped is said."""
        if prefs.max_hours is None:
            return steps, ()
        budget, dropped = prefs.max_hours, []
        extras = sorted(
            ((c.hours, i, c) for i, s in enumerate(steps) for c in s.resources if c.optional),
            key=lambda e: (-e[0], -e[1], e[2].resource.id),
        )
        for hours, index, choice in extras:
            if _hours(steps) <= budget:
                break
            step = steps[index]
            steps[index] = _with_resources(
                step, tuple(c for c in step.resources if c is not choice)
            )
            dropped.append(
                Dropped(step.topic.slug, choice.resource.id, choice.resource.title, hours)
            )
        for index in reversed(range(len(steps))):
            step = steps[index]
            if _hours(steps) <= budget:
                break
            if step.optional:
                dropped.append(Dropped(step.topic.slug, None, step.topic.name, step.hours))
                steps[index] = _with_resources(step, (), hours=0.0)
        steps = [s for s in steps if not (s.optional and s.hours == 0.0)]
        by_weight = sorted(range(len(steps)), key=lambda i: (-steps[i].hours, i))
        for index in by_weight:
            if _hours(steps) <= budget:
                break
            step = steps[index]
            lighter = self._lightest(step.topic.slug, prefs)
            core = step.resources[0] if step.resources else None
            if core and lighter and lighter.hours < core.hours:
                steps[index] = _with_resources(step, (lighter,))
                res = core.resource
                dropped.append(
                    Dropped(step.topic.slug, res.id, res.title, core.hours, lighter.resource.id)
                )
        return steps, tuple(dropped)

    def _lightest(self, slug: str, prefs: Preferences) -> Choice | None:
        candidates = [r for r in self.ranked.get(slug, ()) if r.id not in prefs.skip_resources]
        if not candidates:
            return None
        resource = min(
            candidates,
            key=lambda r: (estimates.resource_hours(r.kind), -self._score(r, slug, prefs), r.id),
        )
        reason = (
            _reason(self.catalog, resource, slug, prefs) + "; the lightest, to fit your time budget"
        )
        return Choice(resource, reason, estimates.resource_hours(resource.kind), False)


def plan(catalog: Catalog, graph: nx.DiGraph, goals: Iterable[str], prefs: Preferences) -> Path:
    """The path to `goals` for a learner with `prefs`; for many paths, keep a `Planner`."""
    return Planner(catalog, graph).plan(goals, prefs)


def next_topics(
    catalog: Catalog, graph: nx.DiGraph, goals: Iterable[str], known: Iterable[str]
) -> list[TopicView]:
    """Topics not yet known whose prerequisites are all known or done, those on the way to the
    goals first (in path order), then the rest in the guide's order."""
    implied = implied_known(graph, known)
    ready = [
        slug
        for slug in graph
        if slug not in implied and all(p in implied for p in graph.predecessors(slug))
    ]
    toward = on_the_way(graph, goals)

    def rank(slug: str):
        return (slug not in toward, _guide_order(catalog, slug))

    return [catalog.topics[slug] for slug in sorted(ready, key=rank)]


def on_the_way(graph: nx.DiGraph, goals: Iterable[str]) -> set[str]:
    """The goals and everything they require."""
    goals = [g for g in goals if g in graph]
    return set(goals) | ancestors(graph, goals)


def _guide_order(catalog: Catalog, slug: str) -> tuple[int, str, str]:
    topic = catalog.topics[slug]
    return (topic.position, topic.name.lower(), slug)


def _in_order(catalog: Catalog, graph: nx.DiGraph, todo: set[str]) -> list[str]:
    """`todo` in topological order, the guide's order breaking ties: Kahn's algorithm with a
    heap, as networkx's lexicographical sort, but walking only the edges inside `todo`."""
    waiting = {slug: sum(p in todo for p in graph.pred[slug]) for slug in todo}
    ready = [(_guide_order(catalog, slug), slug) for slug, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, slug = heapq.heappop(ready)
        order.append(slug)
        for successor in graph.succ[slug]:
            if successor in waiting:
                waiting[successor] -= 1
                if waiting[successor] == 0:
                    heapq.heappush(ready, (_guide_order(catalog, successor), successor))
    return order


def _standing(catalog: Catalog, resource: ResourceView) -> float:
    """How much the guide stands behind a resource for its topics, whatever the learner likes."""
    endorsement = resource.editions / max(catalog.editions, 1) + 0.1 * math.log1p(resource.mentions)
    return 2 * endorsement + 0.2 * _freshness(resource)


def _freshness(resource: ResourceView) -> float:
    """0..1 by the year of the newest dated edition that mentions it (2010 or before: 0)."""
    published = resource.published or ""
    year = int(published[:4]) if published[:4].isdigit() else 2010
    return min(max((year - 2010) / 20, 0.0), 1.0)


def _reason(catalog: Catalog, resource: ResourceView, slug: str, prefs: Preferences) -> str:
    taught = resource.relevance(slug)
    because = TAUGHT_BECAUSE.get(taught.rule) if taught is not None else None
    parts = [f"teaches {catalog.topics[slug].name}" + (f" ({because})" if because else "")]
    if resource.editions:
        parts.append(f"linked in {resource.editions} of {catalog.editions} editions of the guide")
    if resource.kind in prefs.prefer:
        parts.append(f"a {resource.kind}, a kind you prefer")
    return "; ".join(parts)


def _hours(steps: list[Step]) -> float:
    return sum(s.hours for s in steps)


def _with_resources(step: Step, resources: tuple[Choice, ...], hours: float | None = None) -> Step:
    if hours is None:
        hours = sum(c.hours for c in resources) if resources else estimates.TOPIC_WITHOUT_RESOURCES
    return Step(step.topic, step.why, resources, step.optional, round(hours, 2), 0.0)


def _accumulate(steps: list[Step]) -> tuple[Step, ...]:
    total, done = 0.0, []
    for step in steps:
        total += step.hours
        done.append(
            Step(step.topic, step.why, step.resources, step.optional, step.hours, round(total, 2))
        )
    return tuple(done)
