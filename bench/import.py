"""Seconds and MB/s of importing the five editions of the guide into a fresh database; seconds
of each other author's guide; seconds and peak memory of the worst shapes of input.

    .venv/bin/python bench/import.py [--repeat 5] [--postgres URL] [--shapes-only]

Each run migrates a new database (not timed), then times one `import_guides` of the five files
in one transaction, commit included: the work `kb import` does after reading the files. SQLite
and PostgreSQL run interleaved in one process, so their ratio is fair on a busy machine. The
whole command, interpreter start-up included, is timed too, and so are `kb --help` and `kb stats`
on the imported guide, as whole processes (median of the runs).
Targets: under 3 s for the five files on SQLite; under 0.3 s for `kb --help`.

The worst shapes (bench/shapes.py) are imported at 0.25, 0.5 and 1 MB, twice each (the faster
run counts), each in a process of its own so that its peak resident memory is its own. Targets:
at most 10 s and 500 MB at 1 MB, and doubling the input at most doubles the time (a ratio of 2.0
is linear; up to 2.4 is noise).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.services.imports import import_guides  # noqa: E402
from bench.shapes import SHAPES  # noqa: E402
from importers.pipeline import ImportInput  # noqa: E402
from kb import db  # noqa: E402
from kb.extraction.vocabulary import default_vocabulary  # noqa: E402

GUIDES = ROOT.parent / "shared" / "guides" / "learning-deep-learning-2017"
OTHER_AUTHORS = ROOT.parent / "shared" / "guides" / "other-authors"
SIZES_MB = (0.25, 0.5, 1.0)
MOST_SECONDS, MOST_MB, MOST_DOUBLING = 10.0, 500.0, 2.4


def fresh_sqlite(folder: Path) -> str:
    return f"sqlite:///{folder / f'{uuid.uuid4().hex}.sqlite3'}"


def fresh_postgres(admin: sa.Engine) -> str:
    name = f"kb_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    return admin.url.set(database=name).render_as_string(False)


def timed_import(url: str, inputs: list[ImportInput]) -> float:
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            start = time.perf_counter()
            with session.begin():
                import_guides(session, inputs)
            return time.perf_counter() - start
    finally:
        engine.dispose()


def command_seconds(url: str, *arguments: str) -> float:
    """Wall time of one whole `kb` command, interpreter start-up included."""
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("kb")), *arguments],
        env={**os.environ, "KB_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def shape_child(shape: str, megabytes: float) -> None:
    """Import one worst-shape guide into a fresh SQLite database; print seconds and peak MB."""
    default_vocabulary()
    data = SHAPES[shape](int(megabytes * 1e6)).encode()
    with tempfile.TemporaryDirectory() as folder:
        seconds = timed_import(fresh_sqlite(Path(folder)), [ImportInput(f"{shape}.md", data)])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.3f} {peak_mb:.1f}")


def shapes_report(repeat: int) -> bool:
    """Run each shape at each size in a child process, `repeat` times (the fastest run counts:
    the machine's noise only ever adds); print a table; whether the targets hold."""
    met = True
    print(
        f"{'shape':<26}" + "".join(f"{m:>8} MB" for m in SIZES_MB) + "  peak MB at 1 MB  doubling"
    )
    for shape in SHAPES:
        seconds, peak = [], 0.0
        for megabytes in SIZES_MB:
            runs = [_shape_run(shape, megabytes) for _ in range(repeat)]
            seconds.append(min(t for t, _ in runs))
            peak = max(mb for _, mb in runs)
        doubling = max(b / a for a, b in zip(seconds, seconds[1:], strict=False))
        ok = seconds[-1] <= MOST_SECONDS and peak <= MOST_MB and doubling <= MOST_DOUBLING
        met &= ok
        print(
            f"{shape:<26}"
            + "".join(f"{t:9.2f} s" for t in seconds)
            + f"  {peak:13.0f}  {doubling:8.2f}  {'met' if ok else 'NOT met'}"
        )
    return met


def _shape_run(shape: str, megabytes: float) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--shape", shape, "--megabytes", str(megabytes)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def other_authors_report() -> None:
    """Seconds of each other author's guide, imported alone into a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as folder:
        for path in sorted(OTHER_AUTHORS.glob("*.md")):
            seconds = timed_import(
                fresh_sqlite(Path(folder)), [ImportInput(str(path), path.read_bytes())]
            )
            print(f"{path.name:<48} {path.stat().st_size / 1e3:7.1f} KB  {seconds:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--shapes-only", action="store_true", help="only the worst shapes")
    parser.add_argument("--shape", choices=SHAPES, help=argparse.SUPPRESS)  # the child's work
    parser.add_argument("--megabytes", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.shape:
        shape_child(args.shape, args.megabytes)
        return
    if not args.shapes_only:
        seeds_report(args)
        other_authors_report()
    met = shapes_report(repeat=min(args.repeat, 2))
    print(
        f"worst shapes within {MOST_SECONDS:g} s and {MOST_MB:g} MB at 1 MB, linear: "
        f"{'met' if met else 'NOT met'}"
    )


def seeds_report(args) -> None:
    files = sorted(GUIDES.iterdir())
    inputs = [ImportInput(str(path), path.read_bytes()) for path in files]
    megabytes = sum(len(i.data) for i in inputs) / 1e6
    default_vocabulary()  # loaded once per process, as in a server; not part of an import
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    created: list[str] = []
    times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            times["sqlite"].append(timed_import(fresh_sqlite(Path(folder)), inputs))
            url = fresh_postgres(admin)
            created.append(sa.make_url(url).database)
            times["postgresql"].append(timed_import(url, inputs))
        urls = [fresh_sqlite(Path(folder)) for _ in range(args.repeat)]
        for url in urls:
            db.upgrade(url)
        command = statistics.median(
            command_seconds(url, "import", *map(str, files)) for url in urls
        )
        started = {
            name: statistics.median(command_seconds(urls[0], *words) for _ in range(args.repeat))
            for name, words in (("kb --help", ["--help"]), ("kb stats", ["stats"]))
        }
    with admin.connect() as connection:
        for name in created:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()
    print(f"{len(files)} files, {megabytes:.3f} MB, median of {args.repeat} runs")
    for backend, values in times.items():
        median = statistics.median(values)
        print(
            f"{backend:<11} {median:6.3f} s  {megabytes / median:6.3f} MB/s"
            f"  (min {min(values):.3f} s, max {max(values):.3f} s)"
        )
    print(f"whole `kb import` command on SQLite: {command:.3f} s")
    for name, seconds in started.items():
        print(f"whole `{name}` command: {seconds:.3f} s")
    print(
        f"target under 0.3 s for `kb --help`: {'met' if started['kb --help'] < 0.3 else 'NOT met'}"
    )
    ratio = statistics.median(times["postgresql"]) / statistics.median(times["sqlite"])
    print(f"postgresql / sqlite: {ratio:.2f}")
    target = statistics.median(times["sqlite"]) < 3.0
    print(f"target under 3 s on SQLite: {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
