"""Bad input exits with status 2, one line on stderr naming the input and the reason, and leaves
the database exactly as it was."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.cli import main

NAV_ONLY = b"""<!doctype html><html><head><title>Blog</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/feed.xml">RSS</a></nav>
<footer><a href="mailto:me@example.org">Contact</a></footer></body></html>"""


@pytest.fixture
def seeded(runner, guide_files):
    """A database that already holds one edition, and its export."""
    first = runner.invoke(main, ["import", str(guide_files[0])])
    assert first.exit_code == 0, first.output
    return runner, runner.invoke(main, ["export"]).stdout


def assert_refused(seeded, args: list[str], *expected: str) -> None:
    runner, before = seeded
    result = runner.invoke(main, ["import", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for part in expected:
        assert part in lines[0]
    assert runner.invoke(main, ["export"]).stdout == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty input"),
        (b"  \n\t\n", "empty input"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary content"),
        ("Caf\u00e9 au lait, a guide to deep learning".encode("latin-1"), "not valid UTF-8"),
        (NAV_ONLY, "no article text"),
    ],
    ids=["empty", "blank", "binary", "undecodable", "html-without-article"],
)
def test_bad_file(seeded, tmp_path, content, reason):
    path = tmp_path / "guide.input"
    path.write_bytes(content)
    assert_refused(seeded, [str(path)], str(path), reason)


def test_file_over_20_mb(seeded, tmp_path):
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)
    assert_refused(seeded, [str(path)], str(path), "too large")


def test_missing_file(seeded, tmp_path):
    assert_refused(seeded, [str(tmp_path / "absent.md")], "absent.md", "no such file")


def test_one_bad_input_imports_nothing_of_the_others(seeded, guide_files, tmp_path):
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    assert_refused(seeded, [str(guide_files[1]), str(empty)], str(empty), "empty input")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/guide.html", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/guide.md", "private"),
        ("ftp://example.org/guide.md", "only http and https"),
    ],
)
def test_refused_url(seeded, url, reason):
    assert_refused(seeded, [url], url, "refused", reason)


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_failing_url(seeded, local_server, monkeypatch):
    monkeypatch.setenv("KB_FETCH_ALLOW_NETWORKS", "127.0.0.1/32")
    url = f"{local_server}/missing-guide.html"
    assert_refused(seeded, [url], url, "HTTP 404")
