"""The Ray executor: each job is a Ray task on an existing cluster (`KB_RAY_ADDRESS`).

A task asks for the share of a GPU its example needs (`Example.gpu_fraction`; a whole one for a
maintainer's script) when the cluster has GPUs, and for none otherwise, so that it runs on CPU.
On its node, the task claims the job and runs it with `job_run.JobRunner`, which writes the
events straight into the database whose URL travels with the task; the job's `worker` names the
node. Tasks are submitted through a detached actor that owns them, so that they outlive the
process that asked for them (a web server's worker, a command that was interrupted).
"""

from __future__ import annotations

import threading

import ray

from kb import db
from kb import settings as kb_settings
from training_sandbox import jobs
from training_sandbox.executors.base import Executor
from training_sandbox.inside import catalog
from training_sandbox.job_run import JobRunner

NAMESPACE = "kb-sandbox"
DISPATCHER = "kb-sandbox-dispatcher"
SCRIPT_GPU_FRACTION = 1.0
_connecting = threading.Lock()


class RayExecutor(Executor):
    name = "ray"

    def gpu_share(self, example: str | None) -> float:
        connect(self.settings.ray_address)
        return gpus_for(example)

    def submit(self, job_id: str) -> None:
        connect(self.settings.ray_address)
        engine = db.make_engine(self.database_url)
        try:
            with db.session_factory(engine)() as session:
                share = jobs.get(session, job_id).gpu_share
        finally:
            engine.dispose()
        _dispatcher().submit.remote(self.database_url, job_id, share)


def connect(address: str | None) -> None:
    """Join the cluster at `address` (None: the one `ray start` runs on this machine, or a new
    local one), once per process."""
    with _connecting:
        if not ray.is_initialized():
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)


def gpus_for(example: str | None) -> float:
    """The GPUs a job asks Ray for: its example's share where the cluster has any, else none."""
    if ray.cluster_resources().get("GPU", 0) <= 0:
        return 0
    return catalog.get(example).gpu_fraction if example is not None else SCRIPT_GPU_FRACTION


def _dispatcher() -> ray.actor.ActorHandle:
    return _Dispatcher.options(
        name=DISPATCHER, namespace=NAMESPACE, lifetime="detached", get_if_exists=True
    ).remote()


@ray.remote(num_cpus=0)
class _Dispatcher:
    """Owns the job tasks. A task runs to its end even when nobody holds its result."""

    def submit(self, database_url: str, job_id: str, gpus: float) -> None:
        _run_job.options(num_gpus=gpus).remote(database_url, job_id)


@ray.remote(num_cpus=1, max_retries=0)  # a job lost with its node is reaped, not retried here
def _run_job(database_url: str, job_id: str) -> str:
    node = ray.get_runtime_context().get_node_id()
    engine = jobs.make_engine(database_url)
    try:
        sessions = db.session_factory(engine)
        claim = jobs.Claim.of(sessions, job_id, jobs.worker_name(f"ray node {node[:12]}"))
        if claim is None:
            return "not queued"
        return JobRunner(claim, kb_settings.read().sandbox).run()
    finally:
        engine.dispose()
