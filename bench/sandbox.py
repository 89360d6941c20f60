"""Wall time of one MNIST MLP epoch trained directly and as a sandbox job, and each executor's
latency from a job's submission to its first event.

    .venv/bin/python bench/sandbox.py [--repeat 5] [--skip-ray]

Epoch: the `mnist_mlp` example with its defaults but one epoch, on the real MNIST
(KB_DATASETS_DIR; by default ../shared/datasets beside the repository). "direct" runs
`training.run` in a plain subprocess, with the environment a job gets but no isolation and no
database. "sandbox" submits the same example and parameters as a job to a SQLite database made
in a temporary folder and runs it as a `kb worker` does (`JobRunner`: bubblewrap where usable,
the job's own file system and cgroups, the runner, its events stored as they are printed), timed
from the submission to the job's end. The two alternate for `--repeat` rounds, each going first
in turn. The figures are medians over the rounds: the epoch's own `seconds` (from its epoch
event) and the whole run (process start, Keras import and data loading included). The ratios are
the medians of each round's own ratio, its two runs being back to back: this machine's load
drifts by a factor of two within a minute, which medians taken apart would mix in.

Latency: a quick job (`mnist_logreg` on `digits`, one epoch) submitted LATENCY_JOBS times, each
after the previous one ended, from its submission to its `started` event being stored (both times
as the database records them): to a real `kb worker` process, which polls the queue every 0.5 s,
and to a local Ray instance of 2 CPUs started here (`--skip-ray` leaves it out). Most of it is
the job's own start: Python, the Keras and torch imports, loading the data. The worker and Ray
are stopped at the end, whatever happens. The delay from an epoch's end to its event being stored
is not measured: the epoch event carries no wall-clock time.

Target: the sandbox's epoch at most 10% slower than the direct one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The shared datasets beside the checkout, unless the environment names others.
os.environ.setdefault("KB_DATASETS_DIR", str(ROOT.parent / "shared" / "datasets"))

from bench.processes import stop  # noqa: E402
from kb import db  # noqa: E402
from kb import settings as kb_settings  # noqa: E402
from kb.models import Job  # noqa: E402
from kb.settings import SandboxSettings  # noqa: E402
from kb.values import FINISHED_STATUSES  # noqa: E402
from training_sandbox import executors, isolation, jobs  # noqa: E402
from training_sandbox.inside import catalog  # noqa: E402
from training_sandbox.job_run import JobRunner, job_environment, job_shares  # noqa: E402

KB = Path(sys.executable).with_name("kb")
EPOCH_EXAMPLE, EPOCH_PARAMS = "mnist_mlp", {"epochs": 1}
QUICK_EXAMPLE, QUICK_PARAMS = "mnist_logreg", {"dataset": "digits", "epochs": 1}
LATENCY_JOBS = 5
JOB_TIMEOUT = 900.0  # seconds
POLL_SECONDS = 0.05
EPOCH_TARGET = 1.10  # sandbox epoch / direct epoch
RAY_CPUS = 2
# What `python -m training_sandbox.inside.runner` does, minus the spec file and the stdout guard.
DIRECT_RUN = (
    "import json, sys\n"
    "from training_sandbox.inside import training\n"
    "from training_sandbox.inside.events import emit\n"
    "training.run(sys.argv[1], json.loads(sys.argv[2]), emit)\n"
)


@dataclass(frozen=True)
class Timing:
    epoch_seconds: float
    whole_seconds: float


def direct_run(settings: SandboxSettings, folder: Path) -> tuple[Timing, dict[str, Any]]:
    """One run of `training.run` in a subprocess; its timing and its `started` event."""
    params = catalog.get(EPOCH_EXAMPLE).validate(EPOCH_PARAMS)
    # The job's own environment, so that only isolation and the database differ.
    shares = {share.variable: str(share.path) for share in job_shares(settings)}
    env = {**job_environment(settings), **shares, "HOME": str(folder), "PYTHONUNBUFFERED": "1"}
    env["PATH"] = os.environ["PATH"]
    command = [sys.executable, "-c", DIRECT_RUN, EPOCH_EXAMPLE, json.dumps(params)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    whole = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the direct run failed:\n{done.stderr[-3000:]}")
    events = {event["event"]: event for event in json_lines(done.stdout)}
    return Timing(events["epoch"]["seconds"], whole), events["started"]


def json_lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        if line.startswith("{"):
            yield json.loads(line)


def sandbox_run(sessions: sessionmaker[Session], settings: SandboxSettings) -> Timing:
    """One job run as a worker runs it, in this process; timed from its submission."""
    start = time.perf_counter()
    job_id = submit(sessions, "local", EPOCH_EXAMPLE, EPOCH_PARAMS)
    claim = jobs.Claim.of(sessions, job_id, jobs.worker_name("bench"))
    assert claim is not None, "a job just submitted is queued"
    JobRunner(claim, settings).run()
    whole = time.perf_counter() - start
    with sessions() as session:
        job = succeeded(jobs.get(session, job_id))
        [epoch] = jobs.epochs(session, job)
    return Timing(epoch["seconds"], whole)


def submit(
    sessions: sessionmaker[Session], executor: str, example: str, params: dict[str, Any]
) -> str:
    with sessions() as session, session.begin():
        job = jobs.submit(
            session,
            executor=executor,
            timeout_seconds=JOB_TIMEOUT,
            example=example,
            params=params,
        )
        return job.id


def succeeded(job: Job) -> Job:
    if job.status != "succeeded":
        raise RuntimeError(f"job {job.id} ({job.executor}) {job.status}: {job.error}")
    return job


def latencies(
    sessions: sessionmaker[Session], executor: str, hand_over: Callable[[str], None]
) -> list[float]:
    """Seconds from each quick job's submission to its first event, as the database records."""
    figures = []
    for _ in range(LATENCY_JOBS):
        job_id = submit(sessions, executor, QUICK_EXAMPLE, QUICK_PARAMS)
        hand_over(job_id)
        job = succeeded(wait_finished(sessions, job_id))
        with sessions() as session:
            first = jobs.events(session, job_id, limit=1)[0]
        assert first.kind == "started", first.data
        figures.append((first.created_at - job.created_at).total_seconds())
    return figures


def wait_finished(sessions: sessionmaker[Session], job_id: str) -> Job:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        with sessions() as session:
            job = jobs.get(session, job_id)
        if job.status in FINISHED_STATUSES:
            return job
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"job {job_id} did not end within {JOB_TIMEOUT:.0f} s")


@contextmanager
def kb_worker(url: str, log: Path) -> Iterator[None]:
    """A `kb worker` process on the database, ready to take jobs; stopped at the end."""
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [KB, "--database-url", url, "worker"],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C reaches us; the finally below stops the worker
        )
        try:
            wait_for_log(worker, log, "waiting for jobs")
            yield
        finally:
            stop(worker)


def wait_for_log(process: subprocess.Popen, log: Path, text: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb worker exited with {process.returncode}:\n{log.read_text()}")
        if text in log.read_text(errors="replace"):
            return
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"kb worker did not say {text!r} within {limit:.0f} s")


@contextmanager
def local_ray() -> Iterator[None]:
    """A Ray instance of its own (never one already running here), shut down at the end. Its
    workers take this process's environment, the sandbox's folder included."""
    import ray

    from training_sandbox.executors.ray import NAMESPACE

    ray.init(
        address="local",
        num_cpus=RAY_CPUS,
        include_dashboard=False,
        log_to_driver=False,
        namespace=NAMESPACE,
    )
    try:
        yield
    finally:
        ray.shutdown()


def compare_epochs(
    sessions: sessionmaker[Session], settings: SandboxSettings, folder: Path, repeat: int
) -> dict[str, Any]:
    """Alternate direct and sandbox runs; the direct run's `started` event."""
    folder.mkdir()
    direct: list[Timing] = []
    sandbox: list[Timing] = []
    for round_ in range(1, repeat + 1):
        # Each goes first in turn, so that a drift in the machine's load weighs on both alike.
        if round_ % 2:
            d, started = direct_run(settings, folder)
            s = sandbox_run(sessions, settings)
        else:
            s = sandbox_run(sessions, settings)
            d, started = direct_run(settings, folder)
        direct.append(d)
        sandbox.append(s)
        print(
            f"round {round_}: direct epoch {d.epoch_seconds:.2f} s, whole {d.whole_seconds:.2f} s;"
            f" sandbox epoch {s.epoch_seconds:.2f} s, whole {s.whole_seconds:.2f} s",
            flush=True,
        )
    report_epochs(direct, sandbox)
    return started


def report_epochs(direct: list[Timing], sandbox: list[Timing]) -> None:
    def medians(timings: list[Timing]) -> Timing:
        epoch = statistics.median(t.epoch_seconds for t in timings)
        return Timing(epoch, statistics.median(t.whole_seconds for t in timings))

    d, s = medians(direct), medians(sandbox)
    print(f"{f'median of {len(direct)} rounds':<21}{'epoch s':>12}{'whole s':>10}")
    for name, timing in (("direct", d), ("sandbox", s)):
        print(f"{name:<21}{timing.epoch_seconds:>12.2f}{timing.whole_seconds:>10.2f}")
    # The machine's load drifts within seconds: a round's two runs, back to back, are compared
    # with each other, and the target judged on the median of those ratios.
    epoch_ratio = statistics.median(
        b.epoch_seconds / a.epoch_seconds for a, b in zip(direct, sandbox, strict=True)
    )
    whole_ratio = statistics.median(
        b.whole_seconds / a.whole_seconds for a, b in zip(direct, sandbox, strict=True)
    )
    print(
        f"sandbox / direct, epoch, median of the rounds' ratios: {epoch_ratio:.3f} "
        f"(target <= {EPOCH_TARGET:.2f}: {verdict(epoch_ratio <= EPOCH_TARGET)})"
    )
    fastest = min(t.epoch_seconds for t in sandbox) / min(t.epoch_seconds for t in direct)
    print(f"sandbox / direct, epoch, fastest of each: {fastest:.3f}")
    print(f"sandbox / direct, whole run, median of the rounds' ratios: {whole_ratio:.3f}")


def report_latency(name: str, figures: list[float]) -> None:
    each = " ".join(f"{value:.2f}" for value in figures)
    print(
        f"{name:<18} median {statistics.median(figures):.2f} s, max {max(figures):.2f} s"
        f"  (in order: {each})",
        flush=True,
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    # A plain kill would skip the `finally` blocks that stop the jobs, the worker and Ray.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        # Read by this process's runners, the worker and Ray's workers alike.
        os.environ["KB_SANDBOX_DIR"] = str(folder / "sandbox")
        settings = kb_settings.read().sandbox
        os.environ["KB_DATASETS_DIR"] = str(settings.datasets_dir)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        db.upgrade(url)
        engine = jobs.make_engine(url)
        try:
            run_all(db.session_factory(engine), settings, folder, url, args)
        finally:
            engine.dispose()


def run_all(
    sessions: sessionmaker[Session],
    settings: SandboxSettings,
    folder: Path,
    url: str,
    args: argparse.Namespace,
) -> None:
    isolated = "bubblewrap" if isolation.bubblewrap() else "none (bubblewrap not usable)"
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.2f}; job isolation: {isolated}")
    print(f"{EPOCH_EXAMPLE} {json.dumps(EPOCH_PARAMS)}, datasets in {settings.datasets_dir}")
    started = compare_epochs(sessions, settings, folder / "direct", args.repeat)
    images, source = started["dataset"]["train"], started["dataset"]["source"]
    print(f"device {started['device']}; {images} training images from {source}")

    print(
        f"\nsubmit -> first event, {QUICK_EXAMPLE} {json.dumps(QUICK_PARAMS)}, "
        f"{LATENCY_JOBS} jobs one after another:",
        flush=True,
    )
    with kb_worker(url, folder / "worker.log"):
        report_latency("local (kb worker)", latencies(sessions, "local", lambda _: None))
    if args.skip_ray:
        return
    with local_ray():
        ray_executor = executors.executor("ray", url, settings)
        report_latency(f"ray ({RAY_CPUS} CPUs)", latencies(sessions, "ray", ray_executor.submit))


if __name__ == "__main__":
    main()
