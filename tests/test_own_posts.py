"""The import's guarantees on two study guides the importers were not written against:
an HTML page with site chrome, and a lynx-style dump (tests/data/posts, original posts)."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from api.cli import main
from kb.urls import normalize_url
from tests.conftest import POSTS

EXPECTED = json.loads((POSTS / "expected.json").read_text())
PREREQUISITES = {
    "cnn-study-guide.html": {
        ("convolutional-networks", "neural-networks"),
        ("transfer-learning", "convolutional-networks"),
        ("cifar-10", "mnist"),
    },
    "rnn-reading-list.txt": {("lstm", "recurrent-networks")},
}


@pytest.fixture(scope="module", params=sorted(PREREQUISITES))
def post(request, make_database):
    from click.testing import CliRunner

    url = make_database()
    runner = CliRunner(env={"KB_DATABASE_URL": url})
    path = POSTS / request.param
    result = runner.invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    return request.param, runner, json.loads(runner.invoke(main, ["export"]).stdout)


def test_format_title_and_author(post):
    name, _, export = post
    expected = EXPECTED[name]
    (source,) = export["sources"]
    assert source["editions"][0]["format"] == expected["format"]
    assert source["title"] == expected["title"]
    assert source["author"] == expected.get("author") or expected["format"] == "lynx"


def test_every_content_link_is_one_resource_and_nothing_else(post):
    name, _, export = post
    expected = EXPECTED[name]
    stored = {r["url_key"] for r in export["resources"]}
    content = {normalize_url(u) for u in expected["content_urls"]}
    assert content <= stored
    assert not stored & {normalize_url(u) for u in expected["excluded_urls"]}
    assert len(stored) == len(content)  # www., slash and utm_ variants were merged


def test_stated_prerequisites_with_sentences_and_no_cycle(post):
    name, _, export = post
    edges = {(p["topic"], p["requires"]) for p in export["prerequisites"]}
    assert PREREQUISITES[name] <= edges
    assert all(p["evidence"] for p in export["prerequisites"])
    assert nx.is_directed_acyclic_graph(nx.DiGraph(list(edges)))


def test_importing_again_changes_nothing(post):
    name, runner, export = post
    again = runner.invoke(main, ["import", str(POSTS / name)])
    assert "0 new edition(s), 1 already known" in again.stdout
    assert json.loads(runner.invoke(main, ["export"]).stdout) == export


def test_two_posts_are_two_sources(runner):
    result = runner.invoke(main, ["import", *(str(POSTS / name) for name in PREREQUISITES)])
    assert result.exit_code == 0, result.output
    export = json.loads(runner.invoke(main, ["export"]).stdout)
    assert sorted(s["title"] for s in export["sources"]) == sorted(
        EXPECTED[name]["title"] for name in PREREQUISITES
    )


CIRCULAR_POST = """# Two topics that need each other

Keras requires a good grasp of TensorFlow, says one paragraph of this post.

TensorFlow requires Keras, says another, which cannot both hold.

See the [Keras documentation](https://keras.io/) and the
[TensorFlow guide](https://www.tensorflow.org/guide).
"""


def test_an_edge_that_would_close_a_cycle_is_reported_and_not_stored(runner, tmp_path):
    path = tmp_path / "circular.md"
    path.write_text(CIRCULAR_POST)
    result = runner.invoke(main, ["import", str(path)])
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert "would close the cycle" in warning
    export = json.loads(runner.invoke(main, ["export"]).stdout)
    edges = {(p["topic"], p["requires"]) for p in export["prerequisites"]}
    assert len(edges & {("keras", "tensorflow"), ("tensorflow", "keras")}) == 1
