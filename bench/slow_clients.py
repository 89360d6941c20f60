"""Whether slow clients can stop the API: `kb serve` with its defaults under 200 connections that
each send a request's headers one line every 3 s (and reconnect when the server drops them),
while a normal client asks `/health` and `/paths` in turn and times each answer.

    .venv/bin/python bench/slow_clients.py [--database-url URL] [--connections 200]
        [--seconds 60] [--compare]

Half of the slow connections dribble their headers; the other half send complete headers that
announce a body, then dribble the body. The normal client times from sending a request to its
whole answer, with a 10 s limit; a request not answered in time counts as an error, as does
any 5xx. `--compare` runs the same against `kb serve --no-front` (gunicorn's sync workers alone)
for a third of the time, to show what the front is for.

Target, with the defaults: /health and /paths p99 under 100 ms, and no error.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api import PREFIX, guide_database, serve  # noqa: E402

LINE_SECONDS = 3.0
TIMEOUT = 10.0
TARGET_MS = 100.0
PATHS = {"/health": f"{PREFIX}/health", "/paths": f"{PREFIX}/paths?goal=cifar-10&known=python"}


async def _dribble(host: str, port: int, number: int, until: float, dropped: list[int]) -> None:
    """One slow client, for as long as the run lasts: a header line (or a body byte) every
    LINE_SECONDS, a new connection each time the server drops it."""
    with_body = number % 2 == 1
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(LINE_SECONDS)
            continue
        try:
            if with_body:
                writer.write(
                    f"POST {PREFIX}/learners HTTP/1.1\r\nHost: {host}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n".encode()
                )
            else:
                writer.write(f"GET {PREFIX}/health HTTP/1.1\r\nHost: {host}\r\n".encode())
            while time.monotonic() < until:
                await writer.drain()
                if reader.at_eof():
                    break
                await asyncio.sleep(LINE_SECONDS)
                writer.write(b"{" if with_body else f"X-Slow-{number}: still here\r\n".encode())
        except OSError:
            pass
        finally:
            dropped[0] += 1
            writer.close()


def _slow_clients(host: str, port: int, count: int, seconds: float, dropped: list[int]) -> None:
    async def run() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(_dribble(host, port, n, until, dropped) for n in range(count)))

    asyncio.run(run())


def _normal_client(host: str, port: int, until: float) -> dict[str, list[float | None]]:
    """Each endpoint's answer times in ms, None for an error (5xx, or no answer in time)."""
    timings: dict[str, list[float | None]] = {name: [] for name in PATHS}
    while time.monotonic() < until:
        for name, path in PATHS.items():
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
                connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                response.read()
                connection.close()
                ok = response.status < 500
            except OSError:
                ok = False
            timings[name].append((time.monotonic() - started) * 1000 if ok else None)
            time.sleep(0.02)
    return timings


def measure(base: str, connections: int, seconds: float) -> dict[str, dict[str, float]]:
    host, port = base.removeprefix("http://").split(":")
    dropped = [0]
    slow = threading.Thread(
        target=_slow_clients, args=(host, int(port), connections, seconds, dropped), daemon=True
    )
    slow.start()
    time.sleep(LINE_SECONDS)  # every slow connection is open before the timing starts
    timings = _normal_client(host, int(port), time.monotonic() + seconds - LINE_SECONDS)
    slow.join()
    figures = {}
    for name, times in timings.items():
        answered = sorted(t for t in times if t is not None)
        p99 = answered[min(len(answered) - 1, int(0.99 * len(answered)))] if answered else None
        figures[name] = {
            "requests": len(times),
            "errors": len(times) - len(answered),
            "p50_ms": statistics.median(answered) if answered else float("nan"),
            "p99_ms": p99 if p99 is not None else float("nan"),
        }
    figures["slow connections"] = {"opened": dropped[0]}
    return figures


def report(title: str, figures: dict[str, dict[str, float]]) -> bool:
    print(title)
    met = True
    for name in PATHS:
        row = figures[name]
        ok = row["errors"] == 0 and row["p99_ms"] < TARGET_MS
        met &= ok
        print(
            f"  {name:<8} {row['requests']:>6} requests, {row['errors']:>4} errors, "
            f"p50 {row['p50_ms']:7.1f} ms, p99 {row['p99_ms']:7.1f} ms "
            f"[{'met' if ok else 'NOT met'}: p99 < {TARGET_MS:g} ms, no error]"
        )
    print(
        f"  slow connections opened (a new one each time the server dropped one): "
        f"{figures['slow connections']['opened']}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--compare", action="store_true", help="also against --no-front")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or guide_database(Path(folder))
        with serve(url, Path(folder) / "serve.log", []) as base:
            met = report(
                f"kb serve (defaults), {args.connections} slow connections, {args.seconds:g} s",
                measure(base, args.connections, args.seconds),
            )
        if args.compare:
            with serve(url, Path(folder) / "bare.log", ["--no-front"]) as base:
                report(
                    f"kb serve --no-front, {args.connections} slow connections, "
                    f"{args.seconds / 3:g} s (for comparison; no target)",
                    measure(base, args.connections, args.seconds / 3),
                )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
