"""`kb sandbox ...` (run the guide's Keras examples as jobs, follow them) and `kb worker`.

`kb sandbox run` with the local executor runs the job itself, claiming it as a worker would, so
it works with no worker running; `--queue` leaves it to the `kb worker` processes instead. With
the ray executor the job goes to the cluster. Either way the command follows the job's events in
the database until it ends, and Ctrl-C cancels it.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from api.terminal import printable
from kb.errors import InputError
from kb.values import EXECUTORS, FINISHED_STATUSES

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from sqlalchemy.orm import Session, sessionmaker

    from api.schemas.examples import OriginalResult
    from kb.models import JobEvent
    from kb.settings import SandboxSettings, Settings
    from training_sandbox.inside.catalog import Param

FOLLOW_SECONDS = 0.3  # how often a following command reads the job's new events
LOG_LINES_SHOWN = 20
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


@click.group("sandbox")
def sandbox_group() -> None:
    """Run the guide's Keras examples as isolated jobs and follow them."""


@sandbox_group.command("examples")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/v1/examples answers.")
def examples_command(as_json: bool) -> None:
    """List the runnable examples and their parameters."""
    from rich.console import Console
    from rich.table import Table

    from api.schemas.examples import ExampleOut, Examples
    from api.services import examples

    if as_json:
        items = [ExampleOut.of(example) for example in examples.listing()]
        click.echo(Examples(items=items).model_dump_json(indent=2))
        return
    table = Table("example", "title", "dataset", "GPU share", "parameters")
    for example in examples.listing():
        params = ", ".join(example.params)
        share = f"{example.gpu_fraction:g}"
        table.add_row(example.name, example.title, example.dataset, share, params)
    Console().print(table)


@sandbox_group.command("run")
@click.argument("example", required=False)
@click.option(
    "--script",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run your own training script instead, fully isolated (bubblewrap, as root).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="An example's parameter (repeatable); see `kb sandbox examples`.",
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    help="Where it runs [env KB_SANDBOX_EXECUTOR; default: local].",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Wall-clock limit in seconds [default: KB_SANDBOX_TIMEOUT, 3600].",
)
@click.option(
    "--queue",
    is_flag=True,
    help="Local executor: leave the job to `kb worker` instead of running it here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the final job record as JSON.")
@click.pass_obj
def run_command(
    settings: Settings,
    example: str | None,
    script: Path | None,
    params: tuple[str, ...],
    executor: str | None,
    timeout: float | None,
    queue: bool,
    as_json: bool,
) -> None:
    """Run EXAMPLE (or --script FILE), show its epochs live, then its model, results next to
    the original's, and the last lines of its log. Exits with status 0 when the job succeeded,
    1 otherwise."""
    url, sandbox = settings.database_url, _sandbox(settings, executor)
    if (example is None) == (script is None):
        raise click.UsageError("give either an EXAMPLE or --script FILE")
    if script is not None and params:
        raise click.UsageError("--param applies to an example, not to a script")
    here = sandbox.executor == "local" and not queue
    with _sessions(url) as sessions:
        with sessions() as session:
            job = _jobs(session, url, sandbox).start(
                _operator(),
                example=example,
                params=_example_params(example, params) if example else None,
                script=script.read_text(encoding="utf-8") if script else None,
                timeout_seconds=timeout,
                hand_off=not here,
            )
        runner = _RunHere(url, job.id, sandbox) if here else None
        if runner is not None:
            runner.start()
        status = _follow(sessions, url, sandbox, job.id, quiet=as_json, runner=runner)
        _print_job(sessions, job.id, as_json)
    if status != "succeeded":
        raise SystemExit(1)


@sandbox_group.command("status")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/v1/jobs/JOB answers.")
@click.pass_obj
def status_command(settings: Settings, job_id: str, as_json: bool) -> None:
    """Show a job: status, where it runs, its epochs, results or error, its log's last lines."""
    url = settings.database_url
    with _sessions(url) as sessions:
        with sessions() as session:
            _jobs(session, url, settings.sandbox).get(_operator(), job_id)
        _print_job(sessions, job_id, as_json)


@sandbox_group.command("log")
@click.argument("job_id")
@click.pass_obj
def log_command(settings: Settings, job_id: str) -> None:
    """Print the tail of what a job printed besides its events (as GET /jobs/JOB/log)."""
    url = settings.database_url
    with _sessions(url) as sessions, sessions() as session:
        job = _jobs(session, url, settings.sandbox).get(_operator(), job_id)
        click.echo(printable(job.log or ""), nl=False)


@sandbox_group.command("cancel")
@click.argument("job_id")
@click.pass_obj
def cancel_command(settings: Settings, job_id: str) -> None:
    """Cancel a job: at once when queued, within seconds when running."""
    url = settings.database_url
    with _sessions(url) as sessions, sessions() as session:
        job = _jobs(session, url, settings.sandbox).cancel(_operator(), job_id)
    if job.status == "cancelled":
        click.echo(f"job {job_id}: cancelled")
    else:
        click.echo(f"job {job_id}: cancel requested; its worker stops it within seconds")


@click.command("worker")
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jobs run at once, one per worker process.",
)
@click.pass_obj
def worker_command(settings: Settings, processes: int) -> None:
    """Run local sandbox jobs from the queue until stopped (SIGTERM or Ctrl-C gives a running
    job back to the queue)."""
    import logging

    from training_sandbox.executors.local import serve

    with _sessions(settings.database_url):  # refuse an unmigrated database before starting
        pass
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    serve(settings.database_url, settings.sandbox, processes)


def _sandbox(settings: Settings, executor: str | None) -> SandboxSettings:
    """The sandbox's settings; `executor`, when given, instead of KB_SANDBOX_EXECUTOR's."""
    sandbox = settings.sandbox
    return dataclasses.replace(sandbox, executor=executor) if executor else sandbox


def _jobs(session: Session, url: str, sandbox: SandboxSettings):
    """The jobs' use cases, imported when a command uses them."""
    from api.services.jobs import JobService

    return JobService(session, sandbox, url)


def _operator():
    from kb.identities import OPERATOR

    return OPERATOR


@contextmanager
def _sessions(url: str) -> Iterator[sessionmaker[Session]]:
    from kb import db
    from training_sandbox import jobs

    engine = jobs.make_engine(url)
    try:
        db.require_current_schema(engine)
        yield db.session_factory(engine)
    finally:
        engine.dispose()


def _example_params(name: str, given: tuple[str, ...]) -> dict[str, Any]:
    """`--param name=value` options as the example's typed values (the job's validation names
    an unknown example or parameter, and a wrong value)."""
    from training_sandbox.inside import catalog

    example = catalog.EXAMPLES.get(name)
    values: dict[str, Any] = {}
    for text in given:
        key, sep, value = text.partition("=")
        if not sep:
            raise InputError("--param", f"{text!r} is not NAME=VALUE")
        param = example.params.get(key) if example else None
        values[key] = _typed(param, value) if param else value
    return values


def _typed(param: Param, text: str) -> object:
    try:
        if param.type == "int":
            return int(text)
        if param.type == "float":
            return float(text)
    except ValueError:
        return text  # validate() says what it must be
    if param.type == "bool":
        lowered = text.lower()
        return True if lowered in TRUE else False if lowered in FALSE else text
    return text


class _RunHere(threading.Thread):
    """Runs the job in this process tree, claiming it as a worker would."""

    def __init__(self, url: str, job_id: str, settings: SandboxSettings) -> None:
        super().__init__(name=f"job-{job_id}", daemon=True)
        self.url, self.job_id, self.settings = url, job_id, settings
        self.error: BaseException | None = None

    def run(self) -> None:
        from kb import db
        from training_sandbox import jobs
        from training_sandbox.job_run import JobRunner

        engine = jobs.make_engine(self.url)
        try:
            sessions = db.session_factory(engine)
            claim = jobs.Claim.of(sessions, self.job_id, jobs.worker_name("kb sandbox run"))
            if claim is not None:
                JobRunner(claim, self.settings).run()
        except BaseException as error:  # reported by the command once it stops following
            self.error = error
        finally:
            engine.dispose()


def _follow(
    sessions: sessionmaker[Session],
    url: str,
    sandbox: SandboxSettings,
    job_id: str,
    *,
    quiet: bool,
    runner: _RunHere | None,
) -> str:
    """Show the job's epochs as they are stored until it ends; its final status. Ctrl-C
    cancels it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from training_sandbox import jobs

    console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)
    columns = [
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[metrics]}", markup=False),
        TimeElapsedColumn(),
    ]
    after = 0
    # A bar only where someone watches it.
    with Progress(*columns, console=console, disable=quiet or not console.is_terminal) as progress:
        task = progress.add_task(f"job {job_id}: queued", total=None, metrics="")
        while True:
            try:
                with sessions() as session:
                    job = jobs.get(session, job_id)
                    for event in jobs.events(session, job_id, after=after):
                        after = event.seq
                        _show(progress, task, console, job_id, event)
                if job.status in FINISHED_STATUSES:
                    return job.status
                if runner is not None and not runner.is_alive():
                    raise click.ClickException(
                        f"job {job_id} was left {job.status}: {runner.error}"
                    )
                time.sleep(FOLLOW_SECONDS)
            except KeyboardInterrupt:
                with sessions() as session:
                    with suppress(jobs.JobFinished):
                        _jobs(session, url, sandbox).cancel(_operator(), job_id)
                console.print(f"cancelling job {job_id}...")


def _show(progress: Progress, task: TaskID, console: Console, job_id: str, event: JobEvent) -> None:
    """One event of the job, as it goes: whatever it says is shown as text, and a script's
    words as its own."""
    from api.schemas.jobs import valid_epoch

    kind, data = event.kind, event.data
    if kind == "started":
        device = printable(str(data.get("device", "?")))
        progress.update(task, description=f"job {job_id} on {device}")
    elif kind == "epoch" and (epoch := valid_epoch(data)):
        shown = "  ".join(
            f"{printable(name)} {value:.4f}"
            for name, value in epoch.metrics.items()
            if value is not None
        )
        progress.update(task, total=epoch.epochs, completed=epoch.epoch, metrics=shown)
    elif kind in ("requeued", "error", "dropped"):
        said = " (reported by the script)" if event.origin == "script" else ""
        console.print(f"job {job_id}: {kind}{said}: {printable(str(data.get('message', '')))}")


def _print_job(sessions: sessionmaker[Session], job_id: str, as_json: bool) -> None:
    from api.schemas.jobs import JobOut
    from training_sandbox import jobs

    with sessions() as session:
        job = jobs.get(session, job_id)
        shown, log = JobOut.of(job, jobs.epochs(session, job)), (job.log or "").splitlines()
    if as_json:
        click.echo(shown.model_dump_json(indent=2))
        return
    say = lambda text: click.echo(printable(text))  # noqa: E731
    say(f"job {shown.id}: {shown.status}")
    say(f"example: {shown.example or 'script'} {json.dumps(shown.params)}")
    say(f"worker: {shown.worker or '-'} ({shown.executor}), device: {shown.device or '-'}")
    if shown.summary:
        say(shown.summary.text)
    if shown.epochs:
        last = shown.epochs[-1]
        say(f"epochs: {last.epoch}/{last.epochs}, last took {last.seconds:.1f} s")
    if shown.metrics:
        _print_results(shown.metrics, shown.original)
    if shown.claims:
        claims = shown.claims
        say("the script reported (its own words, unchecked):")
        say(f"  device: {claims.device or '-'}; epochs: {len(claims.epochs)}")
        say(f"  metrics: {json.dumps(claims.metrics) if claims.metrics else '-'}")
    if shown.error:
        say(f"error: {shown.error}")
    if log:
        shown_lines = min(len(log), LOG_LINES_SHOWN)
        say(f"log, last {shown_lines} of {len(log)} lines (all: kb sandbox log {job_id}):")
        for line in log[-LOG_LINES_SHOWN:]:
            say(f"  {line}")


def _print_results(metrics: dict[str, float | None], original: OriginalResult | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("metric", "this run", "original")
    for name, value in metrics.items():
        theirs = ""
        # Every original reports its accuracy on the test set (some call it val_accuracy).
        if name == "test_accuracy" and original and original.value is not None:
            theirs = f"{original.value:.4f} ({original.metric}, {original.epochs} epochs)"
        table.add_row(name, "-" if value is None else f"{value:.4f}", theirs)
    Console().print(table)
    if original:
        click.echo(f"original: {original.note}")
