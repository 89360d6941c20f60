"""The sandbox's examples in the knowledge base: linked at import, offered by path steps."""

from __future__ import annotations

from sqlalchemy import select

from kb import version
from kb.models import Example, Resource
from kb.urls import url_case_key
from training_sandbox.inside import catalog
from training_sandbox.links import link_examples


def test_every_example_is_linked_to_the_resource_the_guide_links(guide_session):
    rows = {row.name: row for row in guide_session.scalars(select(Example))}
    assert set(rows) == set(catalog.EXAMPLES)
    for name, row in rows.items():
        example = catalog.get(name)
        assert row.resource_id is not None, f"{name}: no imported resource for its guide link"
        resource = guide_session.get(Resource, row.resource_id)
        assert url_case_key(resource.url) == url_case_key(example.guide_url)
        assert [t.slug for t in row.topics] == sorted(example.topics)


def test_linking_again_changes_nothing_and_a_changed_link_changes_the_version(guide_session):
    session = guide_session  # what the test changes is rolled back at its end
    before = version.current(session)
    assert link_examples(session) == link_examples(session)
    assert version.stamp(session) == before
    session.get(Example, "mnist_mlp").resource_id = None
    session.flush()
    changed = version.stamp(session)
    assert changed != before
    link_examples(session)  # puts the link back
    assert version.stamp(session) == before


def test_path_steps_offer_the_examples_that_practise_them(client):
    path = client.get("/api/v1/paths?goal=cifar-10").get_json()
    offered = {step["topic"]["slug"]: step["examples"] for step in path["steps"]}
    assert {e["name"] for e in offered["cifar-10"]} == {"cifar10_cnn", "cifar10_logreg"}
    assert "mnist_mlp" in {e["name"] for e in offered["mnist"]}
    assert offered["python"] == []
    for example in offered["cifar-10"]:
        resource = client.get(f"/api/v1/resources/{example['resource_id']}").get_json()
        guide_url = catalog.get(example["name"]).guide_url
        assert url_case_key(resource["url"]) == url_case_key(guide_url)
