"""Sandbox jobs: run an example (or, for a maintainer, a script), follow its epochs and log,
cancel it, plot its curves.

Every operation needs a learner's token or a maintainer's key: a learner sees and cancels only
their own jobs, within their quotas. The use cases are `training_sandbox.service.JobService`'s;
a job is run by the configured executor (`KB_SANDBOX_EXECUTOR`), and reading a running job
reaps it when its runner stopped responding.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from flask import Blueprint, current_app, request
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from api import knowledge
from api.auth import required
from api.http import Cursor, encode_cursor, limiter, operation
from api.routes.examples import OriginalResult
from kb.models import EVENT_ORIGINS, JOB_EXECUTORS, JOB_STATUSES, Job
from training_sandbox import jobs, plot
from training_sandbox.inside import catalog
from training_sandbox.service import JobService
from training_sandbox.settings import Settings

bp = Blueprint("jobs", __name__)

Status = Literal[JOB_STATUSES]
STARTERS = ("learner", "maintainer")  # who may start, see, list and cancel jobs
SCRIPT_CHARS = 60_000
PLOTS_KEPT = 64  # drawn plots a process keeps, by job state
CLAIMED_EPOCHS_SHOWN = 100  # of a script's, in a job's record


class NewJob(BaseModel):
    example: str | None = Field(
        default=None, max_length=100, description="the name of an example (GET /examples)"
    )
    params: dict[str, Any] = Field(
        default={}, description="the example's parameters; the rest keep the original's values"
    )
    script: str | None = Field(
        default=None,
        max_length=SCRIPT_CHARS,
        description="maintainers only, instead of an example: a Python script, run isolated",
    )
    timeout_seconds: float | None = Field(
        default=None, gt=0, description="wall-clock limit; default and longest: KB_SANDBOX_TIMEOUT"
    )

    @model_validator(mode="after")
    def _one_of_example_or_script(self) -> NewJob:
        if (self.example is None) == (self.script is None):
            raise ValueError("give either an example or a script")
        if self.script is not None and self.params:
            raise ValueError("params apply to an example, not to a script")
        return self


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


# What a job reports is bounded here too: an event outside these bounds is not an epoch.
Figure = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Epoch(BaseModel):
    epoch: Count
    epochs: Count
    seconds: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e9)]
    metrics: dict[str, Figure | None] = Field(
        description="loss, accuracy, val_loss, val_accuracy; null where a run diverged",
        max_length=32,
    )


class Claims(BaseModel):
    """What a custom script reported of itself: its own words, not checked by the sandbox."""

    device: str | None
    summary: dict[str, Any] | None
    epochs: list[Epoch] = Field(
        description=f"its last {CLAIMED_EPOCHS_SHOWN} epoch events that fit the protocol"
    )
    metrics: dict[str, Any] | None


class JobLinks(BaseModel):
    self: str
    events: str
    log: str
    plot: str


class JobOut(BaseModel):
    id: str
    example: str | None = Field(description="null for a maintainer's own script")
    params: dict[str, Any] = Field(description="every parameter, defaults included")
    status: Status
    executor: Literal[JOB_EXECUTORS]
    owner: Literal["learner", "maintainer", "operator"] = Field(
        description="who started it: a learner, a maintainer, or the server's command line"
    )
    worker: str | None = Field(description="the process (and Ray node) running it")
    device: str | None = Field(description='"cpu" or the GPU, e.g. "cuda:0 (NVIDIA H100)"')
    gpu_share: float = Field(description="the share of a GPU it asks its executor for")
    attempt: int = Field(description="how many times it was started")
    cancel_requested: bool
    timeout_seconds: float
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None = Field(description="when its runner last reported")
    finished_at: datetime | None
    error: str | None = Field(description="why it failed or timed out")
    summary: Summary | None = Field(description="the catalog example's model, as its runner saw it")
    epochs: list[Epoch] = Field(description="the example's epochs of its latest attempt, in order")
    metrics: dict[str, float | None] | None = Field(
        description="the example's final test_loss and test_accuracy"
    )
    claims: Claims | None = Field(description="a script's own report; null for an example")
    original: OriginalResult | None = Field(description="what the original example reported")
    links: JobLinks

    @classmethod
    def of(cls, job: Job, session: Session, root: str = "") -> JobOut:
        """The job as the API shows it; `root` is the path the API is mounted under."""
        base = f"{root}/api/v1/jobs/{job.id}"
        example = catalog.EXAMPLES.get(job.example or "")
        epochs = jobs.epochs(session, job)
        claimed = job.claims or {}
        return cls(
            id=job.id,
            example=job.example,
            params=job.params,
            status=job.status,
            executor=job.executor,
            owner="learner"
            if job.learner_id
            else "maintainer"
            if job.maintainer_id
            else "operator",
            worker=job.worker,
            device=job.device,
            gpu_share=job.gpu_share,
            attempt=job.attempt,
            cancel_requested=job.cancel_requested,
            timeout_seconds=job.timeout_seconds,
            created_at=_utc(job.created_at),
            started_at=_utc(job.started_at),
            heartbeat_at=_utc(job.heartbeat_at),
            finished_at=_utc(job.finished_at),
            error=job.error,
            summary=_valid(Summary, job.summary),
            epochs=[] if job.script else [e for e in map(_epoch, epochs) if e],
            metrics=job.metrics,
            claims=Claims(
                device=_text(claimed.get("device")),
                summary=_mapping(claimed.get("summary")),
                epochs=[e for e in map(_epoch, epochs[-CLAIMED_EPOCHS_SHOWN:]) if e],
                metrics=_mapping(claimed.get("metrics")),
            )
            if job.script is not None
            else None,
            original=OriginalResult.of(example.original) if example else None,
            links=JobLinks(
                self=base, events=f"{base}/events", log=f"{base}/log", plot=f"{base}/plot.png"
            ),
        )


class JobPage(BaseModel):
    items: list[JobOut]
    next_cursor: str | None = Field(description="pass it as `cursor` for the next page")


class JobsQuery(BaseModel):
    status: Status | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Cursor | None = None


class Event(BaseModel):
    seq: int
    attempt: int
    event: str = Field(
        description="started, summary, epoch, result or error (from the job); requeued, error "
        "or dropped (from the sandbox)"
    )
    origin: Literal[EVENT_ORIGINS] = Field(
        description="system: the sandbox's own note; runner: the catalog's runner; script: a "
        "custom script's claim"
    )
    data: dict[str, Any] = Field(description="the event as it was reported")
    created_at: datetime


class Events(BaseModel):
    items: list[Event]
    next_after: int = Field(description="pass it as `after` to get only the events that follow")


class EventsQuery(BaseModel):
    after: int = Field(default=0, ge=0, le=2**31 - 1, description="only events with a greater seq")
    limit: int = Field(default=500, ge=1, le=1000)


@operation(
    bp,
    "POST",
    "/jobs",
    body=NewJob,
    response=JobOut,
    status=202,
    roles=STARTERS,
    summary="Run an example (or, for a maintainer, a script)",
    tags=["sandbox"],
)
@limiter.limit("30 per minute")
def create_job(body: NewJob):
    """Queues the job, within the learner's quotas and those of all learners at the caller's
    address (429 past them) and the queue's cap (503), and hands it to the executor; follow it
    at its `Location`."""
    job = _service().start(
        required(STARTERS),
        example=body.example,
        params=body.params,
        script=body.script,
        timeout_seconds=body.timeout_seconds,
        client_address=request.remote_addr,
    )
    return _out(job), 202, {"Location": f"{request.root_path}/api/v1/jobs/{job.id}"}


@operation(
    bp,
    "GET",
    "/jobs",
    query=JobsQuery,
    response=JobPage,
    roles=STARTERS,
    summary="The caller's jobs, newest first (a maintainer's: everyone's)",
    tags=["sandbox"],
)
def list_jobs(query: JobsQuery) -> JobPage:
    found = _service().listing(
        required(STARTERS), status=query.status, limit=query.limit + 1, before=query.cursor
    )
    page = found[: query.limit]
    more = len(found) > query.limit
    return JobPage(
        items=[_out(job) for job in page],
        next_cursor=encode_cursor(page[-1].id) if more else None,
    )


@operation(
    bp,
    "GET",
    "/jobs/<job_id>",
    response=JobOut,
    roles=STARTERS,
    summary="A job and its progress",
    tags=["sandbox"],
)
def get_job(job_id: str) -> JobOut:
    return _out(_service().get(required(STARTERS), job_id))


@operation(
    bp,
    "GET",
    "/jobs/<job_id>/events",
    query=EventsQuery,
    response=Events,
    roles=STARTERS,
    summary="A job's events, in order",
    tags=["sandbox"],
)
def job_events(job_id: str, query: EventsQuery) -> Events:
    _service().get(required(STARTERS), job_id)
    rows = jobs.events(knowledge.session(), job_id, after=query.after, limit=query.limit)
    return Events(
        items=[
            Event(
                seq=r.seq,
                attempt=r.attempt,
                event=r.kind,
                origin=r.origin,
                data=r.data,
                created_at=_utc(r.created_at),
            )
            for r in rows
        ],
        next_after=rows[-1].seq if rows else query.after,
    )


@operation(
    bp,
    "GET",
    "/jobs/<job_id>/log",
    media_type="text/plain",
    roles=STARTERS,
    summary="The tail of what a job printed besides its events",
    tags=["sandbox"],
)
def job_log(job_id: str):
    """The last 64 KiB of its stdout lines that are not events, and of its stderr, as text."""
    job = _service().get(required(STARTERS), job_id)
    return (job.log or "").encode(), 200, {"Content-Type": "text/plain; charset=utf-8"}


@operation(
    bp,
    "DELETE",
    "/jobs/<job_id>",
    response=JobOut,
    status=202,
    roles=STARTERS,
    summary="Cancel a job",
    tags=["sandbox"],
)
def cancel_job(job_id: str):
    """A queued job is cancelled at once; a running one is stopped by its runner within a few
    seconds. A job that has ended is a 409."""
    return _out(_service().cancel(required(STARTERS), job_id)), 202


@operation(
    bp,
    "GET",
    "/jobs/<job_id>/plot.png",
    media_type="image/png",
    roles=STARTERS,
    summary="A job's loss and accuracy per epoch",
    tags=["sandbox"],
)
def job_plot(job_id: str):
    """Drawn once per state of the job (its status and epochs) and served with that state as
    its `ETag`: a client that sends `If-None-Match` gets a 304 until the job changes."""
    session = knowledge.session()
    job = _service().get(required(STARTERS), job_id)
    epochs = [e.model_dump() for e in map(_epoch, jobs.epochs(session, job)) if e]
    state = f"{job.id}/{job.attempt}/{job.status}/{len(epochs)}"
    tag = hashlib.sha256(state.encode()).hexdigest()[:32]
    headers = {"ETag": f'"{tag}"', "Cache-Control": "no-cache"}
    if tag in request.if_none_match:
        return b"", 304, headers
    png = _drawn.get(tag)
    if png is None:
        by = " (as the script reported)" if job.script is not None else ""
        png = plot.training_curves(f"{job.example or 'script'}, job {job.id}{by}", epochs)
        _drawn[tag] = png
        while len(_drawn) > PLOTS_KEPT:
            _drawn.popitem(last=False)
    return png, 200, headers


_drawn: OrderedDict[str, bytes] = OrderedDict()


def _service() -> JobService:
    return JobService(
        knowledge.session(), Settings.from_environment(), current_app.config["DATABASE_URL"]
    )


def _out(job: Job) -> JobOut:
    return JobOut.of(job, knowledge.session(), request.root_path)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back the stored UTC times without their zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _epoch(data: Any) -> Epoch | None:
    return _valid(Epoch, data)


def _valid(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data) if data is not None else None
    except ValidationError:
        return None


def _owner(job: Job) -> str:
    return "learner" if job.learner_id else "maintainer" if job.maintainer_id else "operator"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _mapping(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None
