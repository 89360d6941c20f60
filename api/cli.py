"""The `kb` command: one session per command, owned here; an error ends it with one line.

Each command imports what it uses when it runs, so that `kb --help` starts at once. The settings
are read once, as a command starts (`kb.settings`); `--database-url` replaces that one.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.sandbox_cli import sandbox_group, worker_command
from api.terminal import printable
from kb.errors import InputError, KBError
from kb.values import EDITION_FORMATS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.schemas.paths import LearningPath
    from importers.pipeline import ImportInput
    from kb.settings import Settings


class _Commands(click.Group):
    """Domain errors end a command with one line on stderr and their exit status, never a
    traceback."""

    def invoke(self, context: click.Context):
        try:
            return super().invoke(context)
        except KBError as error:
            click.echo(f"error: {printable(str(error))}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_Commands)
@click.option(
    "--database-url",
    help="SQLAlchemy URL of the knowledge base [env KB_DATABASE_URL; default: SQLite in instance/]",
)
@click.pass_context
def main(context: click.Context, database_url: str | None) -> None:
    """Knowledge base of deep-learning study guides."""
    from kb import settings

    read = settings.read()
    context.obj = dataclasses.replace(read, database_url=database_url) if database_url else read


main.add_command(sandbox_group)
main.add_command(worker_command)


@main.group("maintainers")
def maintainers_group() -> None:
    """Maintainers: who may curate the knowledge base and run their own sandbox scripts."""


@maintainers_group.command("add")
@click.argument("name")
@click.pass_obj
def maintainers_add(settings: Settings, name: str) -> None:
    """Add a maintainer and print their key, this once (only its digest is stored)."""
    from kb import maintainers

    with _session(settings) as session, session.begin():
        maintainer, key = maintainers.add(session, name)
    click.echo(f"maintainer {maintainer.name} added; their key, shown only now:")
    click.echo(key)


@maintainers_group.command("list")
@click.pass_obj
def maintainers_list(settings: Settings) -> None:
    """List the maintainers, with when their key was made or revoked."""
    from kb import maintainers

    with _session(settings) as session:
        for maintainer in maintainers.listing(session):
            revoked = maintainer.revoked_at
            state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else "active"
            click.echo(f"{maintainer.name:<30} added {maintainer.created_at:%Y-%m-%d}  {state}")


@maintainers_group.command("revoke")
@click.argument("name")
@click.pass_obj
def maintainers_revoke(settings: Settings, name: str) -> None:
    """Revoke a maintainer's key: it opens nothing from now on."""
    from kb import maintainers

    with _session(settings) as session, session.begin():
        maintainers.revoke(session, name)
    click.echo(f"maintainer {name}: key revoked")


@main.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Create or migrate the schema to the latest version."""
    from kb import db

    db.upgrade(settings.database_url)
    click.echo("database is at the latest schema version")


@main.command("import")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--format", "format_", type=click.Choice(EDITION_FORMATS), help="Skip format detection."
)
@click.pass_obj
def import_command(settings: Settings, inputs: tuple[str, ...], format_: str | None) -> None:
    """Import guides from files, folders or http(s) URLs, all in one transaction.

    Editions of one post (drafts, reprints, dumps) are merged into one source. Importing the
    same input again changes nothing. Bad input changes nothing and exits with status 2.
    """
    from rich.console import Console
    from rich.progress import Progress

    from api.services.imports import import_guides

    origins = _expand(inputs)
    console = Console(stderr=True)
    quiet = len(origins) < 2 or not console.is_terminal  # a bar only where someone watches it
    with Progress(console=console, transient=True, disable=quiet) as progress:
        reading = progress.add_task("reading", total=len(origins))
        items = [_read(o, format_, settings, lambda: progress.advance(reading)) for o in origins]
        parsing = progress.add_task("importing", total=len(items))
        with _session(settings) as session, session.begin():
            report = import_guides(session, items, on_parsed=lambda _: progress.advance(parsing))
    for rejected in report.rejected:
        click.echo(f"warning: {printable(str(rejected))}", err=True)
    click.echo(
        f"imported {len(report.added)} new edition(s), {len(report.unchanged)} already known; "
        f"sources: {', '.join(map(str, report.sources)) or 'none changed'}"
    )


@main.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-")
@click.pass_obj
def export_command(settings: Settings, output: str) -> None:
    """Write the whole knowledge base as JSON (deterministic)."""
    from kb.export import dumps, export

    with _session(settings) as session:
        text = dumps(export(session))
    with click.open_file(output, "w", encoding="utf-8") as handle:
        handle.write(text)


@main.command("stats")
@click.pass_obj
def stats_command(settings: Settings) -> None:
    """Count what the knowledge base holds."""
    from api.services.stats import counts

    with _session(settings) as session:
        rows = counts(session)
    for name, value in rows:
        click.echo(f"{name:<24}{value:>8}")


@main.command("path")
@click.option("--goal", "goals", multiple=True, required=True, help="Topic slug, name or alias.")
@click.option("--known", default="", help="Comma-separated topics already known.")
@click.option("--prefer", default="", help="Comma-separated resource kinds, most wanted first.")
@click.option("--max-hours", type=click.FloatRange(min=0, min_open=True), help="Time budget.")
@click.option("--json", "as_json", is_flag=True, help="Print what GET /api/v1/paths answers.")
@click.pass_obj
def path_command(settings: Settings, goals, known, prefer, max_hours, as_json) -> None:
    """Suggest a learning path to the goals."""
    from api.schemas.paths import LearningPath, several
    from api.services import paths
    from kb.snapshot import Snapshot

    with _session(settings) as session:
        snapshot = Snapshot.load(session)
        asked = paths.question(
            session,
            snapshot,
            goals=list(goals),
            known=several(known),
            prefer=several(prefer),
            max_hours=max_hours,
        )
    document = LearningPath.of(snapshot.catalog, paths.answer(snapshot, asked), {})
    if as_json:
        click.echo(document.model_dump_json(indent=2))
    else:
        _print_path(document)


def _print_path(document: LearningPath) -> None:
    for number, step in enumerate(document.steps, 1):
        optional = " (optional)" if step.optional else ""
        hours = f"{step.hours} h, {step.cumulative_hours} h so far"
        click.echo(f"{number}. {step.topic.name}{optional}: {hours}")
        for why in step.why:
            quote = f' "{why.evidence[0].sentence}"' if why.evidence else ""
            click.echo(f"   why: {why.reason}{quote}")
        for resource in step.resources:
            click.echo(f"   - [{resource.kind}] {resource.title} <{resource.url}>")
    skipped = ", ".join(f"{s.name} ({s.reason})" for s in document.skipped_known)
    click.echo(
        f"total: {document.total_hours} h (estimates){'; skipped: ' + skipped if skipped else ''}"
    )
    for dropped in document.dropped:
        click.echo(f"dropped to fit {document.max_hours} h: {dropped.title} ({dropped.hours} h)")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    # One per CPU: requests are CPU-bound under the GIL, and each worker keeps its own answers,
    # so more workers only split the kept answers and wait on each other.
    default=lambda: os.cpu_count() or 1,
    show_default="1 per CPU",
    type=click.IntRange(1, 64),
)
@click.option(
    "--threads",
    # One: gunicorn's sync workers, one request at a time each. Requests are short and CPU-bound;
    # threads in a worker only queue behind the lock that lets one of them run, and their
    # hand-offs lengthen the slowest waits (p99 of /paths at 16 connections here: 9-11 ms with
    # sync workers, 19-33 ms with 2 threads each).
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker; more than one gives gunicorn's gthread workers.",
)
@click.option(
    "--front/--no-front",
    default=True,
    show_default=True,
    help="nginx in front, holding the connections (slow clients cannot tie up the workers); "
    "--no-front: gunicorn alone on the port, behind a proxy of your own.",
)
@click.pass_obj
def serve_command(
    settings: Settings, host: str, port: int, workers: int, threads: int, front: bool
):
    """Serve the JSON API: nginx in front of gunicorn's worker processes."""
    from api import serving

    with _session(settings):  # refuse an unmigrated database before starting workers
        pass
    status = serving.serve(
        host=host, port=port, workers=workers, threads=threads, front=front, settings=settings
    )
    sys.exit(status)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """The command's one session; its engine is closed with it. Servers, workers and other
    commands may use the database at the same time."""
    from kb import db

    engine = db.make_engine(settings.database_url, shared=True)
    try:
        db.require_current_schema(engine)
        with db.session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _expand(inputs: tuple[str, ...]) -> list[str]:
    """Folders stand for the files in them, in name order; a symbolic link in a folder counts
    only where it leads to a file of that folder."""
    expanded: list[str] = []
    for given in inputs:
        path = Path(given)
        if not given.startswith(("http://", "https://")) and path.is_dir():
            expanded += sorted(str(p) for p in path.iterdir() if _inside(p, path))
        else:
            expanded.append(given)
    return expanded


def _inside(entry: Path, folder: Path) -> bool:
    target = entry.resolve()
    if not target.is_file():
        return False
    if target.parent != folder.resolve():
        click.echo(f"warning: {printable(str(entry))}: a link out of the folder, skipped", err=True)
        return False
    return True


def _read(
    origin: str, format_: str | None, settings: Settings, done: Callable[[], None]
) -> ImportInput:
    """The bytes of a file or a URL, with what is known of them; `done()` once read."""
    from importers.fetch import FetchLimits, fetch
    from importers.pipeline import ImportInput
    from importers.registry import refuse_oversize

    if origin.startswith(("http://", "https://")) or "://" in origin:
        limits = FetchLimits(allowed_networks=settings.fetch_allowed_networks)
        fetched = fetch(origin, limits=limits)
        done()
        return ImportInput(origin, fetched.content, format_, fetched.charset)
    path = Path(origin)
    if not path.is_file():
        raise InputError(origin, "no such file")
    refuse_oversize(path.stat().st_size, origin)
    done()
    return ImportInput(origin, path.read_bytes(), format_)
