"""What one job may take of the sandbox: every learner's share of it, and the queue's cap.

A learner may have `active_jobs` queued or running at once, and spend `cpu_seconds` of CPU jobs
and `gpu_seconds` of GPU time (seconds times the share of a GPU the job asks for) in any 24
hours. A job counts its wall-clock limit while it waits or runs, and what it really took once it
has ended. The queue holds at most `queue_cap` jobs, queued or running, of everyone together.
All learners whose jobs come from one client address share `per_address` learners' quota
(learners are free to create, so this is what holds one caller with many tokens). Maintainers
and the operator have no quota, but the queue's cap holds them too, except for jobs
the operator runs on the spot (`kb sandbox run`).

`admit` is called in the transaction that adds the job, after `kb.db.serialize`, so that two
submissions at once cannot both take the last place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from kb.errors import Busy
from kb.identities import Identity
from kb.models import Job
from kb.settings import Quotas
from kb.values import ACTIVE_STATUSES

DAY = timedelta(hours=24)
QUEUE_FULL_RETRY_SECONDS = 30


def admit(
    session: Session,
    owner: Identity,
    *,
    timeout_seconds: float,
    gpu_share: float,
    quotas: Quotas,
    now: datetime,
    client_address: str | None = None,
) -> None:
    """Raise `Busy` (with when to try again) if the job would go past a quota or the cap."""
    waiting = session.scalar(
        select(func.count()).select_from(Job).where(Job.status.in_(ACTIVE_STATUSES))
    )
    if waiting >= quotas.queue_cap:
        raise Busy(
            f"the sandbox is full: {waiting} jobs are queued or running, the most it takes at "
            "once; try again later",
            retry_after=QUEUE_FULL_RETRY_SECONDS,
            status=503,
        )
    if owner.role != "learner":
        return
    asked = _Asked(timeout_seconds, gpu_share)
    _within(session, Job.learner_id == owner.id, asked, quotas, 1, "your jobs", now)
    if client_address is not None:
        # Learners are free to create: what one address may take stops one caller with many.
        of_address = (Job.client_address == client_address) & Job.learner_id.is_not(None)
        who = f"the jobs of all learners at your address ({client_address})"
        _within(session, of_address, asked, quotas, quotas.per_address, who, now)


@dataclass(frozen=True)
class _Asked:
    timeout_seconds: float
    gpu_share: float

    @property
    def gpu(self) -> bool:
        return self.gpu_share > 0

    @property
    def seconds(self) -> float:
        return self.timeout_seconds * (self.gpu_share if self.gpu else 1.0)


def _within(
    session: Session,
    whose: ColumnElement[bool],
    asked: _Asked,
    quotas: Quotas,
    learners: int,
    who: str,
    now: datetime,
) -> None:
    """Raise `Busy` if `whose` jobs with this one go past `learners` learners' quota."""
    recent = session.execute(
        select(Job.status, Job.created_at, Job.started_at, Job.finished_at)
        .add_columns(Job.timeout_seconds, Job.gpu_share)
        .where(whose, Job.created_at > now - DAY)
        .order_by(Job.created_at)
    ).all()
    active = [row for row in recent if row.status in ACTIVE_STATUSES]
    most = quotas.active_jobs * learners
    if len(active) >= most:
        soonest = min(_time_left(row, now) for row in active)
        raise Busy(
            f"{who}: {len(active)} queued or running, the most allowed at once ({most}): wait "
            "for one to end, or cancel one",
            retry_after=soonest,
        )
    budget = (quotas.gpu_seconds if asked.gpu else quotas.cpu_seconds) * learners
    spent = sum(_cost(row, now) for row in recent if (row.gpu_share > 0) == asked.gpu)
    if spent + asked.seconds > budget:
        what = "GPU" if asked.gpu else "CPU"
        oldest = min((row.created_at for row in recent), default=now)
        raise Busy(
            f"this job may take {asked.seconds:g} {what} seconds; {spent:g} of the {budget:g} "
            f"allowed in 24 hours are used or held by {who}: ask for a shorter "
            "timeout_seconds, or wait",
            retry_after=math.ceil((_aware(oldest, now) + DAY - now).total_seconds()),
        )


def _cost(row, now: datetime) -> float:
    """Seconds a job counts for: what it took once ended, its limit while it may still run."""
    share = row.gpu_share if row.gpu_share > 0 else 1.0
    if row.status in ACTIVE_STATUSES:
        return row.timeout_seconds * share
    if row.started_at is None or row.finished_at is None:
        return 0.0
    took = (_aware(row.finished_at, now) - _aware(row.started_at, now)).total_seconds()
    return max(took, 0.0) * share


def _time_left(row, now: datetime) -> int:
    if row.status == "running" and row.started_at is not None:
        ends = _aware(row.started_at, now) + timedelta(seconds=row.timeout_seconds)
        return math.ceil((ends - now).total_seconds())
    return math.ceil(row.timeout_seconds)


def _aware(moment: datetime, now: datetime) -> datetime:
    """SQLite gives back the stored UTC times without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)
