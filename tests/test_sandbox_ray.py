"""The Ray executor on a real local Ray instance: a job runs as a Ray task, reports its events
into the database itself, and trains exactly as it does under the local executor."""

from __future__ import annotations

import os

import pytest

from kb import settings
from tests.sandbox_helpers import job_row, submit, wait_for
from training_sandbox import executors, jobs
from training_sandbox.job_run import JobRunner

ray = pytest.importorskip("ray")

SAME_RUN = {"dataset": "digits", "epochs": 2, "train_limit": 400, "seed": 7}


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):
    """A local Ray of 2 CPUs. Its workers take the environment as it is now, so the sandbox's
    folder is set first."""
    saved = os.environ.get("KB_SANDBOX_DIR")
    os.environ["KB_SANDBOX_DIR"] = str(tmp_path_factory.mktemp("ray-sandbox"))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield settings.read().sandbox
    finally:
        ray.shutdown()
        if saved is None:
            del os.environ["KB_SANDBOX_DIR"]
        else:
            os.environ["KB_SANDBOX_DIR"] = saved


def test_a_job_gives_the_same_result_on_ray_as_locally(ray_cluster, sessions, database_url):
    local = submit(sessions, example="mnist_logreg", params=SAME_RUN)
    claim = jobs.Claim.of(sessions, local, "local-test")
    assert JobRunner(claim, ray_cluster).run() == "succeeded"

    remote = submit(sessions, example="mnist_logreg", params=SAME_RUN, executor="ray")
    executor = executors.executor("ray", database_url, ray_cluster)
    assert executor.name == "ray"
    executor.submit(remote)
    wait_for(lambda: job_row(sessions, remote).status not in ("queued", "running"), 180, "the end")

    on_ray, here = job_row(sessions, remote), job_row(sessions, local)
    assert on_ray.status == "succeeded", on_ray.error
    assert on_ray.executor == "ray" and "ray node" in on_ray.worker
    assert on_ray.device == "cpu"  # the cluster has no GPU, so the task asked for none
    assert on_ray.metrics["test_accuracy"] == here.metrics["test_accuracy"]
    with sessions() as session:
        assert [e["epoch"] for e in jobs.epochs(session, on_ray)] == [1, 2]
        assert (
            jobs.epochs(session, on_ray)[-1]["metrics"] == jobs.epochs(session, here)[-1]["metrics"]
        )


def test_a_job_submitted_twice_runs_once(ray_cluster, sessions, database_url):
    job_id = submit(sessions, example="mnist_logreg", params=SAME_RUN, executor="ray")
    executor = executors.executor("ray", database_url, ray_cluster)
    executor.submit(job_id)
    executor.submit(job_id)
    wait_for(lambda: job_row(sessions, job_id).status == "succeeded", 180, "the end")
    assert job_row(sessions, job_id).attempt == 1


def test_gpu_requests_follow_the_cluster(ray_cluster):
    from training_sandbox.executors.ray import gpus_for

    assert ray.cluster_resources().get("GPU", 0) == 0
    assert gpus_for("mnist_cnn") == 0
