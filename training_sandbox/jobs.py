"""Sandbox jobs in the database: submit, claim, report, finish, cancel, and reap the abandoned.

A job is claimed by one runner at a time, atomically, with one UPDATE whose first act is to take
the write lock: on PostgreSQL the candidate row is picked with ``FOR UPDATE SKIP LOCKED`` (racing
workers take different jobs), on SQLite the statement holds the database's write lock from its
start (racing workers wait for each other and the loser finds the job no longer queued). Each
claim increments ``attempt``; every later write of the runner is fenced by it (``WHERE attempt =
mine AND status = 'running'``), so a runner whose job was reaped or cancelled can no longer touch
it.

The functions taking a `Session` neither commit nor close it (the caller owns the unit of work);
a `Claim`'s methods each commit a short transaction of their own, so that progress is visible at
once.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from kb import db
from kb.errors import Conflict, NotFoundError
from kb.identities import Identity
from kb.models import Job, JobEvent
from kb.values import FINISHED_STATUSES
from training_sandbox.inside import catalog

MAX_ATTEMPTS = 2  # a job whose runner stopped responding is run once more, then failed


class JobNotFound(NotFoundError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id!r}")


class JobFinished(Conflict):
    """The job has already ended, so it cannot be cancelled."""


class JobLost(RuntimeError):
    """The job no longer belongs to this claim: it was reaped, or ended by someone else."""


def make_engine(url: str) -> Engine:
    """An engine for job runners and workers, which write often and concurrently."""
    return db.make_engine(url, shared=True)


def now() -> datetime:
    return datetime.now(UTC)


def worker_name(role: str = "") -> str:
    """This process, as a job's `worker`: host and pid, and what it is when not `kb worker`."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name} ({role})" if role else name


def submit(
    session: Session,
    *,
    executor: str,
    timeout_seconds: float,
    example: str | None = None,
    params: Mapping[str, object] | None = None,
    script: str | None = None,
    owner: Identity | None = None,
    gpu_share: float = 0.0,
    client_address: str | None = None,
) -> Job:
    """A new queued job. An example's parameters are validated and completed with the defaults
    (`catalog.UnknownExample`, `catalog.InvalidParams`); a script takes no parameters. A job
    started through the API is owned by a learner or a maintainer."""
    if (example is None) == (script is None):
        raise ValueError("a job runs either an example or a script")
    full = catalog.get(example).validate(params or {}) if example is not None else {}
    owner_role = owner.role if owner else None
    job = Job(
        id=secrets.token_hex(8),
        example=example,
        script=script,
        params=full,
        status="queued",
        executor=executor,
        timeout_seconds=timeout_seconds,
        attempt=0,
        cancel_requested=False,
        created_at=now(),
        learner_id=owner.id if owner_role == "learner" else None,
        maintainer_id=owner.id if owner_role == "maintainer" else None,
        gpu_share=gpu_share,
        client_address=client_address,
    )
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


def events(session: Session, job_id: str, *, after: int = 0, limit: int = 1000) -> list[JobEvent]:
    """The job's events with a sequence number above `after`, in order."""
    query = (
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after)
        .order_by(JobEvent.seq)
        .limit(limit)
    )
    return list(session.scalars(query))


def epochs(session: Session, job: Job) -> list[dict[str, Any]]:
    """The epoch events of the job's latest attempt, in order."""
    query = (
        select(JobEvent.data)
        .where(JobEvent.job_id == job.id, JobEvent.attempt == job.attempt, JobEvent.kind == "epoch")
        .order_by(JobEvent.seq)
    )
    return list(session.scalars(query))


def request_cancel(session: Session, job: Job) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop (its runner kills it
    within a second of noticing). Cancelling a cancelled job changes nothing."""
    if job.status == "queued":
        _end(session, job, "cancelled", None)
    elif job.status == "running":
        job.cancel_requested = True
    elif job.status != "cancelled":
        raise JobFinished(f"job {job.id} has already ended: {job.status}")
    session.flush()
    return job


def fail_queued(session: Session, job: Job, error: str) -> None:
    """End a job that could not be handed to its executor."""
    _end(session, job, "failed", error)
    session.flush()


def reap_stale(
    session: Session, stale_seconds: float, *, job_ids: list[str] | None = None
) -> list[Job]:
    """Running jobs whose runner has not reported for `stale_seconds`: queued again when they
    have attempts left, failed otherwise. Returns the jobs queued again, for their executor to
    start. A concurrent reaper or a runner that just reported makes the update a no-op."""
    cutoff = now() - timedelta(seconds=stale_seconds)
    query = select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff)
    if job_ids is not None:
        query = query.where(Job.id.in_(job_ids))
    requeued = []
    for job in session.scalars(query).all():
        reason = f"worker {job.worker} stopped responding"
        again = job.attempt < MAX_ATTEMPTS
        values: dict[str, Any] = (
            {"status": "queued", "worker": None, "heartbeat_at": None}
            if again
            else {"status": "failed", "error": reason, "finished_at": now()}
        )
        changed = session.execute(
            update(Job)
            .where(
                Job.id == job.id,
                Job.attempt == job.attempt,
                Job.status == "running",
                Job.heartbeat_at < cutoff,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            continue
        note = {"event": "requeued" if again else "error", "kind": "worker_lost", "message": reason}
        _add_events(session, job.id, job.attempt, [note], "system")
        session.refresh(job)
        if again:
            requeued.append(job)
    session.flush()
    return requeued


def _end(session: Session, job: Job, status: str, error: str | None) -> None:
    job.status, job.error, job.finished_at = status, error, now()


def _add_events(
    session: Session, job_id: str, attempt: int, events: list[Mapping[str, Any]], origin: str
) -> None:
    """Append the events, numbered after the job's last one, in one statement."""
    if not events:
        return
    last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id)) or 0
    stored = now()
    rows = [
        {
            "job_id": job_id,
            "seq": last + number,
            "attempt": attempt,
            "kind": str(data["event"])[:20],
            "origin": origin,
            "data": dict(data),
            "created_at": stored,
        }
        for number, data in enumerate(events, 1)
    ]
    session.execute(insert(JobEvent), rows)


@dataclass(frozen=True)
class ClaimedJob:
    """What a runner needs of a job it claimed."""

    id: str
    attempt: int
    example: str | None
    script: str | None
    params: dict[str, Any]
    timeout_seconds: float
    executor: str


class Claim:
    """A runner's hold on one running job; every write is fenced by the claim's attempt."""

    def __init__(self, sessions: sessionmaker[Session], job: ClaimedJob, worker: str) -> None:
        self.sessions, self.job, self.worker = sessions, job, worker

    @classmethod
    def next(
        cls, sessions: sessionmaker[Session], worker: str, executor: str = "local"
    ) -> Claim | None:
        """Claim the oldest queued job of `executor`; None when there is none."""
        oldest = (
            select(Job.id)
            .where(Job.status == "queued", Job.executor == executor)
            .order_by(Job.created_at, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks
            .scalar_subquery()
        )
        return cls._claim(sessions, worker, Job.id == oldest)

    @classmethod
    def of(cls, sessions: sessionmaker[Session], job_id: str, worker: str) -> Claim | None:
        """Claim this job; None when it is not queued (another runner has it, or it ended)."""
        return cls._claim(sessions, worker, Job.id == job_id)

    @classmethod
    def _claim(cls, sessions: sessionmaker[Session], worker: str, which) -> Claim | None:
        started = now()
        with sessions() as session, session.begin():
            claimed = session.execute(
                update(Job)
                .where(which, Job.status == "queued")
                .values(
                    status="running",
                    worker=worker,
                    attempt=Job.attempt + 1,
                    started_at=started,
                    heartbeat_at=started,
                )
                .returning(
                    Job.id,
                    Job.attempt,
                    Job.example,
                    Job.script,
                    Job.params,
                    Job.timeout_seconds,
                    Job.executor,
                )
            ).one_or_none()
        if claimed is None:
            return None
        return cls(sessions, ClaimedJob(*claimed), worker)

    def _fenced(self, session: Session, **values: Any) -> bool:
        """Update the job row, if it is still this claim's, in the caller's transaction; says
        whether a cancel was requested."""
        cancel_requested = session.execute(
            update(Job)
            .where(Job.id == self.job.id, Job.attempt == self.job.attempt, Job.status == "running")
            .values(**{"heartbeat_at": now(), **values})
            .returning(Job.cancel_requested)
        ).scalar_one_or_none()
        if cancel_requested is None:
            raise JobLost(f"job {self.job.id} is no longer run by {self.worker}")
        return cancel_requested

    def report(
        self,
        events: list[Mapping[str, Any]],
        origin: str,
        values: Mapping[str, Any],
        log: str | None,
    ) -> bool:
        """Store what the job printed since the last report, in one transaction: its events,
        the values they set on the job row (a script's `claims` are merged into what it claimed
        before), and its log's tail when it changed. Says whether a cancel was requested."""
        job_values = dict(values)
        if log is not None:
            job_values["log"] = log
        with self.sessions() as session, session.begin():
            if "claims" in job_values:
                before = session.scalar(select(Job.claims).where(Job.id == self.job.id))
                job_values["claims"] = {**(before or {}), **job_values["claims"]}
            cancel_requested = self._fenced(session, **job_values)
            _add_events(session, self.job.id, self.job.attempt, events, origin)
        return cancel_requested

    def note(self, data: Mapping[str, Any]) -> None:
        """Store a note of the host side about this run (a `system` event)."""
        with self.sessions() as session, session.begin():
            self._fenced(session)
            _add_events(session, self.job.id, self.job.attempt, [data], "system")

    def set_worker(self, worker: str) -> None:
        with self.sessions() as session, session.begin():
            self._fenced(session, worker=worker)
        self.worker = worker

    def finish(self, status: str, error: str | None, *, log: str | None) -> None:
        assert status in FINISHED_STATUSES
        values: dict[str, Any] = {"status": status, "error": error, "finished_at": now()}
        if log is not None:
            values["log"] = log
        with self.sessions() as session, session.begin():
            self._fenced(session, **values)

    def give_back(self, reason: str) -> None:
        """Queue the job again, for another runner (this one is shutting down); the interrupted
        run counts as one of its attempts."""
        with self.sessions() as session, session.begin():
            self._fenced(session, status="queued", worker=None, heartbeat_at=None)
            note = {"event": "requeued", "message": reason}
            _add_events(session, self.job.id, self.job.attempt, [note], "system")
