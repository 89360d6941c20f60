"""`kb serve` as it runs by default: nginx in front of gunicorn's sync workers. Slow clients
cannot tie the workers up, what the front answers itself is a problem document, and the client's
address reaches the application."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import flask
import pytest
import requests

from api.app import create_app, engine_of
from tests.servers import Server


@pytest.fixture
def server(database_url):
    started = Server(database_url)
    yield started
    started.stop()


@pytest.fixture
def bare_server(database_url):
    started = Server(database_url, "--no-front")
    yield started
    started.stop()


def ask_health_among_slow_clients(server: Server) -> requests.Response:
    """/health, while twenty connections (ten times the workers) send their headers a line at
    a time."""
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]
    try:
        for connection in slow:
            connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n")
        time.sleep(1)
        for connection in slow:
            connection.sendall(b"X-Slow: still sending\r\n")
        return requests.get(f"{server.url}/health", timeout=5)
    finally:
        for connection in slow:
            connection.close()


def test_slow_clients_do_not_hold_the_workers(server):
    assert ask_health_among_slow_clients(server).status_code == 200


def test_without_the_front_slow_clients_hold_every_worker(bare_server):
    with pytest.raises(requests.Timeout):
        ask_health_among_slow_clients(bare_server)


def test_what_the_front_answers_itself_is_a_problem(server):
    def chunks():
        yield b'{"name": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    for body in (b"{" + b" " * 100_000 + b"}", chunks()):
        answer = requests.post(
            f"{server.url}/learners", data=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 413
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json() == {
            "type": "about:blank",
            "title": "Request Entity Too Large",
            "status": 413,
            "detail": "the request body is larger than the limit of 65536 bytes",
            "instance": "/api/v1/learners",
        }


def test_long_urls_and_many_headers_get_the_front_s_problems_or_an_answer(server):
    long_url = requests.get(f"{server.url}/topics?q={'a' * 20_000}")
    assert long_url.status_code == 414
    assert long_url.headers["Content-Type"] == "application/problem+json"
    for url in (f"{server.url}/topics?q={'a' * 6000}", f"{server.url}/health"):
        many = requests.get(url, headers={f"X-Header-{n}": "x" * 40 for n in range(150)})
        assert many.headers["Content-Type"].startswith("application/"), many.text[:200]
        assert "json" in many.headers["Content-Type"] and many.status_code < 500


def test_the_front_s_problems_stay_json_whatever_the_path(server):
    # A quote in a path could end the JSON string nginx writes it in: it is left out.
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(
            b'POST /api/v1/lea"rners HTTP/1.1\r\nHost: localhost\r\n'
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        answer = raw.recv(65536).decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 413") and "application/problem+json" in head
    assert json.loads(body)["instance"] == ""


def test_behind_the_front_the_client_address_is_the_one_it_gives(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "BEHIND_PROXY": True})
    seen = []
    app.before_request(lambda: seen.append(flask.request.remote_addr))
    try:
        app.test_client().get(
            "/api/v1/health",
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
    finally:
        engine_of(app).dispose()
    assert seen == ["203.0.113.7"]


def test_a_setting_that_cannot_be_used_stops_the_server_with_one_line(database_url):
    env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_SANDBOX_TIMEOUT": "soon"}
    done = subprocess.run(
        [sys.executable, "-c", "import api.wsgi"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: KB_SANDBOX_TIMEOUT='soon': must be a positive number"
    ]
