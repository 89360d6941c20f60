"""Sandbox jobs: run an example, follow its epochs, cancel it, plot its curves.

A job is queued in the database and run by the configured executor (`KB_SANDBOX_EXECUTOR`):
`local` worker processes (`kb worker`) or a Ray cluster. Reading a job also reaps it when its
runner stopped responding, so a job lost with its machine does not stay "running".
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Literal, NoReturn

from flask import Blueprint, current_app, request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from api import knowledge
from api.http import limiter, operation
from api.problems import ProblemError
from api.routes.examples import OriginalResult
from kb.models import Job
from training_sandbox import catalog, executors, jobs, plot
from training_sandbox.settings import Settings

bp = Blueprint("jobs", __name__)
logger = logging.getLogger(__name__)

Status = Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"]


class NewJob(BaseModel):
    example: str = Field(max_length=100, description="the name of an example (GET /examples)")
    params: dict[str, Any] = Field(
        default={}, description="the example's parameters; the rest keep the original's values"
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, description="wall-clock limit; default and longest: KB_SANDBOX_TIMEOUT"
    )


class Layer(BaseModel):
    name: str
    kind: str
    output_shape: list[int | None] = Field(description="null for the batch dimension")
    params: int
    percent: float = Field(description="its share of the model's parameters")


class Summary(BaseModel):
    """The model's data flow, input first."""

    layers: list[Layer]
    total_params: int
    text: str = Field(description="the same as a table, for a terminal")


class Epoch(BaseModel):
    epoch: int
    epochs: int
    seconds: float
    metrics: dict[str, float | None] = Field(
        description="loss, accuracy, val_loss, val_accuracy; null where a run diverged"
    )


class JobLinks(BaseModel):
    self: str
    events: str
    plot: str


class JobOut(BaseModel):
    id: str
    example: str | None = Field(description="null for a maintainer's own script")
    params: dict[str, Any] = Field(description="every parameter, defaults included")
    status: Status
    executor: Literal["local", "ray"]
    worker: str | None = Field(description="the process (and Ray node) running it")
    device: str | None = Field(description='"cpu" or the GPU, e.g. "cuda:0 (NVIDIA H100)"')
    attempt: int = Field(description="how many times it was started")
    cancel_requested: bool
    timeout_seconds: float
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None = Field(description="when its runner last reported")
    finished_at: datetime | None
    error: str | None = Field(description="why it failed or timed out")
    summary: Summary | None
    epochs: list[Epoch] = Field(description="the epochs of its latest attempt, in order")
    metrics: dict[str, float | None] | None = Field(description="final test_loss, test_accuracy")
    original: OriginalResult | None = Field(description="what the original example reported")
    links: JobLinks

    @classmethod
    def of(cls, job: Job, session: Session, root: str = "") -> JobOut:
        """The job as the API shows it; `root` is the path the API is mounted under."""
        base = f"{root}/api/v1/jobs/{job.id}"
        example = catalog.EXAMPLES.get(job.example or "")
        return cls(
            id=job.id,
            example=job.example,
            params=job.params,
            status=job.status,
            executor=job.executor,
            worker=job.worker,
            device=job.device,
            attempt=job.attempt,
            cancel_requested=job.cancel_requested,
            timeout_seconds=job.timeout_seconds,
            created_at=_utc(job.created_at),
            started_at=_utc(job.started_at),
            heartbeat_at=_utc(job.heartbeat_at),
            finished_at=_utc(job.finished_at),
            error=job.error,
            # A maintainer's script may report in its own shapes: those are left out here.
            summary=_valid(Summary, job.summary),
            epochs=[e for e in (_valid(Epoch, d) for d in jobs.epochs(session, job)) if e],
            metrics=job.metrics,
            original=OriginalResult.of(example.original) if example else None,
            links=JobLinks(self=base, events=f"{base}/events", plot=f"{base}/plot.png"),
        )


class Event(BaseModel):
    seq: int
    attempt: int
    event: str = Field(description="started, summary, epoch, result, error or requeued")
    data: dict[str, Any] = Field(description="the event as the job reported it")
    created_at: datetime


class Events(BaseModel):
    items: list[Event]
    next_after: int = Field(description="pass it as `after` to get only the events that follow")


class EventsQuery(BaseModel):
    after: int = Field(default=0, ge=0, description="only events with a greater seq")
    limit: int = Field(default=500, ge=1, le=1000)


@operation(
    bp,
    "POST",
    "/jobs",
    body=NewJob,
    response=JobOut,
    status=202,
    summary="Run an example",
    tags=["sandbox"],
)
@limiter.limit("30 per minute")
def create_job(body: NewJob):
    """Queues the job and hands it to the executor; follow it at its `Location`."""
    settings = Settings.from_environment()
    timeout = body.timeout_seconds or settings.timeout_seconds
    if timeout > settings.timeout_seconds:
        _invalid("timeout_seconds", f"at most {settings.timeout_seconds:g} s (KB_SANDBOX_TIMEOUT)")
    session = knowledge.session()
    try:
        job = jobs.submit(
            session,
            executor=settings.executor,
            timeout_seconds=timeout,
            example=body.example,
            params=body.params,
        )
    except catalog.UnknownExample as error:
        _invalid("example", str(error))
    except catalog.InvalidParams as error:
        _invalid(f"params.{error.param}", str(error))
    session.commit()
    database_url = current_app.config["DATABASE_URL"]
    try:
        executors.executor(job.executor, database_url, settings).submit(job.id)
    except Exception as error:  # the cluster is unreachable, or refused the task
        logger.exception("job %s could not be submitted to %s", job.id, job.executor)
        jobs.fail_queued(session, job, f"the {job.executor} executor refused it: {error}")
        session.commit()
        raise ProblemError(503, f"job {job.id} could not be started: {job.error}") from None
    return _out(job), 202, {"Location": f"{request.root_path}/api/v1/jobs/{job.id}"}


@operation(
    bp, "GET", "/jobs/<job_id>", response=JobOut, summary="A job and its progress", tags=["sandbox"]
)
def get_job(job_id: str) -> JobOut:
    session = knowledge.session()
    job = jobs.get(session, job_id)
    if job.status == "running":
        settings = Settings.from_environment()
        executors.reap(session, current_app.config["DATABASE_URL"], settings, job_ids=[job.id])
    return _out(job)


@operation(
    bp,
    "GET",
    "/jobs/<job_id>/events",
    query=EventsQuery,
    response=Events,
    summary="A job's events, in order",
    tags=["sandbox"],
)
def job_events(job_id: str, query: EventsQuery) -> Events:
    session = knowledge.session()
    jobs.get(session, job_id)
    rows = jobs.events(session, job_id, after=query.after, limit=query.limit)
    return Events(
        items=[
            Event(
                seq=r.seq,
                attempt=r.attempt,
                event=r.kind,
                data=r.data,
                created_at=_utc(r.created_at),
            )
            for r in rows
        ],
        next_after=rows[-1].seq if rows else query.after,
    )


@operation(
    bp,
    "DELETE",
    "/jobs/<job_id>",
    response=JobOut,
    status=202,
    summary="Cancel a job",
    tags=["sandbox"],
)
def cancel_job(job_id: str):
    """A queued job is cancelled at once; a running one is stopped by its runner within a few
    seconds. A job that has ended is a 409."""
    session = knowledge.session()
    job = jobs.get(session, job_id)
    try:
        jobs.request_cancel(session, job)
    except jobs.JobFinished as error:
        raise ProblemError(409, str(error)) from None
    session.commit()
    return _out(job), 202


@operation(
    bp,
    "GET",
    "/jobs/<job_id>/plot.png",
    media_type="image/png",
    summary="A job's loss and accuracy per epoch",
    tags=["sandbox"],
)
def job_plot(job_id: str) -> bytes:
    session = knowledge.session()
    job = jobs.get(session, job_id)
    title = f"{job.example or 'script'}, job {job.id} ({job.status})"
    return plot.training_curves(title, jobs.epochs(session, job))


def _out(job: Job) -> JobOut:
    return JobOut.of(job, knowledge.session(), request.root_path)


def _invalid(field: str, message: str) -> NoReturn:
    raise ProblemError(
        422,
        f"invalid body: {field}: {message}",
        errors=[{"location": "body", "field": field, "message": message}],
    )


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back the stored UTC times without their zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _valid(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data) if data is not None else None
    except ValidationError:
        return None
