"""Learning paths on the imported guide, and their invariants on random graphs."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb import catalog as kb_catalog
from kb import db, learning_graph, paths
from kb.catalog import Catalog, Evidence, Relation, ResourceView, TopicView
from kb.extraction.relevance import Relevance


@pytest.fixture(scope="module")
def guide(make_guide_database):
    engine = db.make_engine(make_guide_database())
    with db.session_factory(engine)() as session:
        catalog = kb_catalog.load(session)
    engine.dispose()
    return catalog, learning_graph.build(catalog)


def plan(guide, goals=("cifar-10",), **prefs) -> paths.Path:
    catalog, graph = guide
    prefs["known"] = frozenset(prefs.get("known", ()))
    return paths.plan(catalog, graph, goals, paths.Preferences(**prefs))


def slugs(path: paths.Path) -> list[str]:
    return [step.topic.slug for step in path.steps]


def test_cifar10_path_for_a_beginner_has_the_basics_in_order(guide):
    order = slugs(plan(guide))
    for basic in ("python", "programming", "mathematics", "machine-learning", "mnist"):
        assert order.index(basic) < order.index("cifar-10"), basic
    assert order[-1] == "cifar-10"
    keras = slugs(plan(guide, goals=("keras",)))
    assert keras.index("python") < keras.index("keras") and keras[-1] == "keras"


def test_every_step_comes_after_what_it_requires(guide):
    _, graph = guide
    path = plan(guide, goals=("cifar-10", "tensorflow"))
    order = {slug: index for index, slug in enumerate(slugs(path))}
    for requires, topic in graph.edges:
        if requires in order and topic in order:
            assert order[requires] < order[topic], (requires, topic)


def test_why_quotes_the_guide_for_every_stated_relation(guide):
    catalog, _ = guide
    path = plan(guide)
    on_path = set(slugs(path))
    whys = {(step.topic.slug, why.requires_by): why for step in path.steps for why in step.why}
    stated = [
        r for r in catalog.relations if r.origin == "stated" and {r.topic, r.requires} <= on_path
    ]
    assert stated, "the guide states relations among the CIFAR-10 path's topics"
    for relation in stated:
        why = whys[(relation.requires, relation.topic)]
        assert why.evidence == relation.evidence and why.evidence, relation
    for step in path.steps:
        for why in step.why:
            if why.origin in ("stated", "inherited"):
                assert all(e.sentence.strip() for e in why.evidence) and why.evidence


def test_known_topics_and_what_they_imply_are_skipped(guide):
    path = plan(guide, known={"python"})
    assert "python" not in slugs(path)
    assert paths.Skipped("python", "known") in path.skipped_known
    keras = plan(guide, known={"keras"})
    assert {"keras", "python"}.isdisjoint(slugs(keras))
    assert paths.Skipped("python", "implied by keras") in keras.skipped_known


def test_same_input_same_output(guide, guide_session):
    reloaded = kb_catalog.load(guide_session)
    again = (reloaded, learning_graph.build(reloaded))
    assert plan(guide, prefer=("video",)) == plan(again, prefer=("video",))


def test_preferred_kinds_come_first(guide):
    catalog, _ = guide
    path = plan(guide, prefer=("video",))
    for step in path.steps:
        kinds = {
            catalog.resources[i].kind for i in catalog.resources_by_topic.get(step.topic.slug, ())
        }
        if "video" in kinds:
            assert step.resources[0].resource.kind == "video", step.topic.slug
            assert "a kind you prefer" in step.resources[0].reason


def test_hours_add_up(guide):
    path = plan(guide)
    running = 0.0
    for step in path.steps:
        assert step.hours == round(sum(c.hours for c in step.resources) or 2.0, 2)
        running += step.hours
        assert step.cumulative_hours == pytest.approx(running)
    assert path.total_hours == pytest.approx(running)


@pytest.mark.parametrize("budget", [30, 10])
def test_a_time_budget_drops_optional_material_first_and_says_so(guide, budget):
    full = plan(guide)
    fitted = plan(guide, max_hours=budget)
    assert fitted.total_hours <= budget < full.total_hours
    assert fitted.within_budget is True
    required = [s.topic.slug for s in full.steps if not s.optional]
    assert [s for s in slugs(fitted) if s in required] == required
    assert fitted.dropped
    dropped_hours = sum(d.hours for d in fitted.dropped if d.replaced_by is None)
    assert dropped_hours > 0


def test_an_impossible_budget_keeps_every_required_step(guide):
    fitted = plan(guide, max_hours=1)
    assert fitted.within_budget is False
    assert {s.topic.slug for s in plan(guide).steps if not s.optional} <= set(slugs(fitted))


def test_next_topics_lead_toward_the_goal(guide):
    catalog, graph = guide
    before = set(slugs(plan(guide))) - {"cifar-10"}
    upcoming = paths.next_topics(catalog, graph, ["cifar-10"], before)
    assert upcoming[0].slug == "cifar-10"
    first = paths.next_topics(catalog, graph, ["cifar-10"], [])
    on_the_way = set(slugs(plan(guide)))
    ranked_on_the_way = [t.slug for t in first if t.slug in on_the_way]
    assert [t.slug for t in first[: len(ranked_on_the_way)]] == ranked_on_the_way
    for topic in first:
        assert not any(True for _ in graph.predecessors(topic.slug))


# Invariants on random graphs: any DAG, any goals, any known topics.


@st.composite
def random_catalogs(draw):
    size = draw(st.integers(2, 25))
    names = [f"t{i:02d}" for i in range(size)]
    edges = draw(
        st.sets(
            st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)).filter(
                lambda e: e[0] < e[1]
            ),
            max_size=60,
        )
    )
    rules = st.sampled_from(["start-with", "all-you-need", "section-order"])
    relations = []
    for low, high in sorted(edges):
        rule = draw(rules)
        origin = "suggested-order" if rule == "section-order" else "stated"
        evidence = (Evidence(1, f"{names[high]} needs {names[low]}."),)
        relations.append(Relation(names[high], names[low], origin, rule, "r", 0.8, evidence))
    topics = {
        n: TopicView(i, n, n.upper(), (), draw(st.integers(0, 3))) for i, n in enumerate(names)
    }
    resources = {
        i: ResourceView(
            i,
            f"https://e.org/{i}",
            f"r{i}",
            "article",
            "x",
            0.5,
            "free",
            (Relevance(names[i % size], 0.9, "anchor"),),
            1,
            1,
            None,
            i,
        )
        for i in range(size * 2)
    }
    catalog = Catalog("v", topics, relations, resources, editions=1)
    goals = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
    known = draw(st.sets(st.sampled_from(names), max_size=5))
    return catalog, goals, known


@settings(max_examples=200, deadline=None)
@given(random_catalogs())
def test_path_invariants_on_random_graphs(case):
    catalog, goals, known = case
    graph = learning_graph.build(catalog)
    assert nx.is_directed_acyclic_graph(graph)
    path = paths.plan(catalog, graph, goals, paths.Preferences(known=frozenset(known)))
    order = slugs(path)
    implied = paths.implied_known(graph, known)
    closure = set(goals).union(*(nx.ancestors(graph, g) for g in goals))
    assert set(order) == closure - implied.keys()
    assert len(order) == len(set(order))
    position = {slug: i for i, slug in enumerate(order)}
    for u, v in graph.edges:
        if u in position and v in position:
            assert position[u] < position[v]
    assert {s.slug for s in path.skipped_known} == closure & implied.keys()
    assert path == paths.plan(catalog, graph, goals, paths.Preferences(known=frozenset(known)))
