"""`kb serve` in a subprocess, as a user runs it, for the tests that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

V1 = "/api/v1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`kb serve` on a free port, its rate limit off; `options` are its own."""

    def __init__(self, database_url: str, *options: str):
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.root}{V1}"
        env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_RATE_LIMIT": ""}
        kb = os.path.join(os.path.dirname(sys.executable), "kb")
        command = [kb, "serve", "--port", str(self.port), "--workers", "2", *options]
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/health", timeout=1).raise_for_status()
                return
            except requests.RequestException:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                time.sleep(0.2)
        raise AssertionError("kb serve did not answer within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stderr.close()
