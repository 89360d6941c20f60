"""The sandbox's configuration, from the environment, with defaults that need no set-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kb.config import INSTANCE_DIR, PROJECT_ROOT

EXECUTORS = ("local", "ray")
# The parts of the environment a job gets: its locale, and which GPUs it may use.
INHERITED = ("LANG", "LC_ALL", "TZ", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES")
GIB = 2**30


class SettingError(ValueError):
    """A KB_SANDBOX_* variable holds a value that cannot be used; names the variable."""


@dataclass(frozen=True)
class Quotas:
    """What one learner may ask of the sandbox, and what all callers together may queue."""

    active_jobs: int  # KB_QUOTA_ACTIVE_JOBS: a learner's jobs queued or running at once
    cpu_seconds: float  # KB_QUOTA_CPU_SECONDS: a learner's CPU job seconds in any 24 hours
    gpu_seconds: float  # KB_QUOTA_GPU_SECONDS: a learner's GPU seconds (times its share) in 24 h
    per_address: int  # KB_QUOTA_PER_ADDRESS: learners whose quota all learners at one address share
    queue_cap: int  # KB_SANDBOX_QUEUE_CAP: jobs queued or running at once, everyone's together


@dataclass(frozen=True)
class Settings:
    executor: str  # KB_SANDBOX_EXECUTOR: where new jobs run, "local" or "ray"
    ray_address: str | None  # KB_RAY_ADDRESS: the Ray cluster's head ("HOST:6379"); None: local
    sandbox_dir: Path  # KB_SANDBOX_DIR: each job's work folder is <sandbox_dir>/<job id>
    datasets_dir: Path  # KB_DATASETS_DIR: where the examples' datasets are read from
    allow_downloads: bool  # KB_ALLOW_DOWNLOADS=1: jobs may download a missing dataset
    timeout_seconds: float  # KB_SANDBOX_TIMEOUT: a job's default and longest wall-clock limit
    memory_bytes: int  # KB_SANDBOX_MEMORY (GiB): a job's memory limit
    stale_seconds: float  # KB_SANDBOX_STALE_SECONDS: silence after which a running job is reaped
    quotas: Quotas
    inherited: dict[str, str]  # INHERITED, as this process has them

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        executor = environ.get("KB_SANDBOX_EXECUTOR", "local")
        if executor not in EXECUTORS:
            raise SettingError(
                f"KB_SANDBOX_EXECUTOR={executor!r}: must be one of {', '.join(EXECUTORS)}"
            )
        return cls(
            executor=executor,
            ray_address=environ.get("KB_RAY_ADDRESS") or None,
            sandbox_dir=Path(environ.get("KB_SANDBOX_DIR") or INSTANCE_DIR / "sandbox"),
            datasets_dir=Path(environ.get("KB_DATASETS_DIR") or _default_datasets_dir()),
            allow_downloads=environ.get("KB_ALLOW_DOWNLOADS") == "1",
            timeout_seconds=_positive(environ, "KB_SANDBOX_TIMEOUT", 3600.0),
            memory_bytes=int(_positive(environ, "KB_SANDBOX_MEMORY", 4.0) * GIB),
            stale_seconds=_positive(environ, "KB_SANDBOX_STALE_SECONDS", 15.0),
            quotas=Quotas(
                active_jobs=int(_positive(environ, "KB_QUOTA_ACTIVE_JOBS", 2)),
                cpu_seconds=_positive(environ, "KB_QUOTA_CPU_SECONDS", 4 * 3600.0),
                gpu_seconds=_positive(environ, "KB_QUOTA_GPU_SECONDS", 3600.0),
                per_address=int(_positive(environ, "KB_QUOTA_PER_ADDRESS", 4)),
                queue_cap=int(_positive(environ, "KB_SANDBOX_QUEUE_CAP", 50)),
            ),
            inherited={name: environ[name] for name in INHERITED if name in environ},
        )


def _default_datasets_dir() -> Path:
    shared = PROJECT_ROOT.parent / "shared" / "datasets"
    return shared if shared.is_dir() else INSTANCE_DIR / "datasets"


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    text = environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise SettingError(f"{name}={text!r}: must be a positive number")
    return value
