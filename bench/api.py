"""Requests/s and latency of the JSON API's read endpoints, served by `kb serve` on loopback.

    .venv/bin/python bench/api.py [--database-url URL] [--synthetic] [--duration 10]
        [--connections 16] [--sustained 60] [--rate 200]

Each knowledge base is served by `kb serve` on a free port, started with `KB_RATE_LIMIT=""` so
that the per-client rate limit (50/s by default) does not turn the load into 429s; the server is
stopped at the end, whatever happens. Against it, wrk (`make bench-tools` installs it) runs
`--connections` connections on one thread (which keeps up with them, and leaves the other CPU to
the server) for `--duration` seconds per endpoint, rotating the request paths and counting every
error status (bench/wrk/rotate.lua). Every request accepts gzip, as browsers, requests and
`curl --compressed` do: a path on the synthetic base is 630 kB of JSON, 80 kB gzipped.

The knowledge bases: the one at `--database-url`; else the project's instance/kb.sqlite3 (`make
run` fills it); else the guide imported into a temporary SQLite file. With `--synthetic`, then
also the synthetic one of bench/synthetic.py (10k topics, 50k prerequisites, 100k resources),
cached under instance/bench/, whose path goals are the last topics of the last domains, those
with the largest prerequisite closures.

`--sustained S` adds a constant-rate run of S seconds at `--rate` requests/s of mixed reads.
wrk cannot hold a rate (and Debian has no wrk2), so this run is Python: threads with keep-alive
connections take requests scheduled at fixed intervals and time each from when it was due, not
from when it was sent, so a slow server cannot hide its delay by slowing the client.

"/paths" and "/search" repeat a few questions, as clients following a guide do, so after the
warm-up each worker serves its kept answers. The "distinct" rows ask 20,000 questions that differ
(in what the learner knows; in the words searched for), after a warm-up on other ones, so each
is answered afresh: what an answer costs when it is not kept.

Targets: /paths throughput at least half of /health's; /paths p99 under 25 ms on the guide; on
the synthetic base /paths and /search p99 under 50 ms; no errors in the sustained run.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import networkx as nx
from sqlalchemy import make_url, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import synthetic  # noqa: E402
from bench.processes import stop  # noqa: E402
from kb import db  # noqa: E402
from kb.models import Prerequisite, Resource, Topic  # noqa: E402

KB = Path(sys.executable).with_name("kb")
GUIDES = ROOT.parent / "shared" / "guides" / "learning-deep-learning-2017"
INSTANCE_DB = ROOT / "instance" / "kb.sqlite3"
CACHE = ROOT / "instance" / "bench"
ROTATE_LUA = ROOT / "bench" / "wrk" / "rotate.lua"
PREFIX = "/api/v1"

WRK_THREADS = 1
ACCEPT = {"Accept-Encoding": "gzip"}
SUSTAINED_CLIENTS = 32
TIMEOUT = 10  # seconds a request may wait to be sent, or for its answer
WARM_UP = 10  # seconds of load before each endpoint's measured run
GUIDE_GOALS = ("cifar-10", "keras", "deep-learning", "mnist")
GUIDE_KNOWN = "python"
SYNTHETIC = {"topics": 10_000, "edges": 50_000, "resources": 100_000, "seed": 1}
SYNTHETIC_GOALS = 8  # domains whose last topic is a goal
DISTINCT = 20_000  # questions of a "distinct" row, more than a run of it asks
QUERIES = (
    "neural network",
    "keras",
    "mnist",
    "python",
    "linear algebra",
    "gradient descent",
    "image classification",
    "convolutional",
)


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@dataclass(frozen=True)
class Workload:
    """What to ask one knowledge base, and what its answers must achieve."""

    name: str
    url: str
    endpoints: dict[str, list[str]]  # endpoint -> the paths it rotates through
    warm_ups: dict[str, list[str]]  # endpoint -> the paths its warm-up rotates through
    mixed: list[str]  # the sustained run's paths, all read endpoints interleaved
    goals: dict[str, int]  # goal -> how many topics its closure holds
    p99_targets_ms: dict[str, float]


def guide_workload(url: str) -> Workload:
    slugs = topic_slugs(url)
    # Another knowledge base than the guide: its topics with the largest closures instead.
    goals = [g for g in GUIDE_GOALS if g in slugs] or sorted(
        slugs, key=closures(url, slugs).__getitem__
    )[-len(GUIDE_GOALS) :]
    paths = [f"{PREFIX}/paths?goal={g}" for g in goals]
    if GUIDE_KNOWN in slugs:
        paths += [f"{PREFIX}/paths?goal={g}&known={GUIDE_KNOWN}" for g in goals]
    # Few topics: what the learner knows is three of them, for enough distinct questions.
    triples = itertools.combinations(slugs, 3)
    distinct = [f"{PREFIX}/paths?goal={g}&known={','.join(k)}" for k in triples for g in goals]
    return workload("guide", url, slugs, paths, distinct, goals, {"/paths": 25})


def synthetic_workload(url: str) -> Workload:
    layout = synthetic.Layout.of(SYNTHETIC["topics"])
    last_domains = range(max(0, layout.domains - SYNTHETIC_GOALS), layout.domains)
    # A domain's last topic requires most of its domain and, through it, of the foundations.
    goals = [synthetic.slug(layout.domain(d * layout.size).stop) for d in last_domains]
    known = synthetic.slug(1)
    paths = [f"{PREFIX}/paths?goal={g}" for g in goals]
    paths += [f"{PREFIX}/paths?goal={g}&known={known}" for g in goals]
    slugs = topic_slugs(url)
    distinct = [f"{PREFIX}/paths?goal={g}&known={k}" for k in slugs for g in goals]
    targets = {"/paths": 50, "/search": 50}
    return workload("synthetic", url, slugs[::10], paths, distinct, goals, targets)


def workload(name, url, slugs, paths, distinct, goals, p99_targets_ms) -> Workload:
    searches = [f"{PREFIX}/search?q={quote(' '.join(words))}" for words in word_pairs(url)]
    # Questions no worker has answered before: a warm-up on some, the run on others.
    warm_up_paths, distinct_paths = split(distinct)
    warm_up_searches, distinct_searches = split(searches)
    endpoints = {
        "/health": [f"{PREFIX}/health"],
        "/search": [f"{PREFIX}/search?q={quote(q)}" for q in QUERIES],
        "/search, distinct": distinct_searches,
        "/topics/<slug>": [f"{PREFIX}/topics/{s}" for s in slugs],
        "/paths": paths,
        "/paths, distinct": distinct_paths,
    }
    warm_ups = endpoints | {
        "/search, distinct": warm_up_searches,
        "/paths, distinct": warm_up_paths,
    }
    reads = [
        *endpoints.values(),
        [f"{PREFIX}/topics"],
        [f"{PREFIX}/resources?topic={s}" for s in slugs],
    ]
    longest = max(map(len, reads))
    mixed = [paths[i % len(paths)] for i in range(longest) for paths in reads]
    return Workload(name, url, endpoints, warm_ups, mixed, closures(url, goals), p99_targets_ms)


def split(questions: list[str]) -> tuple[list[str], list[str]]:
    """Apart, in random order: the warm-up's questions and the run's, up to DISTINCT each."""
    shuffled = random.Random(0).sample(questions, len(questions))
    half = len(shuffled) // 2
    return shuffled[:half][:DISTINCT], shuffled[half:][:DISTINCT]


def word_pairs(url: str) -> list[tuple[str, str]]:
    """Distinct pairs of the words in topic names and resource titles: queries to search for."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            names = [*connection.scalars(select(Topic.name))]
            names += connection.scalars(select(Resource.title).limit(DISTINCT))
    finally:
        engine.dispose()
    words = sorted({w for name in names for w in name.lower().split() if w.isalnum()})
    wanted = min(2 * DISTINCT, len(words) * (len(words) - 1) // 2)
    chosen, rng = set(), random.Random(0)
    while len(chosen) < wanted:
        chosen.add(tuple(sorted(rng.sample(words, 2))))
    return sorted(chosen)


def topic_slugs(url: str) -> list[str]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Topic.slug).order_by(Topic.id)))
    finally:
        engine.dispose()


def closures(url: str, goals: list[str]) -> dict[str, int]:
    """How many topics each goal requires, directly or not."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            slugs = dict(connection.execute(select(Topic.id, Topic.slug)).tuples().all())
            edges = connection.execute(select(Prerequisite.requires_id, Prerequisite.topic_id))
            graph = nx.DiGraph((slugs[r], slugs[t]) for r, t in edges)
    finally:
        engine.dispose()
    return {g: len(nx.ancestors(graph, g)) if g in graph else 0 for g in goals}


def guide_database(folder: Path) -> str:
    """The project's own knowledge base, or the guide imported into a file in `folder`."""
    if INSTANCE_DB.exists():
        return f"sqlite:///{INSTANCE_DB}"
    url = f"sqlite:///{folder / 'guide.sqlite3'}"
    for command in (["db", "upgrade"], ["import", str(GUIDES)]):
        subprocess.run([KB, "--database-url", url, *command], check=True, capture_output=True)
    return url


def synthetic_database() -> str:
    """The synthetic knowledge base, generated once per set of parameters and generator."""
    generator = hashlib.sha256(Path(synthetic.__file__).read_bytes()).hexdigest()[:8]
    name = "synthetic-{topics}-{edges}-{resources}-{seed}".format(**SYNTHETIC)
    path = CACHE / f"{name}-{generator}.sqlite3"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        print(synthetic.generate(f"sqlite:///{partial}", **SYNTHETIC), flush=True)
        partial.rename(path)  # only a complete file is ever reused
    url = f"sqlite:///{path}"
    db.upgrade(url)  # a base kept from before a migration gets its new tables
    return url


@contextmanager
def serve(url: str, log: Path, options: list[str]) -> Iterator[str]:
    """`kb serve` on a free loopback port, rate limit off; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [KB, "--database-url", url, "serve", "--port", str(port), *options],
            env={**os.environ, "KB_RATE_LIMIT": ""},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C reaches us; the finally below stops the server
        )
        try:
            wait_healthy(base, server, log)
            yield base
        finally:
            stop(server)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(base: str, server: subprocess.Popen, log: Path, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"kb serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}{PREFIX}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass  # not listening yet, or not healthy yet
        time.sleep(0.2)
    raise RuntimeError(f"{base}{PREFIX}/health did not answer 200 within {limit:.0f} s")


def wrk(base: str, paths: list[str], seconds: float, connections: int, folder: Path) -> Figures:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench-tools`")
    listed = folder / "paths.txt"
    listed.write_text("".join(f"{path}\n" for path in paths))
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        f"{TIMEOUT}s",
        *(option for name, value in ACCEPT.items() for option in ("-H", f"{name}: {value}")),
    ]
    command += ["-s", str(ROTATE_LUA), base, "--", str(listed)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    result = json.loads(line.removeprefix("JSON "))
    return Figures(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        errors=result["non2xx"] + result["socket_errors"],
        p50_ms=result["p50_us"] / 1e3,
        p99_ms=result["p99_us"] / 1e3,
    )


def constant_rate(base: str, paths: list[str], rate: float, seconds: float) -> Figures:
    """Request i is due at start + i / rate; its latency counts from then. One still unsent
    TIMEOUT seconds after it was due counts as an error, so a server that falls behind cannot
    stretch the run without end."""
    host, port = base.removeprefix("http://").split(":")
    start = time.perf_counter() + 0.1
    lock = threading.Lock()
    tickets = iter(range(int(rate * seconds)))
    latencies: list[float] = []
    errors = 0

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        while True:
            with lock:
                ticket = next(tickets, None)
            if ticket is None:
                break
            due = start + ticket / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            late = time.perf_counter() - due > TIMEOUT
            ok = not late and get(connection, paths[ticket % len(paths)])
            latency = time.perf_counter() - due
            with lock:
                errors += not ok
                if not late:
                    latencies.append(latency)
        connection.close()

    clients = [threading.Thread(target=client) for _ in range(SUSTAINED_CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(len(latencies), elapsed, errors, cuts[49] * 1e3, cuts[98] * 1e3)


def get(connection: http.client.HTTPConnection, path: str) -> bool:
    try:
        connection.request("GET", path, headers=ACCEPT)
        response = connection.getresponse()
        response.read()
        return 200 <= response.status < 300
    except (OSError, http.client.HTTPException):
        connection.close()  # the next request opens a new connection
        return False


def run(work: Workload, args: argparse.Namespace, folder: Path) -> None:
    goals = ", ".join(f"{goal} ({size})" for goal, size in work.goals.items())
    shown = make_url(work.url).render_as_string(hide_password=True)
    print(f"\n{work.name}: {shown}\ngoals (topics in their closure): {goals}", flush=True)
    server = {"workers": args.workers, "threads": args.threads}
    options = [f"--{name}={value}" for name, value in server.items() if value]
    if options:
        print(f"kb serve {' '.join(options)}")
    with serve(work.url, folder / f"{work.name}-server.log", options) as base:
        figures = {}
        print(f"{'endpoint':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for endpoint, paths in work.endpoints.items():
            # A warm-up of its own, not reported: every worker has met the endpoint's questions
            # (and kept the answers it keeps) before its figures count. On the synthetic base the
            # first rounds plan each /paths question in every worker, several threads at once.
            wrk(base, work.warm_ups[endpoint], WARM_UP, args.connections, folder)
            f = figures[endpoint] = wrk(base, paths, args.duration, args.connections, folder)
            print(f"{endpoint:<18}{f.rate:>9.0f}{f.p50_ms:>9.2f}{f.p99_ms:>9.2f}{f.errors:>8}")
        ratio = figures["/paths"].rate / figures["/health"].rate
        target = f" (target >= 0.5: {verdict(ratio >= 0.5)})" if work.name == "guide" else ""
        print(f"/paths / /health throughput: {ratio:.2f}{target}")
        for endpoint, target in work.p99_targets_ms.items():
            p99 = figures[endpoint].p99_ms
            print(
                f"{endpoint} p99 {p99:.2f} ms (target < {target:.0f} ms: {verdict(p99 < target)})"
            )
        if args.sustained:
            f = constant_rate(base, work.mixed, args.rate, args.sustained)
            print(
                f"sustained {args.sustained:.0f} s at {args.rate:.0f}/s of mixed reads: "
                f"achieved {f.rate:.1f}/s, p50 {f.p50_ms:.2f} ms, p99 {f.p99_ms:.2f} ms, "
                f"errors {f.errors} (target 0: {verdict(f.errors == 0)})"
            )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sustained", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--workers", type=int, help="kb serve's worker processes (its default)")
    parser.add_argument("--threads", type=int, help="kb serve's threads per worker (its default)")
    args = parser.parse_args()
    # A plain kill would skip the `finally` that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        work = [guide_workload(args.database_url or guide_database(folder))]
        if args.synthetic:
            work.append(synthetic_workload(synthetic_database()))
        print(
            f"{os.cpu_count()} CPUs; wrk: {WRK_THREADS} thread(s), {args.connections} connections"
        )
        for each in work:
            run(each, args, folder)


if __name__ == "__main__":
    main()
