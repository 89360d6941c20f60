"""importers.fetch against a real local HTTP server; nothing here reaches the internet."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from importers.fetch import USER_AGENT, FetchLimits, fetch
from kb.errors import InputError

LOCAL = FetchLimits(allowed_networks=("127.0.0.1/32",))
PAGE = b"# Attention\n\nA study guide.\n"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.seen.append((self.path, self.headers.get("User-Agent")))
        route = self.path.split("?")[0]
        try:
            if route == "/page":
                self._send(200, PAGE, content_type="text/markdown; charset=utf-8")
            elif route == "/redirect":
                self._redirect("/page")
            elif route.startswith("/chain/"):
                self._redirect(f"/chain/{int(route.rsplit('/', 1)[1]) + 1}")
            elif route == "/to-private":
                self._redirect("http://10.0.0.1/")
            elif route == "/to-ftp":
                self._redirect("ftp://127.0.0.1/guide.md")
            elif route == "/big":
                self._send(200, b"x" * 5000)
            elif route == "/big-unsized":  # no Content-Length: only counting the body catches it
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"x" * 5000)
            elif route == "/megabyte":
                self._send(200, b"x" * (1024 * 1024 + 1))
            elif route == "/slow":  # each byte comes well within the read timeout
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                self._trickle(b"x" * 100)
            elif route == "/slow-headers":
                self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
                self._trickle(b"y" * 100)
            else:
                self._send(404, b"not here")
        except OSError:
            pass  # the client hung up (deadline, size limit): expected

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _trickle(self, data: bytes) -> None:
        for byte in data:
            self.wfile.write(bytes([byte]))
            time.sleep(0.05)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() waits for every handler

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str | None]] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every address a socket connects to; anything but loopback fails, so no test leaves."""
    seen: list[object] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        seen.append(address)
        if not (isinstance(address, tuple) and address[0] == "127.0.0.1"):
            raise OSError("test: only 127.0.0.1 may be contacted")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def _resolve_to(monkeypatch: pytest.MonkeyPatch, *answers: list[str]) -> None:
    """Make getaddrinfo answer the next calls with `answers` (the last one repeats): simulates
    DNS, which the test does not control."""
    calls = iter(answers)
    last: list[str] = []

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        nonlocal last
        last = next(calls, last)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in last]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _fails(url: str, limits: FetchLimits | None = None, origin: str | None = None) -> str:
    """fetch(url) must raise InputError naming the URL; return its reason."""
    with pytest.raises(InputError) as info:
        fetch(url, limits=limits)
    origin = origin or url
    assert info.value.origin == origin
    assert str(info.value) == f"{origin}: {info.value.reason}"
    return info.value.reason


# --- successful fetches -----------------------------------------------------------------------


def test_fetches_a_page(server: _Server) -> None:
    url = f"{server.base}/page"
    fetched = fetch(url, limits=LOCAL)
    assert fetched.url == fetched.final_url == url
    assert fetched.content == PAGE
    assert fetched.content_type == "text/markdown; charset=utf-8"
    assert server.seen == [("/page", USER_AGENT)]
    assert USER_AGENT == "deep-learning-kb/0.1 (+guide importer)"


def test_follows_a_redirect(server: _Server) -> None:
    fetched = fetch(f"{server.base}/redirect", limits=LOCAL)
    assert fetched.url == f"{server.base}/redirect"
    assert fetched.final_url == f"{server.base}/page"
    assert fetched.content == PAGE
    assert server.paths() == ["/redirect", "/page"]


# --- limits -----------------------------------------------------------------------------------


def test_too_many_redirects(server: _Server) -> None:
    limits = FetchLimits(max_redirects=3, allowed_networks=LOCAL.allowed_networks)
    assert _fails(f"{server.base}/chain/0", limits) == "too many redirects"
    assert server.paths() == ["/chain/0", "/chain/1", "/chain/2", "/chain/3"]


def test_default_redirect_limit_is_five(server: _Server) -> None:
    assert _fails(f"{server.base}/chain/0", LOCAL) == "too many redirects"
    assert len(server.seen) == 6


def test_too_large_by_content_length(server: _Server) -> None:
    limits = FetchLimits(max_bytes=1000, allowed_networks=LOCAL.allowed_networks)
    assert _fails(f"{server.base}/big", limits) == "too large: more than 1000 bytes"


def test_too_large_while_reading(server: _Server) -> None:
    limits = FetchLimits(max_bytes=1000, allowed_networks=LOCAL.allowed_networks)
    assert _fails(f"{server.base}/big-unsized", limits) == "too large: more than 1000 bytes"


def test_too_large_in_megabytes(server: _Server) -> None:
    limits = FetchLimits(max_bytes=1024 * 1024, allowed_networks=LOCAL.allowed_networks)
    assert _fails(f"{server.base}/megabyte", limits) == "too large: more than 1 MB"


@pytest.mark.parametrize("path", ["/slow", "/slow-headers"])
def test_deadline_stops_a_trickle(server: _Server, path: str) -> None:
    limits = FetchLimits(deadline=1.0, allowed_networks=LOCAL.allowed_networks)
    started = time.monotonic()
    assert _fails(f"{server.base}{path}", limits) == "timed out after 1 s"
    assert time.monotonic() - started < 2.5


def test_http_error(server: _Server) -> None:
    assert _fails(f"{server.base}/missing", LOCAL) == "HTTP 404 Not Found"


def test_connection_refused() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reason = _fails(f"http://127.0.0.1:{port}/", LOCAL)
    assert reason.startswith("could not connect: ")
    assert "refused" in reason.lower()


# --- address refusals -------------------------------------------------------------------------


def test_local_server_refused_without_allowance(server: _Server, connections: list) -> None:
    url = f"{server.base}/page"
    reason = _fails(url)
    assert reason == "refused: the host resolves to a loopback address 127.0.0.1"
    assert connections == []
    assert server.seen == []


def test_redirect_to_private_address_refused_before_connecting(
    server: _Server, connections: list
) -> None:
    reason = _fails(f"{server.base}/to-private", LOCAL)
    assert reason == (
        "refused: the host resolves to a private address 10.0.0.1 (redirected to http://10.0.0.1/)"
    )
    assert {address[0] for address in connections} == {"127.0.0.1"}
    assert server.paths() == ["/to-private"]


def test_redirect_to_other_scheme_refused(server: _Server) -> None:
    reason = _fails(f"{server.base}/to-ftp", LOCAL)
    assert reason == (
        "refused: only http and https URLs are allowed (redirected to ftp://127.0.0.1/guide.md)"
    )


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/", "a loopback address 127.0.0.1"),
        ("http://127.1.2.3:8080/guide", "a loopback address 127.1.2.3"),
        ("http://[::1]/", "a loopback address ::1"),
        ("http://10.1.2.3/", "a private address 10.1.2.3"),
        ("http://192.168.1.1/", "a private address 192.168.1.1"),
        ("http://172.16.0.1/", "a private address 172.16.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address 169.254.169.254"),
        ("http://224.0.0.1/", "a multicast address 224.0.0.1"),
        ("http://0.0.0.0/", "an unspecified address 0.0.0.0"),
        ("http://2130706433/", "a loopback address 127.0.0.1"),
        ("http://0x7f000001/", "a loopback address 127.0.0.1"),
        ("http://017700000001/", "a loopback address 127.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address 127.0.0.1"),
        ("http://[::ffff:a00:1]/", "a private address 10.0.0.1"),
        ("http://100.64.0.1/", "a non-public address 100.64.0.1"),
        ("http://240.0.0.1/", "a reserved address 240.0.0.1"),
    ],
)
def test_refuses_non_public_addresses(url: str, address: str, connections: list) -> None:
    assert _fails(url) == f"refused: the host resolves to {address}"
    assert connections == []


def test_refuses_localhost(connections: list) -> None:
    reason = _fails("http://localhost/")
    assert reason.startswith("refused: the host resolves to a loopback address ")
    assert connections == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/guide.md", "file:///etc/passwd", "javascript:alert(1)", "example.com/x"],
)
def test_refuses_other_schemes(url: str, connections: list) -> None:
    assert _fails(url) == "refused: only http and https URLs are allowed"
    assert connections == []


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://user:secret@example.com/guide", "http://user:***@example.com/guide"),
        ("https://user@example.com/", "https://user@example.com/"),
        ("http://127.0.0.1\\@example.com/", "http://127.0.0.1\\@example.com/"),
    ],
)
def test_refuses_credentials(url: str, origin: str, connections: list) -> None:
    reason = _fails(url, origin=origin)
    assert reason == "refused: URLs with credentials are not allowed"
    assert "secret" not in reason
    assert connections == []


def test_refuses_public_name_resolving_to_private_address(
    monkeypatch: pytest.MonkeyPatch, connections: list
) -> None:
    _resolve_to(monkeypatch, ["10.0.0.7"])
    reason = _fails("https://guides.example/attention.md")
    assert reason == "refused: the host resolves to a private address 10.0.0.7"
    assert connections == []


def test_refuses_when_any_address_is_private(
    monkeypatch: pytest.MonkeyPatch, connections: list
) -> None:
    _resolve_to(monkeypatch, ["93.184.216.34", "192.168.0.5"])
    reason = _fails("http://guides.example/")
    assert reason == "refused: the host resolves to a private address 192.168.0.5"
    assert connections == []


def test_refuses_dns_rebinding(
    monkeypatch: pytest.MonkeyPatch, server: _Server, connections: list
) -> None:
    # Public for the check, loopback when requests resolves again to connect: the address
    # actually connected to is checked, and nothing is sent.
    _resolve_to(monkeypatch, ["93.184.216.34"], ["127.0.0.1"])
    url = f"http://rebind.example:{server.server_address[1]}/page"
    assert _fails(url) == "refused: the host connected to a loopback address 127.0.0.1"
    assert server.seen == []


def test_allowed_networks_must_be_valid() -> None:
    with pytest.raises(ValueError):
        FetchLimits(allowed_networks=("not-a-network",))
