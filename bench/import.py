"""Seconds and MB/s of importing the five editions of the guide into a fresh database.

    .venv/bin/python bench/import.py [--repeat 5] [--postgres URL]

Each run migrates a new database (not timed), then times one `import_inputs` of the five files
in one transaction, commit included: the work `kb import` does after reading the files. SQLite
and PostgreSQL run interleaved in one process, so their ratio is fair on a busy machine. The
whole command, interpreter start-up included, is timed too.
Target: under 3 s for the five files on SQLite.
"""

from __future__ import annotations

import argparse
import os
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

from importers.pipeline import ImportInput, import_inputs  # noqa: E402
from kb import db  # noqa: E402
from kb.extraction.vocabulary import default_vocabulary  # noqa: E402

GUIDES = ROOT.parent / "shared" / "guides" / "learning-deep-learning-2017"


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
                import_inputs(session, inputs)
            return time.perf_counter() - start
    finally:
        engine.dispose()


def command_seconds(url: str, files: list[Path]) -> float:
    """Wall time of the whole `kb import` command, interpreter start-up included."""
    db.upgrade(url)
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("kb")), "import", *map(str, files)],
        env={**os.environ, "KB_DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
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
        command = statistics.median(
            command_seconds(fresh_sqlite(Path(folder)), files) for _ in range(args.repeat)
        )
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
    ratio = statistics.median(times["postgresql"]) / statistics.median(times["sqlite"])
    print(f"postgresql / sqlite: {ratio:.2f}")
    target = statistics.median(times["sqlite"]) < 3.0
    print(f"target under 3 s on SQLite: {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
