"""`kb sandbox examples | run | status | cancel`, as a maintainer types them."""

from __future__ import annotations

import json

import pytest

from api.cli import main
from tests.sandbox_helpers import needs_bubblewrap, sessions_of, submit, use_sandbox_env
from training_sandbox.inside import catalog

QUICK = ["--param", "dataset=digits", "--param", "epochs=2", "--param", "train_limit=300"]


@pytest.fixture
def sandbox(runner, tmp_path, monkeypatch):
    use_sandbox_env(tmp_path, monkeypatch)
    return runner


def test_examples_as_json_are_what_the_api_lists(sandbox):
    printed = sandbox.invoke(main, ["sandbox", "examples", "--json"])
    assert printed.exit_code == 0, printed.output
    items = json.loads(printed.output)["items"]
    assert [e["name"] for e in items] == list(catalog.EXAMPLES)
    assert "train_limit" in items[0]["parameters"]["properties"]
    table = sandbox.invoke(main, ["sandbox", "examples"])
    assert "mnist_logreg" in table.output and "train_limit" in table.output


def test_run_trains_here_and_prints_the_job_record(sandbox):
    ran = sandbox.invoke(main, ["sandbox", "run", "mnist_logreg", *QUICK, "--json"])
    assert ran.exit_code == 0, ran.output
    job = json.loads(ran.output)
    assert job["status"] == "succeeded" and job["executor"] == "local"
    assert "kb sandbox run" in job["worker"] and job["device"] == "cpu"
    assert [e["epoch"] for e in job["epochs"]] == [1, 2]
    assert job["params"]["train_limit"] == 300
    assert 0 <= job["metrics"]["test_accuracy"] <= 1
    assert [layer["kind"] for layer in job["summary"]["layers"]] == ["Input", "Flatten", "Dense"]

    status = sandbox.invoke(main, ["sandbox", "status", job["id"], "--json"])
    assert json.loads(status.output) == job
    text = sandbox.invoke(main, ["sandbox", "status", job["id"]])
    assert f"job {job['id']}: succeeded" in text.output
    assert "test_accuracy" in text.output and "0.9251" in text.output  # the original's


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mnist_logreg", "--param", "epochs=zero"], "'epochs': 'zero' is invalid"),
        (["mnist_logreg", "--param", "epoch=2"], "unknown parameter 'epoch'"),
        (["mnist_logreg", "--param", "epochs"], "not NAME=VALUE"),
        (["mnist_gan"], "unknown example 'mnist_gan'"),
    ],
)
def test_run_refuses_bad_parameters_naming_them(sandbox, args, message):
    refused = sandbox.invoke(main, ["sandbox", "run", *args])
    assert refused.exit_code == 2 and message in refused.output


def test_scripts_are_refused_without_full_isolation(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_SANDBOX_BUBBLEWRAP", "off")
    script = tmp_path / "train.py"
    script.write_text("print('hello')\n")
    refused = sandbox.invoke(main, ["sandbox", "run", "--script", str(script), "--json"])
    assert refused.exit_code == 1
    job = json.loads(refused.output)
    assert job["status"] == "failed" and "only with full isolation" in job["error"]
    assert "apt-get install bubblewrap" in job["error"]


@needs_bubblewrap
def test_a_script_s_claims_and_log_are_shown_as_text(sandbox, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import json\n"
        "print(json.dumps({'event': 'started', 'device': '[bold]gpu[/bold]\\x1b[2J'}))\n"
        "print(json.dumps({'event': 'result', 'metrics': {'test_accuracy': 1.0}}))\n"
        "print('hello \\x1b]0;owned\\x07 from the script')\n"
        "print(json.dumps({'event': 'error', 'message': 'worker lost \\u202e0.99 \\u200b'}))\n"
    )
    ran = sandbox.invoke(main, ["sandbox", "run", "--script", str(script)])
    assert ran.exit_code == 0, ran.output
    assert "\x1b" not in ran.output and "\\x1b" in ran.output
    assert "error (reported by the script): worker lost \\u202e0.99 \\u200b" in ran.output
    assert "\u202e" not in ran.output and "\u200b" not in ran.output
    assert "the script reported (its own words, unchecked):" in ran.output
    assert "device: [bold]gpu[/bold]\\x1b[2J" in ran.output
    assert "hello \\x1b]0;owned\\x07 from the script" in ran.output
    job_id = ran.output.split()[1].rstrip(":")
    log = sandbox.invoke(main, ["sandbox", "log", job_id])
    assert log.output == "hello \\x1b]0;owned\\x07 from the script\n"


def test_cancel_and_status_of_a_queued_job(sandbox, database_url):
    with sessions_of(database_url) as sessions:
        job_id = submit(sessions, example="mnist_logreg", params={"dataset": "digits"})
    queued = sandbox.invoke(main, ["sandbox", "status", job_id])
    assert f"job {job_id}: queued" in queued.output
    cancelled = sandbox.invoke(main, ["sandbox", "cancel", job_id])
    assert cancelled.exit_code == 0 and f"job {job_id}: cancelled" in cancelled.output
    again = sandbox.invoke(main, ["sandbox", "cancel", job_id])
    assert again.exit_code == 0
    unknown = sandbox.invoke(main, ["sandbox", "status", "feedfeedfeedfeed"])
    assert unknown.exit_code == 1 and "no job 'feedfeedfeedfeed'" in unknown.output
