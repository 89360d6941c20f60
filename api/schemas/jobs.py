"""Sandbox jobs as the API shows them: a new one, its record, its events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from api.http import Cursor
from api.schemas.examples import OriginalResult
from kb.models import Job, JobEvent
from kb.values import EventOrigin, Executor, JobStatus, Role
from training_sandbox.inside import catalog

SCRIPT_CHARS = 60_000
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
    status: JobStatus
    executor: Executor
    owner: Role = Field(
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
    def of(cls, job: Job, epochs: list[dict[str, Any]], root: str = "") -> JobOut:
        """The job as the API shows it, with what its latest attempt reported of each epoch
        (`JobService.epochs`); `root` is the path the API is mounted under."""
        base = f"{root}/api/v1/jobs/{job.id}"
        example = catalog.EXAMPLES.get(job.example or "")
        claimed = job.claims or {}
        return cls(
            id=job.id,
            example=job.example,
            params=job.params,
            status=job.status,
            executor=job.executor,
            owner=_owner(job),
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
            epochs=[] if job.script else [e for e in map(valid_epoch, epochs) if e],
            metrics=job.metrics,
            claims=Claims(
                device=_text(claimed.get("device")),
                summary=_mapping(claimed.get("summary")),
                epochs=[e for e in map(valid_epoch, epochs[-CLAIMED_EPOCHS_SHOWN:]) if e],
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
    status: JobStatus | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Cursor | None = None


class Event(BaseModel):
    seq: int
    attempt: int
    event: str = Field(
        description="started, summary, epoch, result or error (from the job); requeued, error "
        "or dropped (from the sandbox)"
    )
    origin: EventOrigin = Field(
        description="system: the sandbox's own note; runner: the catalog's runner; script: a "
        "custom script's claim"
    )
    data: dict[str, Any] = Field(description="the event as it was reported")
    created_at: datetime


class Events(BaseModel):
    items: list[Event]
    next_after: int = Field(description="pass it as `after` to get only the events that follow")

    @classmethod
    def of(cls, rows: list[JobEvent], after: int) -> Events:
        """`rows`, the events that follow the one numbered `after`."""
        return cls(
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
            next_after=rows[-1].seq if rows else after,
        )


class EventsQuery(BaseModel):
    after: int = Field(default=0, ge=0, le=2**31 - 1, description="only events with a greater seq")
    limit: int = Field(default=500, ge=1, le=1000)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back the stored UTC times without their zone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def valid_epoch(data: Any) -> Epoch | None:
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
