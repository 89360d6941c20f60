"""GET /paths and the learner endpoints, on the imported guide, through the real app and server."""

from __future__ import annotations

import hashlib
import json

import requests
import sqlalchemy as sa

from tests.servers import Server

V1 = "/api/v1"
# `client`: conftest's, on a database holding the imported guide.


def step_slugs(body: dict) -> list[str]:
    return [step["topic"]["slug"] for step in body["steps"]]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_path_to_cifar10(client):
    response = client.get(f"{V1}/paths?goal=cifar-10")
    assert response.status_code == 200, response.json
    body = response.json
    order = step_slugs(body)
    for basic in ("python", "machine-learning", "mnist"):
        assert order.index(basic) < order.index("cifar-10")
    assert body["goals"] == [{"slug": "cifar-10", "name": "CIFAR-10"}]
    assert body["total_hours"] == body["steps"][-1]["cumulative_hours"]
    assert body["hours_are_estimates"] is True
    for step in body["steps"]:
        assert step["why"], step["topic"]
        for why in step["why"]:
            if why["origin"] in ("stated", "inherited"):
                assert why["evidence"] and all(q["sentence"] for q in why["evidence"])
        for resource in step["resources"]:
            assert {"id", "url", "title", "kind", "reason"} <= resource.keys()
    keras = client.get(f"{V1}/paths?goal=keras").json
    python = next(s for s in keras["steps"] if s["topic"]["slug"] == "python")
    assert any(
        w["requires_by"] == "keras" and "Python" in w["evidence"][0]["sentence"]
        for w in python["why"]
    )


def test_known_topics_are_skipped_and_said(client):
    body = client.get(f"{V1}/paths?goal=CIFAR-10&known=python").json
    assert "python" not in step_slugs(body)
    assert {"slug": "python", "name": "Python", "reason": "known"} in body["skipped_known"]


def test_unknown_goal_suggests_what_was_meant(client):
    response = client.get(f"{V1}/paths?goal=kears")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert "keras" in response.json["suggestions"]
    assert "did you mean" in response.json["detail"]


def test_unknown_known_topic_is_a_422_naming_it(client):
    response = client.get(f"{V1}/paths?goal=keras&known=pyhton")
    assert response.status_code == 422
    assert "pyhton" in response.json["detail"]


def test_budget_and_preferences(client):
    body = client.get(f"{V1}/paths?goal=cifar-10&max_hours=10&prefer=video").json
    assert body["total_hours"] <= 10 and body["within_budget"] is True
    assert body["dropped"]


def create(client, **fields) -> dict:
    response = client.post(f"{V1}/learners", json=fields)
    assert response.status_code == 201, response.json
    assert response.headers["Location"].endswith(f"/learners/{response.json['id']}")
    return response.json


def test_a_learner_walks_a_whole_path(client):
    learner = create(client, name="Ada", goals=["cifar-10"], known=["python"])
    auth, base = bearer(learner["token"]), f"{V1}/learners/{learner['id']}"
    path = client.get(f"{V1}/paths?learner={learner['id']}", headers=auth).json
    remaining = step_slugs(path)
    assert "python" not in remaining and remaining[-1] == "cifar-10"
    done = {"python"}
    while "cifar-10" not in done:
        upcoming = client.get(f"{base}/next", headers=auth).json["items"]
        assert upcoming[0]["toward_goals"], upcoming[0]
        for item in upcoming:
            assert set(item["requires"]) <= done, item
        slug = upcoming[0]["topic"]["slug"]
        response = client.put(f"{base}/topics/{slug}", json={"state": "done"}, headers=auth)
        assert response.status_code == 200 and response.json["state"] == "done"
        done.add(slug)
    assert done >= set(remaining)
    after = client.get(f"{V1}/paths?learner={learner['id']}", headers=auth).json
    assert after["steps"] == []
    assert {s["reason"] for s in after["skipped_known"]} >= {"done", "known"}


def test_tokens_guard_every_learner_operation(client, guide_database_url):
    ada, bob = create(client, name="Ada"), create(client, name="Bob")
    base = f"{V1}/learners/{ada['id']}"
    calls = [
        ("get", base, None),
        ("get", f"{base}/next", None),
        ("put", f"{base}/topics/keras", {"state": "done"}),
        ("put", f"{base}/resources/1", {"state": "done"}),
        ("patch", base, {"name": "Eve"}),
        ("delete", base, None),
        ("get", f"{V1}/paths?goal=keras&learner={ada['id']}", None),
    ]
    for method, url, body in calls:
        for headers, status in (
            ({}, 401),
            (bearer("not-a-token"), 401),
            ({"Authorization": f"Basic {ada['token']}"}, 401),
            (bearer(bob["token"]), 403),
        ):
            response = getattr(client, method)(url, json=body, headers=headers)
            assert response.status_code == status, (method, url, headers)
            assert response.mimetype == "application/problem+json"
            assert "Ada" not in response.get_data(as_text=True)
            if status == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(base, headers=bearer(ada["token"])).json["name"] == "Ada"
    engine = sa.create_engine(guide_database_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM learner")).scalars().all()
    engine.dispose()
    assert ada["token"] not in stored
    assert hashlib.sha256(ada["token"].encode()).hexdigest() in stored


def test_learner_states_and_preferences_shape_the_path(client):
    learner = create(client, goals=["keras"], prefer=["video"], max_hours=200)
    auth, base = bearer(learner["token"]), f"{V1}/learners/{learner['id']}"
    before = client.get(f"{V1}/paths?learner={learner['id']}", headers=auth).json
    first = before["steps"][0]
    resource = first["resources"][0]["id"]
    client.put(f"{base}/resources/{resource}", json={"state": "skipped"}, headers=auth)
    after = client.get(f"{V1}/paths?learner={learner['id']}", headers=auth).json
    assert resource not in [r["id"] for r in after["steps"][0]["resources"]]
    changed = client.patch(base, json={"goals": ["MNIST"]}, headers=auth).json
    assert changed["goals"] == [{"slug": "mnist", "name": "MNIST"}] and changed["prefer"] == [
        "video"
    ]
    assert (
        client.put(f"{base}/topics/nope", json={"state": "done"}, headers=auth).status_code == 404
    )
    bad = client.put(f"{base}/topics/keras", json={"state": "finished"}, headers=auth)
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "state"
    assert client.delete(base, headers=auth).status_code == 204
    assert client.get(base, headers=auth).status_code == 401


def test_learner_state_survives_a_server_restart(guide_database_url):
    server = Server(guide_database_url)
    try:
        learner = requests.post(f"{server.url}/learners", json={"goals": ["keras"]}).json()
        auth = bearer(learner["token"])
        base = f"{server.url}/learners/{learner['id']}"
        requests.put(f"{base}/topics/python", json={"state": "done"}, headers=auth)
        requests.put(f"{base}/topics/keras", json={"state": "learning"}, headers=auth)
        before = requests.get(f"{base}/next", headers=auth).json()
    finally:
        server.stop()
    server = Server(guide_database_url)
    try:
        base = f"{server.url}/learners/{learner['id']}"
        again = requests.get(base, headers=auth).json()
        states = {t["slug"]: t["state"] for t in again["topics"]}
        assert states == {"python": "done", "keras": "learning"}
        assert again["goals"] == [{"slug": "keras", "name": "Keras"}]
        after = requests.get(f"{base}/next", headers=auth).json()
        assert after == before
    finally:
        server.stop()


def test_kb_path_prints_what_the_api_answers(client, guide_database_url):
    from click.testing import CliRunner

    from api.cli import main

    runner = CliRunner()
    args = ["--database-url", guide_database_url, "path", "--goal", "CIFAR-10", "--known", "python"]
    printed = runner.invoke(main, [*args, "--json"])
    assert printed.exit_code == 0, printed.output
    answered = client.get(f"{V1}/paths?goal=CIFAR-10&known=python").json
    assert json.loads(printed.output) == answered
    text = runner.invoke(main, args)
    assert "CIFAR-10" in text.output and "skipped: Python (known)" in text.output
    unknown = runner.invoke(main, ["--database-url", guide_database_url, "path", "--goal", "kears"])
    assert unknown.exit_code == 2 and "did you mean keras" in unknown.output
