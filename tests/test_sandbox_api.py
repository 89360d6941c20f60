"""The sandbox's HTTP API: examples, submitting jobs, following, cancelling and plotting them."""

from __future__ import annotations

import io
import struct

import pytest

from kb import maintainers
from tests.sandbox_helpers import (
    bearer,
    new_learner,
    new_maintainer,
    use_sandbox_env,
)
from training_sandbox import jobs
from training_sandbox.inside import catalog

V1 = "/api/v1"
QUICK = {"dataset": "digits", "epochs": 2, "train_limit": 100}
PROBLEM = "application/problem+json"


@pytest.fixture
def app_database_url(database_url) -> str:
    """conftest's `app` and `client` on a fresh database: the one `sessions` writes to."""
    return database_url


@pytest.fixture
def app_config(tmp_path, monkeypatch) -> dict:
    use_sandbox_env(tmp_path, monkeypatch)  # the local executor: jobs wait for a worker
    return {"TESTING": True, "RATELIMIT_DEFAULT": ""}


@pytest.fixture
def ada(sessions) -> dict[str, str]:
    return new_learner(sessions, "Ada")[1]


def post_job(client, headers, **body):
    return client.post(f"{V1}/jobs", json=body, headers=headers)


def test_examples_list_each_example_with_its_parameter_schema(client):
    items = client.get(f"{V1}/examples").json["items"]
    assert [e["name"] for e in items] == list(catalog.EXAMPLES)
    logreg = next(e for e in items if e["name"] == "mnist_logreg")
    schema = logreg["parameters"]
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["properties"]["epochs"] == {
        "type": "integer",
        "default": 10,
        "description": "passes over the training data",
        "minimum": 1,
        "maximum": 200,
    }
    assert logreg["gpu_fraction"] == 0.25 and logreg["original"]["value"] == 0.9251
    assert client.get(f"{V1}/examples/mnist_logreg").json == logreg
    missing = client.get(f"{V1}/examples/mnist_gan")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    assert "mnist_logreg" in missing.json["detail"]


def test_a_job_is_accepted_with_its_full_parameters_and_location(client, ada):
    response = post_job(client, ada, example="mnist_logreg", params=QUICK)
    assert response.status_code == 202
    job = response.json
    assert response.headers["Location"] == f"{V1}/jobs/{job['id']}"
    assert job["status"] == "queued" and job["executor"] == "local" and job["attempt"] == 0
    assert job["owner"] == "learner" and job["claims"] is None and job["gpu_share"] == 0
    assert job["params"]["optimizer"] == "rmsprop" and job["params"]["epochs"] == 2
    assert job["links"]["plot"] == f"{V1}/jobs/{job['id']}/plot.png"
    assert job["links"]["log"] == f"{V1}/jobs/{job['id']}/log"
    assert client.get(response.headers["Location"], headers=ada).json == job


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"example": "mnist_logreg", "params": {"epochs": 0}}, "params.epochs", "1 to 200"),
        ({"example": "mnist_logreg", "params": {"epochs": "3"}}, "params.epochs", "integer"),
        ({"example": "mnist_logreg", "params": {"epoch": 3}}, "params.epoch", "unknown"),
        ({"example": "mnist_logreg", "params": {"optimizer": "lbfgs"}}, "params.optimizer", "adam"),
        ({"example": "mnist_gan"}, "example", "known examples"),
        ({"example": "mnist_logreg", "timeout_seconds": 10**6}, "timeout_seconds", "at most"),
        ({"params": {}}, "", "either an example or a script"),
        ({"example": "mnist_logreg", "script": "print(1)"}, "", "either an example or a script"),
    ],
)
def test_invalid_jobs_are_a_422_naming_the_parameter(client, ada, body, field, words):
    response = client.post(f"{V1}/jobs", json=body, headers=ada)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"][0]["field"] == field
    assert words in response.json["errors"][0]["message"]
    assert field.split(".")[-1] in response.json["detail"]


JOB_PATHS = [
    ("get", "/jobs/{}"),
    ("get", "/jobs/{}/events"),
    ("get", "/jobs/{}/log"),
    ("get", "/jobs/{}/plot.png"),
    ("delete", "/jobs/{}"),
]


def test_unknown_jobs_are_404_everywhere(client, ada):
    for method, path in JOB_PATHS:
        response = getattr(client, method)(V1 + path.format("0123456789abcdef"), headers=ada)
        assert response.status_code == 404 and response.mimetype == PROBLEM
        assert "0123456789abcdef" in response.json["detail"]


def test_jobs_need_an_identity_and_a_learner_sees_only_their_own(client, sessions, ada):
    _, bob = new_learner(sessions, "Bob")
    maintainer = new_maintainer(sessions, "Grace")
    anonymous = post_job(client, {}, example="mnist_logreg", params=QUICK)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith(
        "Bearer"
    )
    wrong = post_job(client, bearer("not-a-token"), example="mnist_logreg", params=QUICK)
    assert wrong.status_code == 401
    mine = post_job(client, ada, example="mnist_logreg", params=QUICK).json["id"]
    for method, path in JOB_PATHS:
        url = V1 + path.format(mine)
        assert getattr(client, method)(url).status_code == 401, (method, path)
        refused = getattr(client, method)(url, headers=bob)
        assert refused.status_code == 403 and refused.mimetype == PROBLEM, (method, path)
        assert getattr(client, method)(url, headers=maintainer).status_code in (200, 202)
    assert client.get(f"{V1}/jobs/{mine}", headers=ada).json["status"] == "cancelled"
    assert [job["id"] for job in client.get(f"{V1}/jobs", headers=ada).json["items"]] == [mine]
    assert client.get(f"{V1}/jobs", headers=bob).json["items"] == []
    assert client.get(f"{V1}/jobs").status_code == 401
    everyone = client.get(f"{V1}/jobs", headers=maintainer).json["items"]
    assert [job["id"] for job in everyone] == [mine]


def test_only_maintainers_may_run_scripts(client, sessions, ada):
    refused = post_job(client, ada, script="print('hello')")
    assert refused.status_code == 403 and "maintainers" in refused.json["detail"]
    grace = new_maintainer(sessions, "Grace")
    accepted = post_job(client, grace, script="print('hello')", timeout_seconds=30)
    assert accepted.status_code == 202, accepted.json
    assert accepted.json["owner"] == "maintainer" and accepted.json["example"] is None
    assert accepted.json["claims"] == {
        "device": None,
        "summary": None,
        "epochs": [],
        "metrics": None,
    }
    with sessions() as session, session.begin():
        maintainers.revoke(session, "Grace")
    assert post_job(client, grace, script="print('hello')").status_code == 401


def test_job_lists_are_paged_newest_first(client, sessions, ada, monkeypatch):
    grace = new_maintainer(sessions, "Grace")
    made = [
        post_job(client, grace, example="mnist_logreg", params=QUICK).json["id"] for _ in range(5)
    ]
    first = client.get(f"{V1}/jobs?limit=2", headers=grace).json
    second = client.get(f"{V1}/jobs?limit=2&cursor={first['next_cursor']}", headers=grace).json
    third = client.get(f"{V1}/jobs?limit=2&cursor={second['next_cursor']}", headers=grace).json
    listed = [job["id"] for page in (first, second, third) for job in page["items"]]
    assert listed == made[::-1] and third["next_cursor"] is None
    queued = client.get(f"{V1}/jobs?status=succeeded", headers=grace).json["items"]
    assert queued == []


def report_two_epochs(sessions, job_id: str) -> jobs.Claim:
    claim = jobs.Claim.of(sessions, job_id, "test-worker")
    claim.report([{"event": "started", "device": "cpu"}], "runner", {"device": "cpu"}, None)
    for epoch, (loss, accuracy) in enumerate([(2.0, 0.3), (1.5, 0.6)], 1):
        metrics = {"loss": loss, "accuracy": accuracy, "val_loss": loss + 0.1, "val_accuracy": 0.5}
        event = {"event": "epoch", "epoch": epoch, "epochs": 2, "seconds": 0.4, "metrics": metrics}
        claim.report([event], "runner", {}, None)
    return claim


def test_events_follow_from_a_sequence_number(client, sessions, ada):
    job_id = post_job(client, ada, example="mnist_logreg", params=QUICK).json["id"]
    assert client.get(f"{V1}/jobs/{job_id}/events", headers=ada).json == {
        "items": [],
        "next_after": 0,
    }
    report_two_epochs(sessions, job_id)
    events = client.get(f"{V1}/jobs/{job_id}/events", headers=ada).json
    assert [(e["seq"], e["event"]) for e in events["items"]] == [
        (1, "started"),
        (2, "epoch"),
        (3, "epoch"),
    ]
    assert events["next_after"] == 3
    assert {e["origin"] for e in events["items"]} == {"runner"}
    later = client.get(f"{V1}/jobs/{job_id}/events?after=1", headers=ada).json
    assert [e["seq"] for e in later["items"]] == [2, 3]
    assert later["items"][1]["data"]["metrics"]["loss"] == 1.5
    assert client.get(f"{V1}/jobs/{job_id}/events?after=3", headers=ada).json["items"] == []
    for after in ("-1", "99999999999999999999999"):
        bad = client.get(f"{V1}/jobs/{job_id}/events?after={after}", headers=ada)
        assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "after"
    job = client.get(f"{V1}/jobs/{job_id}", headers=ada).json
    assert job["status"] == "running" and job["device"] == "cpu" and job["worker"] == "test-worker"
    assert [e["epoch"] for e in job["epochs"]] == [1, 2]


def test_plot_is_a_png_of_the_epochs_drawn_once_per_state(client, sessions, ada):
    job_id = post_job(client, ada, example="mnist_logreg", params=QUICK).json["id"]
    plot = f"{V1}/jobs/{job_id}/plot.png"
    empty = client.get(plot, headers=ada)
    assert empty.status_code == 200 and empty.mimetype == "image/png"
    tag = empty.headers["ETag"]
    unchanged = client.get(plot, headers={**ada, "If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    report_two_epochs(sessions, job_id)
    response = client.get(plot, headers={**ada, "If-None-Match": tag})
    assert response.status_code == 200 and response.headers["ETag"] != tag
    assert response.mimetype == "image/png"
    data = io.BytesIO(response.data)
    assert data.read(8) == b"\x89PNG\r\n\x1a\n"
    _, chunk, width, height = struct.unpack(">I4sII", data.read(16))
    assert chunk == b"IHDR" and (width, height) == (900, 360)
    assert response.data != empty.data


def test_epochs_out_of_bounds_are_not_drawn_nor_shown(client, sessions, ada):
    grace = new_maintainer(sessions, "Grace")
    job_id = post_job(client, grace, script="print('hostile')").json["id"]
    claim = jobs.Claim.of(sessions, job_id, "test-worker")
    fine = {"event": "epoch", "epoch": 1, "epochs": 3, "seconds": 1.0, "metrics": {"loss": 0.5}}
    hostile = [
        {**fine, "epoch": 2, "metrics": {"loss": 1.7e308, "accuracy": -1.7e308}},
        {**fine, "epoch": 10**4200},
        {**fine, "epoch": 3, "metrics": {"loss": "inf"}},
        {**fine, "epoch": 3, "metrics": {f"m{n}": 0.1 for n in range(1000)}},
    ]
    claim.report([fine, *hostile], "script", {}, None)
    shown = client.get(f"{V1}/jobs/{job_id}", headers=grace).json
    assert [e["epoch"] for e in shown["claims"]["epochs"]] == [1]
    drawn = client.get(f"{V1}/jobs/{job_id}/plot.png", headers=grace)
    assert drawn.status_code == 200 and drawn.mimetype == "image/png"


def test_the_log_is_text_never_markup(client, sessions, ada):
    job_id = post_job(client, ada, example="mnist_logreg", params=QUICK).json["id"]
    assert client.get(f"{V1}/jobs/{job_id}/log", headers=ada).data == b""
    claim = jobs.Claim.of(sessions, job_id, "test-worker")
    claim.report([], "runner", {}, "<script>alert(1)</script>\nepoch 1\n")
    log = client.get(f"{V1}/jobs/{job_id}/log", headers=ada)
    assert log.status_code == 200 and log.mimetype == "text/plain"
    assert log.headers["X-Content-Type-Options"] == "nosniff"
    assert log.data.decode() == "<script>alert(1)</script>\nepoch 1\n"


def test_delete_cancels_a_queued_job_and_asks_a_running_one_to_stop(client, sessions, ada):
    queued = post_job(client, ada, example="mnist_logreg", params=QUICK).json["id"]
    response = client.delete(f"{V1}/jobs/{queued}", headers=ada)
    assert response.status_code == 202 and response.json["status"] == "cancelled"
    assert client.delete(f"{V1}/jobs/{queued}", headers=ada).json["status"] == "cancelled"

    running = post_job(client, ada, example="mnist_logreg", params=QUICK).json["id"]
    claim = report_two_epochs(sessions, running)
    response = client.delete(f"{V1}/jobs/{running}", headers=ada)
    assert response.json["status"] == "running" and response.json["cancel_requested"] is True
    assert claim.report([], "runner", {}, None), "the runner learns of it with its next report"
    claim.finish("succeeded", None, log=None)
    ended = client.delete(f"{V1}/jobs/{running}", headers=ada)
    assert ended.status_code == 409 and ended.mimetype == PROBLEM
    assert "succeeded" in ended.json["detail"]


def test_the_openapi_document_describes_the_sandbox_and_who_may_call_it(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert paths[f"{V1}/jobs"].keys() == {"get", "post"}
    assert paths[f"{V1}/jobs/{{job_id}}"].keys() == {"get", "delete"}
    for path in (f"{V1}/jobs", f"{V1}/jobs/{{job_id}}", f"{V1}/jobs/{{job_id}}/log"):
        for operation in paths[path].values():
            assert operation["x-roles"] == ["learner", "maintainer"]
            assert operation["security"] == [{"learnerToken": []}, {"maintainerKey": []}]
    plot = paths[f"{V1}/jobs/{{job_id}}/plot.png"]["get"]["responses"]["200"]
    assert plot["content"] == {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    assert f"{V1}/examples/{{name}}" in paths
