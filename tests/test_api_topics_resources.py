"""Topics and resources through the API, checked against the imported guide and its database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.app import engine_of
from kb.extraction.kinds import KINDS
from kb.models import EDITION_FORMATS, Mention, Resource, Topic

# `app` and `client`: conftest's, on a database holding the imported guide.


@pytest.fixture
def database(app):
    with engine_of(app).connect() as connection:
        yield connection


def get(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def pages(client, url: str) -> list[dict]:
    """Every item, following next_cursor to the last page."""
    items, cursor = [], None
    while True:
        separator = "&" if "?" in url else "?"
        page = get(client, url + (f"{separator}cursor={cursor}" if cursor else ""))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_health_counts_what_the_database_holds(client, database):
    health = get(client, "/api/v1/health")
    assert health["status"] == "ok"
    assert health["topics"] == database.scalar(sa.select(sa.func.count(Topic.id)))
    assert health["resources"] == database.scalar(sa.select(sa.func.count(Resource.id)))
    assert health["version"] == database.scalar(sa.text("SELECT version FROM knowledge_base"))


def test_keras_requires_python_as_the_guide_says(client):
    keras = get(client, "/api/v1/topics/keras")
    python = next(r for r in keras["requires"] if r["slug"] == "python")
    assert python["origin"] == "stated"
    assert python["name"] == "Python"
    sentences = [e["sentence"] for e in python["evidence"]]
    assert any("Keras" in s and "library in Python" in s for s in sentences)
    assert len({e["edition"] for e in python["evidence"]}) >= 3  # several editions say so

    dependents = get(client, "/api/v1/topics/python")["required_by"]
    back = next(r for r in dependents if r["slug"] == "keras")
    assert back["evidence"] == python["evidence"]


def test_a_topic_is_found_by_what_a_user_types(client):
    for typed, slug in [
        ("KERAS", "keras"),
        ("backprop", "backpropagation"),
        ("CNN", "convolutional-networks"),
        ("Convolutional  Neural Network", "convolutional-networks"),
    ]:
        assert get(client, f"/api/v1/topics/{typed}")["slug"] == slug
    missing = get(client, "/api/v1/topics/backpropagaton", 404)
    assert "backpropagation" in missing["suggestions"]


def test_a_topics_resources_are_ranked_by_the_guides_endorsement(client):
    resources = get(client, "/api/v1/topics/deep-learning")["resources"]
    assert len(resources) > 5
    editions = [r["editions"] for r in resources]
    assert editions == sorted(editions, reverse=True)
    assert all("deep-learning" in r["topics"] for r in resources)


def test_paging_returns_every_topic_once_in_slug_order(client, database):
    topics = pages(client, "/api/v1/topics?limit=7")
    slugs = [t["slug"] for t in topics]
    assert slugs == sorted(database.scalars(sa.select(Topic.slug)))
    assert len(get(client, "/api/v1/topics?limit=7")["items"]) == 7


def test_topics_are_filtered_by_slug_name_or_alias(client):
    assert [t["slug"] for t in pages(client, "/api/v1/topics?q=relu")] == ["activation-functions"]
    convolution = {t["slug"] for t in pages(client, "/api/v1/topics?q=CONV")}
    assert "convolutional-networks" in convolution
    assert get(client, "/api/v1/topics?q=no+such+thing")["items"] == []


def test_a_cursor_not_issued_by_the_api_is_refused(client):
    problem = get(client, "/api/v1/topics?cursor=%21%21", 422)
    assert problem["errors"][0]["field"] == "cursor"
    assert get(client, "/api/v1/resources?cursor=YWJj", 422)["errors"][0]["field"] == "cursor"


def test_resources_are_filtered_by_kind_access_and_topic(client, database):
    videos = pages(client, "/api/v1/resources?kind=video&limit=5")
    expected = database.scalars(sa.select(Resource.id).where(Resource.kind == "video"))
    assert [r["id"] for r in videos] == sorted(expected)

    either = pages(client, "/api/v1/resources?kind=book&kind=course")
    assert {r["kind"] for r in either} == {"book", "course"}

    free_videos = pages(client, "/api/v1/resources?kind=video&access=free")
    assert free_videos and all(r["access"] == "free" for r in free_videos)
    assert len(free_videos) < len(videos)

    keras = pages(client, "/api/v1/resources?topic=keras")
    assert keras and all("keras" in r["topics"] for r in keras)


def test_paging_returns_every_resource_once_in_id_order(client, database):
    ids = [r["id"] for r in pages(client, "/api/v1/resources?limit=50")]
    assert ids == sorted(database.scalars(sa.select(Resource.id)))


def test_unknown_filter_values_are_named(client):
    topic = get(client, "/api/v1/resources?topic=alchemy", 422)
    assert "alchemy" in topic["detail"] and topic["errors"][0]["field"] == "topic"
    kind = get(client, "/api/v1/resources?kind=podcast", 422)
    assert kind["errors"][0]["location"] == "query"
    assert all(k in kind["errors"][0]["message"] for k in KINDS)


def test_a_resource_lists_its_mentions_in_every_edition(client, database):
    popular = max(pages(client, "/api/v1/resources?limit=200"), key=lambda r: r["editions"])
    detail = get(client, f"/api/v1/resources/{popular['id']}")
    assert detail["editions"] >= 4
    assert len({m["edition"]["id"] for m in detail["mentions"]}) == detail["editions"]
    stored = database.scalar(
        sa.select(sa.func.count(Mention.id)).where(Mention.resource_id == popular["id"])
    )
    assert len(detail["mentions"]) == stored
    for mention in detail["mentions"]:
        assert mention["edition"]["format"] in EDITION_FORMATS
        assert mention["sentence"].strip() and mention["anchor"].strip()
    assert any(m["url"] for m in detail["mentions"])
    assert detail["kind"] in KINDS and 0 <= detail["kind_confidence"] <= 1 and detail["kind_rule"]


def test_unknown_or_malformed_resource_ids_are_not_found(client):
    assert get(client, "/api/v1/resources/999999", 404)["detail"].endswith("999999")
    assert get(client, "/api/v1/resources/abc", 404)["status"] == 404
