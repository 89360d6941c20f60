"""The sandbox's HTTP API: examples, submitting jobs, following, cancelling and plotting them."""

from __future__ import annotations

import io
import struct

import pytest

from api.app import create_app, engine_of
from tests.sandbox_helpers import sessions_of, use_sandbox_env
from training_sandbox import catalog, jobs

V1 = "/api/v1"
QUICK = {"dataset": "digits", "epochs": 2, "train_limit": 100}
PROBLEM = "application/problem+json"


@pytest.fixture
def client(database_url, tmp_path, monkeypatch):
    use_sandbox_env(tmp_path, monkeypatch)  # the local executor: jobs wait for a worker
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "RATELIMIT_DEFAULT": ""})
    yield app.test_client()
    engine_of(app).dispose()


@pytest.fixture
def sessions(database_url):
    with sessions_of(database_url) as made:
        yield made


def post_job(client, **body):
    return client.post(f"{V1}/jobs", json=body)


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


def test_a_job_is_accepted_with_its_full_parameters_and_location(client):
    response = post_job(client, example="mnist_logreg", params=QUICK)
    assert response.status_code == 202
    job = response.json
    assert response.headers["Location"] == f"{V1}/jobs/{job['id']}"
    assert job["status"] == "queued" and job["executor"] == "local" and job["attempt"] == 0
    assert job["params"]["optimizer"] == "rmsprop" and job["params"]["epochs"] == 2
    assert job["links"]["plot"] == f"{V1}/jobs/{job['id']}/plot.png"
    assert client.get(response.headers["Location"]).json == job


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"example": "mnist_logreg", "params": {"epochs": 0}}, "params.epochs", "1 to 200"),
        ({"example": "mnist_logreg", "params": {"epochs": "3"}}, "params.epochs", "integer"),
        ({"example": "mnist_logreg", "params": {"epoch": 3}}, "params.epoch", "unknown"),
        ({"example": "mnist_logreg", "params": {"optimizer": "lbfgs"}}, "params.optimizer", "adam"),
        ({"example": "mnist_gan"}, "example", "known examples"),
        ({"example": "mnist_logreg", "timeout_seconds": 10**6}, "timeout_seconds", "at most"),
        ({"params": {}}, "example", "required"),
    ],
)
def test_invalid_jobs_are_a_422_naming_the_parameter(client, body, field, words):
    response = client.post(f"{V1}/jobs", json=body)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.json["errors"][0]["field"] == field
    assert words in response.json["errors"][0]["message"]
    assert field.split(".")[-1] in response.json["detail"]


def test_unknown_jobs_are_404_everywhere(client):
    for method, path in [
        ("get", "/jobs/0123456789abcdef"),
        ("get", "/jobs/0123456789abcdef/events"),
        ("get", "/jobs/0123456789abcdef/plot.png"),
        ("delete", "/jobs/0123456789abcdef"),
    ]:
        response = getattr(client, method)(V1 + path)
        assert response.status_code == 404 and response.mimetype == PROBLEM
        assert "0123456789abcdef" in response.json["detail"]


def report_two_epochs(sessions, job_id: str) -> jobs.Claim:
    claim = jobs.Claim.of(sessions, job_id, "test-worker")
    claim.record({"event": "started", "device": "cpu"}, device="cpu")
    for epoch, (loss, accuracy) in enumerate([(2.0, 0.3), (1.5, 0.6)], 1):
        metrics = {"loss": loss, "accuracy": accuracy, "val_loss": loss + 0.1, "val_accuracy": 0.5}
        claim.record(
            {"event": "epoch", "epoch": epoch, "epochs": 2, "seconds": 0.4, "metrics": metrics}
        )
    return claim


def test_events_follow_from_a_sequence_number(client, sessions):
    job_id = post_job(client, example="mnist_logreg", params=QUICK).json["id"]
    assert client.get(f"{V1}/jobs/{job_id}/events").json == {"items": [], "next_after": 0}
    report_two_epochs(sessions, job_id)
    events = client.get(f"{V1}/jobs/{job_id}/events").json
    assert [(e["seq"], e["event"]) for e in events["items"]] == [
        (1, "started"),
        (2, "epoch"),
        (3, "epoch"),
    ]
    assert events["next_after"] == 3
    later = client.get(f"{V1}/jobs/{job_id}/events?after=1").json
    assert [e["seq"] for e in later["items"]] == [2, 3]
    assert later["items"][1]["data"]["metrics"]["loss"] == 1.5
    assert client.get(f"{V1}/jobs/{job_id}/events?after=3").json["items"] == []
    bad = client.get(f"{V1}/jobs/{job_id}/events?after=-1")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "after"
    job = client.get(f"{V1}/jobs/{job_id}").json
    assert job["status"] == "running" and job["device"] == "cpu" and job["worker"] == "test-worker"
    assert [e["epoch"] for e in job["epochs"]] == [1, 2]


def test_plot_is_a_png_of_the_epochs(client, sessions):
    job_id = post_job(client, example="mnist_logreg", params=QUICK).json["id"]
    empty = client.get(f"{V1}/jobs/{job_id}/plot.png")
    assert empty.status_code == 200 and empty.mimetype == "image/png"
    report_two_epochs(sessions, job_id)
    response = client.get(f"{V1}/jobs/{job_id}/plot.png")
    assert response.mimetype == "image/png"
    data = io.BytesIO(response.data)
    assert data.read(8) == b"\x89PNG\r\n\x1a\n"
    _, chunk, width, height = struct.unpack(">I4sII", data.read(16))
    assert chunk == b"IHDR" and (width, height) == (900, 360)
    assert response.data != empty.data


def test_delete_cancels_a_queued_job_and_asks_a_running_one_to_stop(client, sessions):
    queued = post_job(client, example="mnist_logreg", params=QUICK).json["id"]
    response = client.delete(f"{V1}/jobs/{queued}")
    assert response.status_code == 202 and response.json["status"] == "cancelled"
    assert client.delete(f"{V1}/jobs/{queued}").json["status"] == "cancelled"

    running = post_job(client, example="mnist_logreg", params=QUICK).json["id"]
    claim = report_two_epochs(sessions, running)
    response = client.delete(f"{V1}/jobs/{running}")
    assert response.json["status"] == "running" and response.json["cancel_requested"] is True
    assert claim.heartbeat() is True, "the runner learns of it with its next heartbeat"
    claim.finish("succeeded", None)
    ended = client.delete(f"{V1}/jobs/{running}")
    assert ended.status_code == 409 and ended.mimetype == PROBLEM
    assert "succeeded" in ended.json["detail"]


def test_the_openapi_document_describes_the_sandbox(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"post"} <= paths[f"{V1}/jobs"].keys()
    assert paths[f"{V1}/jobs/{{job_id}}"].keys() == {"get", "delete"}
    plot = paths[f"{V1}/jobs/{{job_id}}/plot.png"]["get"]["responses"]["200"]
    assert plot["content"] == {"image/png": {"schema": {"type": "string", "format": "binary"}}}
    assert f"{V1}/examples/{{name}}" in paths
