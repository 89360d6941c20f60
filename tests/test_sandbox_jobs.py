"""Sandbox jobs in the database and their runners: claims, events, statuses, limits, cancel, and
the reaping of a job whose worker died. Real processes, real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update

from api.app import create_app, engine_of
from kb.models import Job
from tests.sandbox_helpers import (
    epochs_script,
    job_row,
    needs_bubblewrap,
    new_maintainer,
    sessions_of,
    submit,
    use_sandbox_env,
    wait_for,
)
from training_sandbox import job_output, job_run, jobs, work_folders
from training_sandbox.isolation import Outcome
from training_sandbox.job_run import JobRunner, final_status

QUICK = {"dataset": "digits", "epochs": 1, "train_limit": 100}


@pytest.fixture
def settings(tmp_path, monkeypatch):
    return use_sandbox_env(tmp_path, monkeypatch)


def run_job(sessions, settings, job_id: str) -> str:
    claim = jobs.Claim.of(sessions, job_id, "test-runner")
    assert claim is not None
    return JobRunner(claim, settings).run()


def test_racing_workers_never_take_one_job(sessions, database_url):
    queued = {submit(sessions, example="mnist_logreg", params=QUICK) for _ in range(24)}
    taken: list[tuple[str, str]] = []
    start = threading.Barrier(6)

    def worker(name: str) -> None:
        with sessions_of(database_url) as own:
            start.wait()
            while (claim := jobs.Claim.next(own, name)) is not None:
                taken.append((claim.job.id, name))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [job_id for job_id, _ in taken]
    assert sorted(ids) == sorted(queued), "each job is taken exactly once"
    for job_id, name in taken:
        row = job_row(sessions, job_id)
        assert (row.status, row.worker, row.attempt) == ("running", name, 1)
    assert len({name for _, name in taken}) > 1


def test_claims_take_the_oldest_job_and_only_queued_ones(sessions):
    first = submit(sessions, example="mnist_logreg", params=QUICK)
    second = submit(sessions, example="mnist_logreg", params=QUICK)
    assert jobs.Claim.next(sessions, "w", executor="ray") is None
    assert jobs.Claim.next(sessions, "w").job.id == first
    assert jobs.Claim.of(sessions, first, "other") is None
    assert jobs.Claim.of(sessions, second, "w").job.attempt == 1


def test_outcomes_map_to_statuses():
    def outcome(reason, returncode=0, message="", stderr=""):
        return Outcome(reason, returncode, message, stderr, 1.0)

    assert final_status(outcome("exited"), None, []) == ("succeeded", None)
    assert final_status(outcome("cancelled", -9), None, []) == ("cancelled", None)
    limit = "stopped after the 5 s wall-clock limit"
    assert final_status(outcome("timed_out", -9, limit), None, []) == (
        "timed_out",
        f"the job {limit}",
    )
    missing = "MNIST is missing: put train-images-idx3-ubyte.gz in /data/mnist"
    assert final_status(outcome("exited", 2, "exited with status 2"), missing, []) == (
        "failed",
        missing,
    )
    status, error = final_status(
        outcome("memory", -9, "stopped for using more than the 4 GiB memory limit"), None, []
    )
    assert status == "failed" and "4 GiB memory limit" in error
    status, error = final_status(
        outcome("exited", 1, "exited with status 1", "Traceback...\nZeroDivisionError"), None, []
    )
    assert status == "failed" and "status 1" in error and "ZeroDivisionError" in error
    status, error = final_status(outcome("exited", 3, "exited with status 3"), None, ["oops"])
    assert error.endswith("its last output:\noops")


def test_a_reaped_runner_can_no_longer_write_and_a_job_is_rerun_once(sessions, settings):
    job_id = submit(sessions, example="mnist_logreg", params=QUICK)
    first = jobs.Claim.of(sessions, job_id, "lost-worker")
    first.report([{"event": "epoch", "epoch": 1}], "runner", {}, None)

    def silence(claim):  # the runner's last word was long ago
        with sessions() as session, session.begin():
            session.execute(
                update(Job)
                .where(Job.id == claim.job.id)
                .values(heartbeat_at=jobs.now() - timedelta(seconds=60))
            )

    def reap():
        with sessions() as session, session.begin():
            return [job.id for job in jobs.reap_stale(session, settings.stale_seconds)]

    assert reap() == [], "a runner that reports is left alone"
    silence(first)
    assert reap() == [job_id]
    with pytest.raises(jobs.JobLost):
        first.report([{"event": "epoch", "epoch": 2}], "runner", {}, None)
    second = jobs.Claim.next(sessions, "new-worker")
    assert second.job.attempt == 2
    second.report([{"event": "epoch", "epoch": 1}], "runner", {}, None)
    silence(second)
    assert reap() == []
    row = job_row(sessions, job_id)
    assert (row.status, row.error) == ("failed", "worker new-worker stopped responding")
    with sessions() as session:
        kinds = [(e.seq, e.attempt, e.kind, e.origin) for e in jobs.events(session, job_id)]
    assert kinds == [
        (1, 1, "epoch", "runner"),
        (2, 1, "requeued", "system"),
        (3, 2, "epoch", "runner"),
        (4, 2, "error", "system"),
    ]


def test_cancel_of_a_queued_job_is_immediate_and_of_an_ended_one_refused(sessions):
    job_id = submit(sessions, example="mnist_logreg", params=QUICK)
    with sessions() as session, session.begin():
        assert jobs.request_cancel(session, jobs.get(session, job_id)).status == "cancelled"
    with sessions() as session, session.begin():
        jobs.request_cancel(session, jobs.get(session, job_id))  # again: no change
    assert jobs.Claim.of(sessions, job_id, "w") is None
    done = submit(sessions, example="mnist_logreg", params=QUICK)
    jobs.Claim.of(sessions, done, "w").finish("succeeded", None, log=None)
    with sessions() as session, pytest.raises(jobs.JobFinished, match="succeeded"):
        jobs.request_cancel(session, jobs.get(session, done))


def test_a_missing_dataset_fails_the_job_with_what_to_put_where(
    sessions, settings, tmp_path, monkeypatch
):
    monkeypatch.setenv("KB_DATASETS_DIR", str(tmp_path / "no-datasets"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    settings = use_sandbox_env(tmp_path, monkeypatch)
    job_id = submit(sessions, example="mnist_logreg", params={"dataset": "mnist"})
    assert run_job(sessions, settings, job_id) == "failed"
    row = job_row(sessions, job_id)
    assert "mnist" in row.error.lower() and "no-datasets" in row.error, row.error
    with sessions() as session:
        assert [e.kind for e in jobs.events(session, job_id)] == ["error"]


def test_a_job_reads_the_keras_cache_of_the_machine_it_runs_on(sessions, tmp_path, monkeypatch):
    cache = tmp_path / "keras" / "datasets"  # in /tmp, which a job has its own copy of
    cache.mkdir(parents=True)
    pixels = np.random.default_rng(0).integers(0, 256, (40, 28, 28), dtype=np.uint8)
    labels = np.arange(40) % 10
    np.savez(cache / "mnist.npz", x_train=pixels, y_train=labels, x_test=pixels, y_test=labels)
    monkeypatch.setenv("KB_DATASETS_DIR", str(tmp_path / "no-datasets"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    settings = use_sandbox_env(tmp_path, monkeypatch)
    job_id = submit(sessions, example="mnist_logreg", params={"dataset": "mnist", "epochs": 1})
    assert run_job(sessions, settings, job_id) == "succeeded", job_row(sessions, job_id).error
    with sessions() as session:
        started = jobs.events(session, job_id)[0].data
    assert started["dataset"] == {
        "name": "mnist",
        "source": str(cache / "mnist.npz"),
        "train": 40,
        "test": 40,
    }


@needs_bubblewrap
def test_events_reach_the_database_in_order_within_two_seconds(sessions, settings):
    job_id = submit(sessions, script=epochs_script(epochs=4, pause=0.3))
    assert run_job(sessions, settings, job_id) == "succeeded"
    with sessions() as session:
        stored = jobs.events(session, job_id)
        row = jobs.get(session, job_id)
        epochs = jobs.epochs(session, row)
    assert [e.kind for e in stored] == ["started", "epoch", "epoch", "epoch", "epoch", "result"]
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5, 6]
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4]
    for event in stored[1:5]:
        stored_at = event.created_at.replace(tzinfo=event.created_at.tzinfo or UTC)
        assert stored_at.timestamp() - event.data["printed_at"] < 2.0
    assert {e.origin for e in stored} == {"script"}
    assert (row.device, row.metrics) == (None, None), "a script's word is not the job's"
    assert row.claims == {"device": "cpu", "metrics": {"test_loss": 0.5, "test_accuracy": 0.9}}


@needs_bubblewrap
def test_a_job_over_its_wall_clock_limit_ends_timed_out(sessions, settings):
    job_id = submit(sessions, script=epochs_script(epochs=1000, pause=1.0), timeout_seconds=5)
    started = time.monotonic()
    assert run_job(sessions, settings, job_id) == "timed_out"
    ended = time.monotonic() - started
    assert ended < 10
    assert "5 s wall-clock limit" in job_row(sessions, job_id).error
    print(f"5 s limit -> timed_out after {ended:.2f} s")


@needs_bubblewrap
def test_a_script_that_fails_says_why(sessions, settings):
    job_id = submit(sessions, script="print('starting')\nraise SystemExit('the data is bad')\n")
    assert run_job(sessions, settings, job_id) == "failed"
    error = job_row(sessions, job_id).error
    assert "status 1" in error and "the data is bad" in error


@needs_bubblewrap
def test_cancel_through_the_api_stops_a_running_job_within_five_seconds(
    sessions, settings, database_url
):
    job_id = submit(sessions, script=epochs_script(epochs=1000, pause=0.5))
    runner = threading.Thread(target=run_job, args=(sessions, settings, job_id))
    runner.start()
    wait_for(lambda: _epochs_stored(sessions, job_id), 60, "the first epoch")
    maintainer = new_maintainer(sessions, "Grace")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "RATELIMIT_DEFAULT": ""})
    try:
        asked = time.monotonic()
        response = app.test_client().delete(f"/api/v1/jobs/{job_id}", headers=maintainer)
        assert response.status_code == 202 and response.json["cancel_requested"] is True
        runner.join(timeout=5)
        stopped = time.monotonic() - asked
        assert not runner.is_alive() and stopped < 5
        print(f"cancel -> job ended after {stopped:.2f} s")
        shown = app.test_client().get(f"/api/v1/jobs/{job_id}", headers=maintainer)
        assert shown.json["status"] == "cancelled"
    finally:
        engine_of(app).dispose()


def _epochs_stored(sessions, job_id: str) -> int:
    with sessions() as session:
        return len(jobs.epochs(session, jobs.get(session, job_id)))


def _start_worker(database_url: str, tmp_path: Path, name: str) -> subprocess.Popen:
    kb = os.path.join(os.path.dirname(sys.executable), "kb")
    with open(tmp_path / f"{name}.log", "wb") as log:
        return subprocess.Popen(
            [kb, "--database-url", database_url, "worker"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )


@needs_bubblewrap
def test_a_killed_worker_s_job_is_run_again_by_another(sessions, settings, database_url, tmp_path):
    job_id = submit(sessions, script=epochs_script(epochs=6, pause=0.5))
    doomed = _start_worker(database_url, tmp_path, "doomed")
    survivor = None
    try:
        wait_for(lambda: _epochs_stored(sessions, job_id), 90, "the doomed worker's first epoch")
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        killed = time.monotonic()
        survivor = _start_worker(database_url, tmp_path, "survivor")
        wait_for(lambda: job_row(sessions, job_id).attempt == 2, 60, "the job's second attempt")
        recovered = time.monotonic() - killed
        wait_for(
            lambda: job_row(sessions, job_id).status != "running", 60, "the second attempt's end"
        )
    finally:
        for worker in (doomed, survivor):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
    row = job_row(sessions, job_id)
    assert row.status == "succeeded", row.error
    with sessions() as session:
        requeued = [e for e in jobs.events(session, job_id) if e.kind == "requeued"]
        assert len(jobs.epochs(session, row)) == 6
    assert "stopped responding" in requeued[0].data["message"]
    print(f"worker killed -> job running again after {recovered:.1f} s")


@needs_bubblewrap
def test_a_script_cannot_write_system_events_nor_the_job_s_own_figures(sessions, settings):
    forged = [
        {"event": "requeued", "kind": "worker_lost", "message": "worker w stopped responding"},
        {"event": "dropped", "count": 0, "message": "nothing was dropped"},
        {"event": "started", "device": "<script>alert('cuda:0 (NVIDIA H100)')</script>"},
        {"event": "result", "metrics": {"test_accuracy": 1.0}},
        {"event": "error", "kind": "worker_lost", "message": "worker w stopped responding"},
    ]
    script = "import json\n" + "".join(f"print(json.dumps({event!r}))\n" for event in forged)
    script += "print('not an event')\n"
    job_id = submit(sessions, script=script)
    assert run_job(sessions, settings, job_id) == "succeeded"
    row = job_row(sessions, job_id)
    with sessions() as session:
        stored = [(e.kind, e.origin) for e in jobs.events(session, job_id)]
    assert stored == [("started", "script"), ("result", "script"), ("error", "script")]
    assert (row.device, row.metrics, row.error) == (None, None, None)
    assert row.claims == {
        "device": "<script>alert('cuda:0 (NVIDIA H100)')</script>",
        "metrics": {"test_accuracy": 1.0},
    }
    assert '"event": "requeued"' in row.log and '"event": "dropped"' in row.log
    assert row.log.endswith("not an event\n")


@needs_bubblewrap
def test_events_that_cannot_be_stored_as_they_are_are_cleaned_or_logged(sessions, settings):
    script = r"""
import sys
lines = [
    '{"event": "started", "device": "gpu\\u0000\\ud800", "big": 1e999, "nan": NaN}',
    '{"event": "epoch", "deep": ' + "[" * 17 + "]" * 17 + "}",
    '{"event": "epoch", "deep": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"event": "epoch", "big": ' + "9" * 5000 + "}",
    '{"epoch": 1, "event": "epoch"}',
    '{"event": "result", "metrics": {"accuracy\\u0000": 0.5}}',
]
print("\n".join(lines))
sys.stderr.write("nul \x00 in the log\n")
"""
    job_id = submit(sessions, script=script)
    assert run_job(sessions, settings, job_id) == "succeeded"
    row = job_row(sessions, job_id)
    with sessions() as session:
        stored = [(e.kind, e.data) for e in jobs.events(session, job_id)]
    assert stored == [
        ("started", {"event": "started", "device": "gpu\ufffd\ufffd", "big": None, "nan": None}),
        ("result", {"event": "result", "metrics": {"accuracy\ufffd": 0.5}}),
    ]
    assert row.claims["device"] == "gpu\ufffd\ufffd"
    assert row.log.count('"deep": ') == 2 and '{"epoch": 1, "event": "epoch"}' in row.log
    assert "nul \ufffd in the log" in row.log and "\x00" not in row.log


@needs_bubblewrap
def test_a_runner_that_fails_fails_its_job_and_the_worker_goes_on(sessions, settings, monkeypatch):
    broken, fine = (submit(sessions, example="mnist_logreg", params=QUICK) for _ in range(2))

    def fails(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(job_run.isolation, "run", fails)
    assert run_job(sessions, settings, broken) == "failed"
    row = job_row(sessions, broken)
    assert row.status == "failed" and "No space left on device" in row.error
    monkeypatch.undo()
    assert run_job(sessions, settings, fine) == "succeeded"


@needs_bubblewrap
def test_a_million_event_lines_are_bounded_and_the_limit_holds(sessions, settings, tmp_path):
    script = """
import json, sys
line = json.dumps({"event": "epoch", "epoch": 1, "epochs": 1, "seconds": 0.0, "metrics": {}})
out = sys.stdout
for _ in range(1_000_000):
    out.write(line + "\\n")
"""
    job_id = submit(sessions, script=script, timeout_seconds=20)
    started = time.monotonic()
    status = run_job(sessions, settings, job_id)
    took = time.monotonic() - started
    row = job_row(sessions, job_id)
    with sessions() as session:
        stored = jobs.events(session, job_id, limit=100_000)
    print(f"1,000,000 event lines -> {status} after {took:.1f} s, {len(stored)} rows: {row.error}")
    assert status in ("failed", "succeeded") and took < 25
    assert len(stored) <= job_output.EVENT_BURST + job_output.EVENTS_PER_SECOND * took + 1
    assert stored[-1].kind == "dropped" and stored[-1].origin == "system"
    assert stored[-1].data["count"] > 900_000 or "printing more than" in row.error
    assert list((tmp_path / "sandbox").iterdir()) == [], "the work folder is gone"


@needs_bubblewrap
def test_a_job_s_log_keeps_the_tail_of_what_it_printed(sessions, settings):
    script = """
import sys
for number in range(20_000):
    print(f"line {number}")
print("to stderr", file=sys.stderr)
raise SystemExit(3)
"""
    job_id = submit(sessions, script=script)
    assert run_job(sessions, settings, job_id) == "failed"
    row = job_row(sessions, job_id)
    assert len(row.log) <= job_output.LOG_TAIL_CHARS
    assert "line 19999\n" in row.log and "line 0\n" not in row.log
    assert "to stderr" in row.log and "status 3" in row.error


def test_the_work_folders_of_ended_runs_are_swept(sessions, settings, tmp_path):
    running = submit(sessions, example="mnist_logreg", params=QUICK)
    ended = submit(sessions, example="mnist_logreg", params=QUICK)
    claim = jobs.Claim.of(sessions, running, "w")
    jobs.Claim.of(sessions, ended, "w").finish("failed", "lost", log=None)
    folders = settings.sandbox_dir
    for name in (f"{running}-1", f"{running}-0", f"{ended}-1", "feedfeedfeedfeed-1", "notes"):
        (folders / name).mkdir(parents=True)
    with sessions() as session:
        removed = work_folders.sweep(session, folders)
    assert sorted(removed) == sorted([f"{running}-0", f"{ended}-1", "feedfeedfeedfeed-1"])
    assert sorted(p.name for p in folders.iterdir()) == sorted([f"{running}-1", "notes"])
    assert claim.report([], "runner", {}, None) is False


def test_only_plain_files_and_folders_the_download_step_fetched_join_the_cache(tmp_path):
    fetched, cache, secret = tmp_path / "fetched", tmp_path / "cache", tmp_path / "secret"
    secret.write_text("host file")
    (fetched / "cifar-10-batches-py-target").mkdir(parents=True)
    (fetched / "cifar-10-batches-py-target" / "data_batch_1").write_bytes(b"\0")
    (fetched / "mnist.npz").write_bytes(b"\0")
    (fetched / "link.npz").symlink_to(secret)
    (fetched / "hiding").mkdir()
    (fetched / "hiding" / "inner").symlink_to(secret)
    job_run._keep_downloads(fetched, cache)
    assert sorted(p.name for p in cache.iterdir()) == ["cifar-10-batches-py-target", "mnist.npz"]
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "datasets").mkdir(parents=True)
    (elsewhere / "datasets" / "other.npz").write_bytes(b"\0")
    (tmp_path / "linked").symlink_to(elsewhere / "datasets")
    job_run._keep_downloads(tmp_path / "linked", cache)
    assert not (cache / "other.npz").exists(), "a linked folder is not followed"
