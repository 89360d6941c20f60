"""The graph paths are planned on: the stored prerequisites plus what entry points inherit.

A guide states requirements of its subject as a whole ("to start deep learning, all you need is
programming, mathematics and a few machine-learning concepts") and, separately, where to start
it ("I suggest starting with Keras"). A learner heading for Keras must meet the requirements of
what Keras is the entry to, so each entry point inherits them, quoting the same sentences. An
inherited edge that would close a cycle is left out (the stored relations win), and so is one
that other edges already imply.
"""

from __future__ import annotations

import networkx as nx

from kb.catalog import Catalog, Relation

ENTRY_RULES = frozenset({"start-with"})  # "start with X": X is where its topic begins
REQUIRED_ORIGINS = frozenset({"stated", "curated", "inherited"})  # not mere outline order


def is_required(relation: Relation) -> bool:
    return relation.origin in REQUIRED_ORIGINS


def build(catalog: Catalog) -> nx.DiGraph:
    """Edges run `requires -> topic` and carry their Relation as `relation`."""
    graph = catalog.graph()
    for relation in _inherited(catalog):
        topic, requires = relation.topic, relation.requires
        if graph.has_edge(requires, topic) or nx.has_path(graph, topic, requires):
            continue
        graph.add_edge(requires, topic, relation=relation)
    _drop_implied(graph)
    return graph


def _drop_implied(graph: nx.DiGraph) -> None:
    """An inherited edge that a chain of requirements already implies would only repeat, in every
    step's `why`, what the chain says; the order it imposes stays."""
    inherited = [
        (u, v, data)
        for u, v, data in graph.edges(data=True)
        if data["relation"].origin == "inherited"
    ]
    required = required_edges(graph)
    for requires, topic, data in sorted(inherited, key=lambda e: (e[0], e[1])):
        graph.remove_edge(requires, topic)
        if not nx.has_path(required, requires, topic):
            graph.add_edge(requires, topic, **data)


def required_edges(graph: nx.DiGraph) -> nx.DiGraph:
    """A live view of the edges that are requirements, not mere outline order."""
    return nx.subgraph_view(graph, filter_edge=lambda u, v: is_required(graph[u][v]["relation"]))


def _inherited(catalog: Catalog) -> list[Relation]:
    """Requirements passed from each topic to its entry points, and on to theirs."""
    requirements = {
        slug: [r for r in relations if r.origin == "stated" and r.rule not in ENTRY_RULES]
        for slug, relations in catalog.requires.items()
    }
    entries = {
        slug: [r for r in relations if r.rule in ENTRY_RULES]
        for slug, relations in catalog.requires.items()
    }
    found: dict[tuple[str, str], Relation] = {}
    pending = sorted(entries)
    while pending:  # an entry point passes what it inherited to its own entry points
        topic = pending.pop()
        for entry in entries.get(topic, ()):
            for requirement in requirements.get(topic, ()):
                key = (entry.requires, requirement.requires)
                if requirement.requires == entry.requires or key in found:
                    continue
                found[key] = _inherit(catalog, entry, requirement)
                requirements.setdefault(entry.requires, []).append(found[key])
                pending.append(entry.requires)
    return sorted(found.values(), key=lambda r: (-r.confidence, r.topic, r.requires))


def _inherit(catalog: Catalog, entry: Relation, requirement: Relation) -> Relation:
    names = {slug: catalog.topics[slug].name for slug in (entry.topic, entry.requires)}
    reason = (
        f"{requirement.reason}; the guide starts {names[entry.topic]} with {names[entry.requires]}"
    )
    return Relation(
        topic=entry.requires,
        requires=requirement.requires,
        origin="inherited",
        rule=requirement.rule,
        reason=reason,
        confidence=min(entry.confidence, requirement.confidence),
        evidence=requirement.evidence,
    )
