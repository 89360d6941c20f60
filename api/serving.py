"""`kb serve`: gunicorn's sync workers behind nginx, which only nginx can reach.

Sync workers are the fastest here for the API's short, CPU-bound requests, but each answers one
connection at a time, from its first header to its last byte: a client that sends its headers
one line every few seconds holds a worker until gunicorn's timeout, and a handful of such
clients stop the API. nginx holds every connection instead, thousands of them, and hands a
request to gunicorn only once it has all of it (headers and body, read with time-outs); it sends
the answer on at the client's pace from its own buffers. gunicorn listens on a unix socket in a
private folder, so that no one else reaches it, and trusts the client address nginx gives it.
`--no-front` serves gunicorn alone on the port, for a deployment with its own proxy.

Errors nginx answers itself (a body over the limit, a request it could not read, the
application down) are problem documents like the API's own.
"""

from __future__ import annotations

import http
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kb.settings import Settings, child_environment

HEADER_SECONDS = 10  # for a request's headers, then for each read of its body
SEND_SECONDS = 30  # for each write of an answer to a slow reader
KEEPALIVE_SECONDS = 30
START_SECONDS = 120  # for gunicorn to load the knowledge base and bind its socket
NGINX_ERRORS = (400, 408, 413, 414, 431, 494, 500, 502, 503, 504)
UNAVAILABLE = (502, 503, 504)  # the application is not answering: try again soon


def serve(
    *, host: str, port: int, workers: int, threads: int, front: bool, settings: Settings
) -> int:
    """Serve until SIGTERM or SIGINT; returns the exit status."""
    database = {"KB_DATABASE_URL": settings.database_url}  # as --database-url may have said
    if not front:
        command = _gunicorn(f"{host}:{port}", workers, threads, front=False)
        os.execve(sys.executable, command, child_environment(**database))
    nginx = shutil.which("nginx")
    if nginx is None:
        raise SystemExit("kb serve: nginx is missing (make install puts it there); or --no-front")
    folder = Path(tempfile.mkdtemp(prefix="kb-serve-"))
    socket = folder / "app.sock"
    try:
        max_body = settings.max_request_bytes
        (folder / "nginx.conf").write_text(nginx_config(folder, socket, host, port, max_body))
        env = child_environment(**database, KB_BEHIND_PROXY="1")
        app = subprocess.Popen(_gunicorn(f"unix:{socket}", workers, threads, front=True), env=env)
        processes = [app]
        stop = _stop_on_signals()
        if not _wait_for(socket, app):
            return app.poll() or 1
        command = [nginx, "-p", str(folder), "-e", "stderr", "-c", str(folder / "nginx.conf")]
        processes.append(subprocess.Popen([*command, "-g", "daemon off;"]))
        while all(process.poll() is None for process in processes) and not stop:
            time.sleep(0.2)
        _stop(processes)
        return 0 if stop else next(p.returncode for p in processes if p.returncode) or 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _gunicorn(bind: str, workers: int, threads: int, *, front: bool) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", "--bind", bind]
    command += ["--workers", str(workers), "--threads", str(threads)]
    command += ["--worker-class", "gthread" if threads > 1 else "sync"]
    # Load the knowledge base once, before forking: the workers share it instead of each
    # spending seconds (on a large base) loading its own copy at the same time.
    command += ["--preload"]
    command += ["--no-control-socket"]  # gunicorn's own, in $HOME: one per machine, not ours
    if front:
        # nginx bounds the request line and headers (large_client_header_buffers), and
        # answers what is over them with a problem document: gunicorn's own limits, lower,
        # would answer an HTML page instead.
        command += ["--limit-request-line", "0", "--limit-request-field_size", "0"]
        command += ["--limit-request-fields", "32768"]
    else:  # behind nginx, nginx logs each request, with the client's own address
        command += ["--access-logfile", "-"]
    return [*command, "api.wsgi:app"]


def nginx_config(folder: Path, socket: Path, host: str, port: int, max_body: int) -> str:
    """nginx's whole configuration: every path in `folder`, the application at `socket`."""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    temp += "\n" + "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("uwsgi", "scgi"))
    user = "user root root;\n" if os.geteuid() == 0 else ""  # as the process that serves now
    pages = "\n".join(_error_page(status, max_body) for status in NGINX_ERRORS)
    statuses = " ".join(map(str, NGINX_ERRORS))
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
events {{
    worker_connections 8192;
}}
http {{
    access_log /dev/stdout;
    server_tokens off;
{temp}
    client_header_timeout {HEADER_SECONDS}s;
    client_body_timeout {HEADER_SECONDS}s;
    send_timeout {SEND_SECONDS}s;
    keepalive_timeout {KEEPALIVE_SECONDS}s;
    reset_timedout_connection on;
    client_max_body_size {max_body};
    client_body_buffer_size {max_body};
    large_client_header_buffers 4 16k;
    # Only the characters that need no escaping in a JSON string, for the problems' "instance".
    map $request_uri $problem_instance {{
        "~^(?<path>[A-Za-z0-9/._~%!$&'()*+,;=:@-]*)(\\?.*)?$" $path;
        default "";
    }}
    upstream application {{
        server unix:{socket};
    }}
    server {{
        listen {listen} backlog=4096;
        error_page {statuses} /.problem/$status;
        location / {{
            proxy_pass http://application;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            proxy_intercept_errors off;
        }}
{pages}
    }}
}}
"""


def _error_page(status: int, max_body: int) -> str:
    detail = {
        400: "the request could not be read",
        408: "the request was not sent in time",
        413: f"the request body is larger than the limit of {max_body} bytes",
        414: "the request's URL is too long",
        431: "the request's headers are too large",
        494: "the request's headers are too large",
        500: "the server failed to answer this request",
        502: "the service is starting or restarting: try again in a few seconds",
        503: "the service is starting or restarting: try again in a few seconds",
        504: "the service took too long to answer",
    }[status]
    shown = 431 if status == 494 else status  # nginx's own code for large headers
    problem = {
        "type": "about:blank",
        "title": http.HTTPStatus(shown).phrase,
        "status": shown,
        "detail": detail,
        "instance": "$problem_instance",
    }
    body = json.dumps(problem).replace("'", "\\'")
    retry = "            add_header Retry-After 5 always;\n" if status in UNAVAILABLE else ""
    return f"""        location = /.problem/{status} {{
            internal;
            default_type application/problem+json;
{retry}            return {shown} '{body}';
        }}"""


def _wait_for(socket: Path, app: subprocess.Popen) -> bool:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if socket.exists():
            return True
        if app.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def _stop_on_signals() -> list[int]:
    """Remember the signal that asks us to stop (the supervising loop then stops both)."""
    received: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: received.append(number))
    return received


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):  # nginx first: no new request reaches the workers
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT if process is not processes[0] else signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
