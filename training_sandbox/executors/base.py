"""What every executor does: have a queued job run somewhere, as `job_run.JobRunner` runs it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from kb.settings import SandboxSettings


class Executor(ABC):
    name: ClassVar[str]

    def __init__(self, database_url: str, settings: SandboxSettings) -> None:
        self.database_url, self.settings = database_url, settings

    @abstractmethod
    def gpu_share(self, example: str | None) -> float:
        """The share of a GPU a job of `example` (None: a script) will ask for here."""

    @abstractmethod
    def submit(self, job_id: str) -> None:
        """Have the queued job run. It is claimed (`jobs.Claim`) by whatever runs it, so a job
        submitted twice still runs once."""
