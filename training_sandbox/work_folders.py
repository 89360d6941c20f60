"""Each run of a job has a folder of this machine, `<KB_SANDBOX_DIR>/<job>-<attempt>`: the
inputs the job is given (its spec or script) and what isolation needs beside them. The job never
sees it; its own files live in a file system that ends with it (see `isolation`). The folder is
removed when the run ends, and `sweep` removes those of runs that ended without their runner
(a worker killed mid-job): whoever reaps jobs on this machine sweeps too."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Job

logger = logging.getLogger(__name__)

NAME = re.compile(r"(?P<job>[0-9a-f]{16})-(?P<attempt>[0-9]+)")


@contextmanager
def of(sandbox_dir: Path, job_id: str, attempt: int) -> Iterator[Path]:
    """The run's folder, new and empty, removed with everything in it at the end."""
    folder = sandbox_dir / f"{job_id}-{attempt}"
    shutil.rmtree(folder, ignore_errors=True)  # an interrupted runner's, of this very attempt
    folder.mkdir(parents=True, mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep(session: Session, sandbox_dir: Path) -> list[str]:
    """Remove the folders of runs that are no longer running; returns their names."""
    if not sandbox_dir.is_dir():
        return []
    folders = {
        folder: match
        for folder in sandbox_dir.iterdir()
        if (match := NAME.fullmatch(folder.name)) and folder.is_dir()
    }
    wanted = {match["job"] for match in folders.values()}
    running = set(
        session.execute(
            select(Job.id, Job.attempt).where(Job.id.in_(wanted), Job.status == "running")
        ).tuples()
    )
    removed = []
    for folder, match in folders.items():
        if (match["job"], int(match["attempt"])) not in running:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    if removed:
        logger.info("removed the work folders of ended runs: %s", ", ".join(sorted(removed)))
    return removed
