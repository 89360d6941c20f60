"""Where jobs run: `local` (worker processes on this machine, `kb worker`) or `ray` (a Ray
cluster, `KB_RAY_ADDRESS`). Both run a job with the same code, `job_run.JobRunner`, which writes
its events straight into the database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kb.settings import SandboxSettings
from training_sandbox import jobs
from training_sandbox.executors.base import Executor

__all__ = ["Executor", "executor", "reap"]


def executor(name: str, database_url: str, settings: SandboxSettings) -> Executor:
    if name == "local":
        from training_sandbox.executors.local import LocalExecutor

        return LocalExecutor(database_url, settings)
    if name == "ray":  # imported only when used: importing Ray takes seconds
        from training_sandbox.executors.ray import RayExecutor

        return RayExecutor(database_url, settings)
    raise ValueError(f"unknown executor {name!r}; known: local, ray")


def reap(
    session: Session, database_url: str, settings: SandboxSettings, job_ids: list[str] | None = None
) -> None:
    """Reap the stale running jobs (see `jobs.reap_stale`), commit, and start again those queued
    again through their executor."""
    requeued = jobs.reap_stale(session, settings.stale_seconds, job_ids=job_ids)
    session.commit()
    for job in requeued:
        executor(job.executor, database_url, settings).submit(job.id)
