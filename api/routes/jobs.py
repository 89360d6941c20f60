"""Sandbox jobs: run an example (or, for a maintainer, a script), follow its epochs and log,
cancel it, plot its curves.

Every operation needs a learner's token or a maintainer's key: a learner sees and cancels only
their own jobs, within their quotas. The use cases are `api.services.jobs.JobService`'s;
a job is run by the configured executor (`KB_SANDBOX_EXECUTOR`), and reading a running job
reaps it when its runner stopped responding.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from flask import Blueprint, current_app, request

from api import knowledge
from api.auth import required
from api.http import encode_cursor, limiter, operation
from api.schemas.jobs import (
    Events,
    EventsQuery,
    JobOut,
    JobPage,
    JobsQuery,
    NewJob,
    valid_epoch,
)
from api.services.jobs import JobService
from kb.models import Job
from training_sandbox import plot

bp = Blueprint("jobs", __name__)

STARTERS = ("learner", "maintainer")  # who may start, see, list and cancel jobs
PLOTS_KEPT = 64  # drawn plots a process keeps, by job state


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
    rows = _service().events(required(STARTERS), job_id, after=query.after, limit=query.limit)
    return Events.of(rows, query.after)


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
    service = _service()
    job = service.get(required(STARTERS), job_id)
    epochs = [e.model_dump() for e in map(valid_epoch, service.epochs(job)) if e]
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
    settings = current_app.extensions["settings"]
    return JobService(knowledge.session(), settings.sandbox, settings.database_url)


def _out(job: Job) -> JobOut:
    return JobOut.of(job, _service().epochs(job), request.root_path)
