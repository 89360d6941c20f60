"""Every setting of the service, declared once (name, default, meaning), and the one reader of
the environment on the host: the API, the `kb` command, the workers and the sandbox.

Each process reads its settings once where it starts (`create_app`, the command, a worker, a
Ray task) and hands them down; nothing else reads the environment. A job sees only what the
sandbox gives it (`training_sandbox.inside.job_settings`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kb.errors import InputError
from kb.values import EXECUTORS, Executor

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
GIB = 2**30


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as one would write it in the environment; "" for none
    meaning: str


SETTINGS = (
    Setting(
        "KB_DATABASE_URL", "", "SQLAlchemy URL of the knowledge base; none: SQLite in instance/"
    ),
    Setting("KB_MAX_REQUEST_BYTES", "65536", "largest request body the API reads"),
    Setting("KB_CORS_ORIGINS", "", "comma-separated origins allowed cross-origin; none: no CORS"),
    Setting("KB_RATE_LIMIT", "50 per second", "per client address; empty: only the routes' own"),
    Setting("KB_RATE_LIMIT_STORAGE", "memory://", "where counts are kept; redis://... shares them"),
    Setting("KB_BEHIND_PROXY", "0", "1: trust X-Forwarded-For from one proxy (kb serve sets it)"),
    Setting("KB_FETCH_ALLOW_NETWORKS", "", "comma-separated CIDRs that `kb import URL` may reach"),
    Setting("KB_SANDBOX_EXECUTOR", "local", "where new jobs run: local or ray"),
    Setting("KB_RAY_ADDRESS", "", "the Ray cluster's head, HOST:6379; none: a local cluster"),
    Setting("KB_SANDBOX_DIR", "instance/sandbox", "each job's work folder is <dir>/<job id>"),
    Setting("KB_DATASETS_DIR", "instance/datasets", "where the examples' datasets are read from"),
    Setting("KERAS_HOME", "~/.keras", "Keras' own folder; its datasets/ cache is shared with jobs"),
    Setting("KB_ALLOW_DOWNLOADS", "0", "1: a job may download a missing dataset first"),
    Setting("KB_SANDBOX_TIMEOUT", "3600", "a job's default and longest wall-clock limit, seconds"),
    Setting("KB_SANDBOX_MEMORY", "4", "a job's memory limit, GiB"),
    Setting("KB_SANDBOX_STALE_SECONDS", "15", "silence after which a running job is reaped"),
    Setting("KB_SANDBOX_BUBBLEWRAP", "on", "off: run as if bubblewrap were missing"),
    Setting("KB_SANDBOX_QUEUE_CAP", "50", "jobs queued or running at once, everyone's together"),
    Setting("KB_QUOTA_ACTIVE_JOBS", "2", "a learner's jobs queued or running at once"),
    Setting("KB_QUOTA_CPU_SECONDS", "14400", "a learner's CPU job seconds in any 24 hours"),
    Setting("KB_QUOTA_GPU_SECONDS", "3600", "a learner's GPU seconds (times its share) in 24 h"),
    Setting("KB_QUOTA_PER_ADDRESS", "4", "learners whose quotas all learners of one address share"),
)
DECLARED = {setting.name: setting for setting in SETTINGS}
# The parts of the environment a job gets: its locale, and which GPUs it may use.
INHERITED = ("LANG", "LC_ALL", "TZ", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES")
# Requests are short and the API's workers already use every CPU: a math library's own thread
# pool per process would only make them compete.
SERVER_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SettingError(InputError):
    """A variable holds a value that cannot be used; names the variable."""

    def __init__(self, name: str, value: str, reason: str) -> None:
        super().__init__(f"{name}={value!r}", reason, location="environment")


@dataclass(frozen=True)
class Quotas:
    """What one learner may ask of the sandbox, and what all callers together may queue."""

    active_jobs: int
    cpu_seconds: float
    gpu_seconds: float
    per_address: int
    queue_cap: int


@dataclass(frozen=True)
class SandboxSettings:
    executor: Executor
    ray_address: str | None
    sandbox_dir: Path
    datasets_dir: Path
    keras_home: Path
    allow_downloads: bool
    timeout_seconds: float
    memory_bytes: int
    stale_seconds: float
    bubblewrap: bool  # False: run as if it were missing
    quotas: Quotas
    inherited: dict[str, str]  # INHERITED, as this process has them

    @property
    def keras_cache_dir(self) -> Path:
        """Where keras.datasets keeps its files."""
        return self.keras_home / "datasets"


@dataclass(frozen=True)
class Settings:
    database_url: str
    max_request_bytes: int
    cors_origins: tuple[str, ...]
    rate_limit: str
    rate_limit_storage: str
    behind_proxy: bool
    fetch_allowed_networks: tuple[str, ...]
    sandbox: SandboxSettings


def read(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings as `environ` (this process's environment by default) gives them; a
    `SettingError` names a variable whose value cannot be used."""
    given = _Reader(os.environ if environ is None else environ)
    executor = given.text("KB_SANDBOX_EXECUTOR")
    if executor not in EXECUTORS:
        choices = f"must be one of {', '.join(EXECUTORS)}"
        raise SettingError("KB_SANDBOX_EXECUTOR", executor, choices)
    return Settings(
        database_url=given.text("KB_DATABASE_URL") or default_database_url(),
        max_request_bytes=int(given.positive("KB_MAX_REQUEST_BYTES")),
        cors_origins=comma_separated(given.text("KB_CORS_ORIGINS")),
        rate_limit=given.text("KB_RATE_LIMIT"),
        rate_limit_storage=given.text("KB_RATE_LIMIT_STORAGE"),
        behind_proxy=given.flag("KB_BEHIND_PROXY"),
        fetch_allowed_networks=comma_separated(given.text("KB_FETCH_ALLOW_NETWORKS")),
        sandbox=SandboxSettings(
            executor=executor,
            ray_address=given.text("KB_RAY_ADDRESS") or None,
            sandbox_dir=given.path("KB_SANDBOX_DIR"),
            datasets_dir=given.path("KB_DATASETS_DIR"),
            keras_home=given.path("KERAS_HOME"),
            allow_downloads=given.flag("KB_ALLOW_DOWNLOADS"),
            timeout_seconds=given.positive("KB_SANDBOX_TIMEOUT"),
            memory_bytes=int(given.positive("KB_SANDBOX_MEMORY") * GIB),
            stale_seconds=given.positive("KB_SANDBOX_STALE_SECONDS"),
            bubblewrap=given.text("KB_SANDBOX_BUBBLEWRAP").lower() != "off",
            quotas=Quotas(
                active_jobs=int(given.positive("KB_QUOTA_ACTIVE_JOBS")),
                cpu_seconds=given.positive("KB_QUOTA_CPU_SECONDS"),
                gpu_seconds=given.positive("KB_QUOTA_GPU_SECONDS"),
                per_address=int(given.positive("KB_QUOTA_PER_ADDRESS")),
                queue_cap=int(given.positive("KB_SANDBOX_QUEUE_CAP")),
            ),
            inherited=given.inherited(),
        ),
    )


def default_database_url() -> str:
    """The embedded default: a SQLite file in the project's instance folder (made with the
    engine, `kb.db.make_engine`)."""
    return f"sqlite:///{INSTANCE_DIR / 'kb.sqlite3'}"


def child_environment(**overrides: str) -> dict[str, str]:
    """This process's environment for a server process it starts, with `overrides` (setting
    names) and one math thread per process unless the environment says otherwise."""
    return {**SERVER_THREADS, **os.environ, **overrides}


def comma_separated(value: str) -> tuple[str, ...]:
    """
    >>> comma_separated(" https://a.example, ,https://b.example")
    ('https://a.example', 'https://b.example')
    """
    return tuple(part.strip() for part in value.split(",") if part.strip())


class _Reader:
    """Values of declared settings, their defaults where unset (numbers and paths: or empty)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str) -> str:
        return self.environ.get(name, DECLARED[name].default)

    def flag(self, name: str) -> bool:
        return self.text(name) == "1"

    def path(self, name: str) -> Path:
        given = self.environ.get(name)
        if given:
            return Path(given).expanduser()
        default = Path(DECLARED[name].default).expanduser()
        return PROJECT_ROOT / default if name in _IN_PROJECT else default

    def positive(self, name: str) -> float:
        text = self.text(name) or DECLARED[name].default
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not value > 0:
            raise SettingError(name, text, "must be a positive number")
        return value

    def inherited(self) -> dict[str, str]:
        return {name: self.environ[name] for name in INHERITED if name in self.environ}


# Settings whose defaults lie in the project folder (a value given is taken as it is written).
_IN_PROJECT = {"KB_SANDBOX_DIR", "KB_DATASETS_DIR"}
