"""Sandbox jobs: start one, see one (reaping it when its runner went silent), list them, cancel
one.

Each takes the caller's session and identity (`kb.identities`). A learner sees and cancels only
their own jobs, within their quotas (`quotas`); maintainers and the operator see all of them,
and only they may run their own scripts. Methods that change something commit it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.services import examples
from kb import db
from kb.errors import Busy, InputError, NotAllowed
from kb.identities import Identity
from kb.models import Job, JobEvent
from kb.settings import SandboxSettings
from training_sandbox import executors, jobs, quotas

QUEUE_LOCK = "sandbox queue"


class JobService:
    def __init__(self, session: Session, settings: SandboxSettings, database_url: str) -> None:
        self.session, self.settings, self.database_url = session, settings, database_url

    def start(
        self,
        owner: Identity,
        *,
        example: str | None = None,
        params: Mapping[str, object] | None = None,
        script: str | None = None,
        timeout_seconds: float | None = None,
        client_address: str | None = None,
        hand_off: bool = True,
    ) -> Job:
        """Queue a job of `example` (its `params` validated) or of `script`, within the owner's
        quotas (and those of the `client_address` it comes from) and the queue's cap, and hand
        it to the configured executor. `hand_off=False`: the caller runs it itself, at once
        (`kb sandbox run`), outside the queue's cap."""
        if script is not None and not owner.curates:
            raise NotAllowed("only maintainers may run their own scripts")
        limit = self.settings.timeout_seconds
        timeout = timeout_seconds or limit
        if timeout > limit:
            message = f"at most {limit:g} s (KB_SANDBOX_TIMEOUT)"
            raise InputError("timeout_seconds", message, location="body")
        executor = executors.executor(self.settings.executor, self.database_url, self.settings)
        # before any quota: a wrong parameter is said first
        full = examples.validated(example, params or {}) if example is not None else None
        share = executor.gpu_share(example)
        db.serialize(self.session, QUEUE_LOCK)
        if hand_off:
            quotas.admit(
                self.session,
                owner,
                timeout_seconds=timeout,
                gpu_share=share,
                quotas=self.settings.quotas,
                now=jobs.now(),
                client_address=client_address,
            )
        job = jobs.submit(
            self.session,
            executor=executor.name,
            timeout_seconds=timeout,
            example=example,
            params=full,
            script=script,
            owner=owner if owner.role != "operator" else None,
            gpu_share=share,
            client_address=client_address,
        )
        self.session.commit()
        if hand_off:
            self._hand_off(executor, job)
        return job

    def get(self, viewer: Identity, job_id: str) -> Job:
        """The job, once its runner is known to be alive (a silent one is reaped first)."""
        job = self._visible(viewer, job_id)
        if job.status == "running":
            executors.reap(self.session, self.database_url, self.settings, job_ids=[job.id])
        return job

    def listing(self, viewer: Identity, *, status: str | None, limit: int, before: str | None):
        """The jobs the viewer may see, newest first: `limit` of them, after the job `before`
        (a cursor: the last id of the previous page)."""
        query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
        if not viewer.curates:
            query = query.where(Job.learner_id == viewer.id)
        if status is not None:
            query = query.where(Job.status == status)
        if before is not None:
            last = self.session.get(Job, before)
            if last is None:
                raise InputError("cursor", "not a job this API listed", location="query")
            query = query.where(
                (Job.created_at < last.created_at)
                | ((Job.created_at == last.created_at) & (Job.id < last.id))
            )
        return list(self.session.scalars(query))

    def events(self, viewer: Identity, job_id: str, *, after: int, limit: int) -> list[JobEvent]:
        """The job's events numbered after `after`, in order, at most `limit` of them."""
        self.get(viewer, job_id)
        return jobs.events(self.session, job_id, after=after, limit=limit)

    def epochs(self, job: Job) -> list[dict]:
        """What the job's latest attempt reported of each epoch, in order."""
        return jobs.epochs(self.session, job)

    def cancel(self, viewer: Identity, job_id: str) -> Job:
        """A queued job is cancelled at once; a running one is stopped by its runner within a
        few seconds; an ended one is a `jobs.JobFinished`."""
        job = self._visible(viewer, job_id)
        jobs.request_cancel(self.session, job)
        self.session.commit()
        return job

    def _visible(self, viewer: Identity, job_id: str) -> Job:
        job = jobs.get(self.session, job_id)
        if not viewer.curates and job.learner_id != viewer.id:
            raise NotAllowed(f"job {job_id} is another learner's")
        return job

    def _hand_off(self, executor: executors.Executor, job: Job) -> None:
        try:
            executor.submit(job.id)
        except Exception as error:  # the cluster is unreachable, or refused the task
            jobs.fail_queued(self.session, job, f"the {job.executor} executor refused it: {error}")
            self.session.commit()
            raise Busy(
                f"job {job.id} could not be started: {job.error}", retry_after=60, status=503
            ) from error
