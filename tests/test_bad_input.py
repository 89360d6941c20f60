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


def test_a_symbolic_link_out_of_an_imported_folder_is_not_followed(seeded, guide_files, tmp_path):
    runner, before = seeded
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "passwd.md").symlink_to("/etc/passwd")
    (folder / "outside.md").symlink_to(guide_files[1])
    (folder / "same.md").symlink_to(guide_files[0])  # a link, but out of the folder too
    result = runner.invoke(main, ["import", str(folder)])
    assert result.exit_code == 0, result.output
    for name in ("passwd.md", "outside.md", "same.md"):
        assert f"{folder / name}: a link out of the folder, skipped" in result.stderr
    assert "imported 0 new edition(s)" in result.stdout
    assert runner.invoke(main, ["export"]).stdout == before


def test_a_link_inside_the_folder_is_imported_once(runner, guide_files, tmp_path):
    folder = tmp_path / "guides"
    folder.mkdir()
    (folder / "guide.md").write_bytes(guide_files[1].read_bytes())
    (folder / "also.md").symlink_to(folder / "guide.md")
    result = runner.invoke(main, ["import", str(folder)])
    assert result.exit_code == 0, result.output
    assert "imported 1 new edition(s), 1 already known" in result.stdout


class _Latin1Page(BaseHTTPRequestHandler):
    """A guide that says it is in ISO-8859-1, in its header or in a <meta>, and is."""

    PAGE = (
        "<html><head>{meta}<title>Réseaux de neurones</title></head><body><article>"
        "<h1>Réseaux de neurones</h1><p>Un guide naïf pour apprendre "
        '<a href="https://keras.io/">Keras</a>, étape par étape.</p></article></body></html>'
    )

    def do_GET(self):  # noqa: N802 (the http.server API)
        in_header = self.path == "/header.html"
        meta = (
            ""
            if in_header
            else '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        )
        body = self.PAGE.format(meta=meta).encode("latin-1")
        self.send_response(200)
        charset = "; charset=ISO-8859-1" if in_header else ""
        self.send_header("Content-Type", f"text/html{charset}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("page", ["header.html", "meta.html"])
def test_a_declared_charset_is_honoured(runner, monkeypatch, page):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Latin1Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("KB_FETCH_ALLOW_NETWORKS", "127.0.0.1/32")
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{page}"
        result = runner.invoke(main, ["import", url])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    exported = runner.invoke(main, ["export"]).stdout
    assert "Réseaux de neurones" in exported and "\\u00e9" not in exported.replace("é", "")


def test_two_imports_at_once_both_end_cleanly(runner, guide_files, database_url, tmp_path):
    """The second waits for the first (one transaction at a time), then finds it all known."""
    import subprocess
    import sys
    from pathlib import Path

    kb = Path(sys.executable).with_name("kb")
    files = [str(path) for path in guide_files]
    imports = [
        subprocess.Popen(
            [kb, "--database-url", database_url, "import", *files],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300) for process in imports]
    statuses = [process.returncode for process in imports]
    for (_, err), status in zip(outputs, statuses, strict=True):
        assert status == 0 and "Traceback" not in err, (status, err)
    said = sorted(out.split(";")[0] for out, _ in outputs)
    assert said == [
        "imported 0 new edition(s), 5 already known",
        "imported 5 new edition(s), 0 already known",
    ]
