"""The synthetic knowledge base of the benchmarks: exact sizes, acyclic, loadable."""

import networkx as nx
from sqlalchemy import func, select

from bench import synthetic
from kb import catalog, db
from kb.models import Mention, Prerequisite, Resource, ResourceTopic, Topic, TopicAlias

SIZES = {"topics": 300, "edges": 1200, "resources": 2000}


def test_same_seed_same_rows():
    first, _ = synthetic.build(**SIZES, seed=7)
    again, _ = synthetic.build(**SIZES, seed=7)
    other, _ = synthetic.build(**SIZES, seed=8)
    assert first == again
    assert first != other


def test_generated_knowledge_base(database_url):
    summary = synthetic.generate(database_url, **SIZES, seed=3)
    engine = db.make_engine(database_url)
    try:
        with db.session_factory(engine)() as session:

            def count(model) -> int:
                return session.scalar(select(func.count()).select_from(model))

            assert count(Topic) == 300
            assert count(Prerequisite) == 1200
            assert count(Resource) == 2000
            assert count(TopicAlias) == summary.counts["topic_alias"]
            assert count(Mention) == summary.counts["mention"]
            edges = session.execute(select(Prerequisite.requires_id, Prerequisite.topic_id)).all()
            assert all(requires < topic for requires, topic in edges)
            assert nx.is_directed_acyclic_graph(nx.DiGraph(edges))
            taught = select(func.count(func.distinct(ResourceTopic.topic_id)))
            assert session.scalar(taught) == 300
            loaded = catalog.load(session)
            assert len(loaded.topics) == 300
            assert len(loaded.relations) == 1200
            assert len(loaded.resources) == 2000
            assert loaded.version != "empty"
            assert all(r.evidence for r in loaded.relations)
            session.add(Topic(slug="one-more", name="One more"))  # ids given, sequences moved on
            session.flush()
    finally:
        engine.dispose()
    assert summary.closures["max"] > 0
