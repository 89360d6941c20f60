"""What the benchmarks share about the servers and workers they start."""

from __future__ import annotations

import subprocess

STOP_SECONDS = 30  # how long a process may take to stop once asked, before it is killed


def stop(process: subprocess.Popen) -> None:
    """Ask `process` to stop (SIGTERM), and kill it if it has not within STOP_SECONDS."""
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
