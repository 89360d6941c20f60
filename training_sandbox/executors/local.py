"""The embedded executor: worker processes on this machine (`kb worker --processes N`) that take
jobs from the database's queue, one at a time each.

Each worker polls the queue every `POLL_SECONDS`, claims the oldest queued local job atomically
(`jobs.Claim.next`), runs it, and between heartbeats reaps the jobs of workers that stopped
responding (every third of `KB_SANDBOX_STALE_SECONDS`). SIGTERM or SIGINT stops a worker after
giving its running job back to the queue.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from kb import db
from kb.settings import SandboxSettings
from training_sandbox import executors, isolation, jobs
from training_sandbox.executors.base import Executor
from training_sandbox.inside import catalog
from training_sandbox.job_run import JobRunner

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class LocalExecutor(Executor):
    name = "local"

    def gpu_share(self, example: str | None) -> float:
        """A job here uses this machine's GPUs, where it has any."""
        if not isolation.gpu_devices():
            return 0.0
        return catalog.get(example).gpu_fraction if example is not None else 1.0

    def submit(self, job_id: str) -> None:
        """Nothing to do: a queued local job is taken by the first idle worker."""


class Worker:
    """One worker loop: claim a job, run it, repeat until told to stop."""

    def __init__(
        self, database_url: str, settings: SandboxSettings, *, parent_pid: int | None = None
    ) -> None:
        self.database_url, self.settings = database_url, settings
        self.engine = jobs.make_engine(database_url)
        self.sessions = db.session_factory(self.engine)
        self.name = jobs.worker_name()
        self.parent_pid = parent_pid  # a child worker stops when its parent is gone
        self.stop = threading.Event()
        self.next_reap = 0.0

    def run(self) -> None:
        logger.info("worker %s: waiting for jobs", self.name)
        try:
            while not self.stop.is_set():
                try:
                    self._run_next()
                except SQLAlchemyError as error:
                    logger.error("worker %s: database error: %s", self.name, error)
                    self.stop.wait(POLL_SECONDS * 4)
                except Exception:  # a bug in housekeeping must not stop the worker for good
                    logger.exception("worker %s: failed; going on", self.name)
                    self.stop.wait(POLL_SECONDS * 4)
        finally:
            self.engine.dispose()
        logger.info("worker %s: stopped", self.name)

    def _run_next(self) -> None:
        self.housekeeping()
        claim = jobs.Claim.next(self.sessions, self.name)
        if claim is None:
            self.stop.wait(POLL_SECONDS)
            return
        logger.info("worker %s: running job %s", self.name, claim.job.id)
        started = time.monotonic()
        status = JobRunner(
            claim, self.settings, tick=self.housekeeping, stopping=self.stop.is_set
        ).run()
        seconds = time.monotonic() - started
        logger.info("worker %s: job %s %s in %.1f s", self.name, claim.job.id, status, seconds)

    def housekeeping(self) -> None:
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            self.stop.set()
        now = time.monotonic()
        if now < self.next_reap:
            return
        self.next_reap = now + self.settings.stale_seconds / 3
        with self.sessions() as session:
            executors.reap(session, self.database_url, self.settings)


def serve(database_url: str, settings: SandboxSettings, processes: int = 1) -> None:
    """Run `processes` workers until SIGTERM or SIGINT; one runs in this process itself."""
    if processes == 1:
        worker = Worker(database_url, settings)
        _stop_on_signals(worker.stop.set)
        worker.run()
        return
    context = multiprocessing.get_context("spawn")  # no forked copies of this process's state
    children = [
        context.Process(target=_child, args=(database_url, settings, os.getpid()))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    _stop_on_signals(lambda: [_terminate(child) for child in children])
    for child in children:
        child.join()


def _child(database_url: str, settings: SandboxSettings, parent_pid: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    worker = Worker(database_url, settings, parent_pid=parent_pid)
    _stop_on_signals(worker.stop.set)
    worker.run()


def _terminate(child: multiprocessing.process.BaseProcess) -> None:
    if child.pid is not None and child.is_alive():
        os.kill(child.pid, signal.SIGTERM)


def _stop_on_signals(stop) -> None:
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop())
