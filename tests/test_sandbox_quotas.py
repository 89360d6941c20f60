"""Learners' quotas and the queue's cap, through the real API on both databases, under bursts
of concurrent submissions (the address rate limit is off here: these are the quotas' own)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from kb.models import Job
from tests.sandbox_helpers import new_learner, new_maintainer, use_sandbox_env
from training_sandbox import jobs

V1 = "/api/v1"
JOB = {"example": "mnist_logreg", "params": {"dataset": "digits", "epochs": 1}}


@pytest.fixture
def app_database_url(database_url) -> str:
    """conftest's `app` on a fresh database: the one `sessions` writes to."""
    return database_url


@pytest.fixture
def app_config(tmp_path, monkeypatch) -> dict:
    use_sandbox_env(tmp_path, monkeypatch)
    monkeypatch.setenv("KB_SANDBOX_QUEUE_CAP", "30")
    return {"TESTING": True, "RATELIMIT_ENABLED": False}


def burst(
    app, headers: list[dict[str, str]], each: int, body=JOB, *, one_address: bool = False
) -> Counter:
    """`each` submissions per identity, all identities at once, each from its own thread and,
    unless `one_address`, its own address."""
    answers: Counter = Counter()
    start = threading.Barrier(len(headers))

    def submit(number: int, header: dict[str, str]) -> None:
        address = "192.0.2.1" if one_address else f"192.0.2.{number + 1}"
        client = app.test_client()
        start.wait()
        for _ in range(each):
            response = client.post(
                f"{V1}/jobs", json=body, headers=header, environ_base={"REMOTE_ADDR": address}
            )
            answers[response.status_code] += 1
            if response.status_code in (429, 503):
                assert int(response.headers["Retry-After"]) >= 1
                assert response.mimetype == "application/problem+json"

    threads = [threading.Thread(target=submit, args=pair) for pair in enumerate(headers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def active(sessions) -> Counter:
    with sessions() as session:
        rows = session.query(Job.learner_id).filter(Job.status.in_(("queued", "running")))
        return Counter(learner for (learner,) in rows)


def test_a_burst_of_1000_by_one_learner_stays_within_their_quota(app, sessions):
    learner, headers = new_learner(sessions, "Ada")
    answers = burst(app, [headers] * 4, each=250)
    print(f"one learner, 1000 submissions at once: {dict(answers)}")
    assert answers == {202: 2, 429: 998}
    assert active(sessions) == {learner: 2}


def test_twenty_learners_at_once_stay_within_the_queue_cap(app, sessions):
    learners = [new_learner(sessions, f"learner {n}") for n in range(20)]
    answers = burst(app, [headers for _, headers in learners], each=50)
    queued = active(sessions)
    print(
        f"20 learners, 50 submissions each at once: {dict(answers)}; queued {sum(queued.values())}"
    )
    assert answers[202] == 30 and sum(queued.values()) == 30
    assert max(queued.values()) <= 2
    assert answers[202] + answers[429] + answers[503] == 1000 and answers[503] > 0
    grace = new_maintainer(sessions, "Grace")
    full = app.test_client().post(f"{V1}/jobs", json=JOB, headers=grace)
    assert full.status_code == 503 and "full" in full.json["detail"], "the cap holds maintainers"


def test_learners_at_one_address_share_a_few_learners_quota(app, sessions):
    learners = [new_learner(sessions, f"token {n}") for n in range(20)]
    answers = burst(app, [headers for _, headers in learners], each=10, one_address=True)
    queued = active(sessions)
    print(f"20 learners at one address, 10 submissions each at once: {dict(answers)}")
    assert answers == {202: 8, 429: 192}, "4 learners' quota (KB_QUOTA_PER_ADDRESS) of 2 jobs"
    assert sum(queued.values()) == 8 and max(queued.values()) <= 2
    _, elsewhere = new_learner(sessions, "elsewhere")
    other = app.test_client().post(
        f"{V1}/jobs", json=JOB, headers=elsewhere, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert other.status_code == 202, "another address is not held by this one"
    _, newcomer = new_learner(sessions, "one more token")
    refused = app.test_client().post(
        f"{V1}/jobs", json=JOB, headers=newcomer, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    )
    assert "all learners at your address (192.0.2.1)" in refused.json["detail"]


def test_a_day_s_cpu_seconds_count_limits_while_queued_and_time_taken_once_ended(
    make_app, sessions, monkeypatch
):
    monkeypatch.setenv("KB_QUOTA_CPU_SECONDS", "100")  # read as the app is made
    learner, headers = new_learner(sessions, "Ada")
    client = make_app().test_client()
    first = client.post(f"{V1}/jobs", json={**JOB, "timeout_seconds": 60}, headers=headers)
    assert first.status_code == 202
    second = client.post(f"{V1}/jobs", json={**JOB, "timeout_seconds": 60}, headers=headers)
    assert second.status_code == 429
    assert "60 CPU seconds; 60 of the 100" in second.json["detail"]
    assert 86_000 < int(second.headers["Retry-After"]) <= 86_400
    # The first took 10 s of its 60: 90 are left.
    with sessions() as session, session.begin():
        started = jobs.now() - timedelta(seconds=10)
        session.execute(
            update(Job)
            .where(Job.id == first.json["id"])
            .values(status="succeeded", started_at=started, finished_at=jobs.now())
        )
    third = client.post(f"{V1}/jobs", json={**JOB, "timeout_seconds": 85}, headers=headers)
    assert third.status_code == 202, third.json
    fourth = client.post(f"{V1}/jobs", json={**JOB, "timeout_seconds": 10}, headers=headers)
    assert fourth.status_code == 429
    assert active(sessions) == {learner: 1}
