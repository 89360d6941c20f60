"""The five editions of "Learning Deep Learning with Keras", imported in one call."""

from __future__ import annotations

import json
import re
from collections import Counter

import networkx as nx
import pytest
from click.testing import CliRunner

from api.cli import main
from kb.urls import url_case_key

TOKEN = re.compile(r"(?<![a-z0-9])id\d+s?(?![a-z0-9])", re.I)


def run(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--database-url", database_url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def imported(make_database, guide_files):
    url = make_database()
    run(url, "import", *map(str, guide_files))
    return url, json.loads(run(url, "export"))


def lynx_content_links(guide_files) -> list[str]:
    """The reference-list URLs that the article's text (and its footnotes) cites.

    Written independently of the importer: the article runs from the title (the first line at
    column 0) to the share button line ("[205]tweet"); same-page footnote links are not
    resources."""
    text = next(p for p in guide_files if p.suffix == ".txt" and "lynx" in p.name).read_text()
    body, references = re.split(r"^references$", text, flags=re.M)
    urls = dict(re.findall(r"^\s*(\d+)\. (\S+)$", references, flags=re.M))
    lines = body.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith(" "))
    end = next(i for i, line in enumerate(lines) if re.match(r"^\s*\[\d+\]tweet\s*$", line))
    cited = re.findall(r"\[(\d+)\]", "\n".join(lines[start:end]))
    return [urls[n] for n in cited if n in urls and "#fn" not in urls[n]]


def test_content_links_of_the_lynx_dump_are_resources(imported, guide_files):
    _, export = imported
    keys = {url_case_key(r["url"]) for r in export["resources"]}

    def stored(url: str) -> bool:
        key = url_case_key(url)
        if key in keys:
            return True
        # A URL with a topic token was repaired: its other characters must still match.
        pattern = re.compile(TOKEN.sub("[^/?#]+", re.escape(key).replace(r"\-", "-")) + "$")
        return bool(TOKEN.search(key)) and any(pattern.match(k) for k in keys)

    links = lynx_content_links(guide_files)
    missing = [url for url in links if not stored(url)]
    assert len(links) > 150
    assert (len(links) - len(missing)) / len(links) >= 0.98, missing


def test_navigation_share_and_footer_links_are_not_resources(imported):
    _, export = imported
    urls = {r["url"].rstrip("/") for r in export["resources"]}
    for chrome in (
        "https://p.migdal.pl/feed.xml",
        "https://p.migdal.pl/projects",
        "https://twitter.com/share",
        "https://linkedin.com/in/piotrmigdal",
        "http://migdal.zenfolio.com",
    ):
        assert chrome not in urls


def test_no_topic_token_survives_in_titles_or_urls(imported):
    _, export = imported
    damaged = [
        (r["title"], r["url"])
        for r in export["resources"]
        if TOKEN.search(r["title"] + " " + r["url"])
    ]
    assert damaged == []


def test_titles_and_urls_are_repaired_from_the_other_editions(imported):
    _, export = imported
    by_key = {r["url_key"].lower(): r for r in export["resources"]}
    playground = by_key["https://playground.tensorflow.org/"]
    assert playground["title"] == "TensorFlow Playground"
    assert playground["url_case_uncertain"] is False
    pigeons = by_key["https://youtube.com/watch?v=flzgjnjlys0"]
    assert "flzGjnJLyS0" in pigeons["url"]
    rnn = next(r for r in export["resources"] if "karpathy.github.io/2015/05/21" in r["url"])
    assert rnn["url"].endswith("/rnn-effectiveness/")
    assert rnn["title"] == "The Unreasonable Effectiveness of Recurrent Neural Networks"


def test_a_url_whose_case_cannot_be_known_is_flagged(imported):
    _, export = imported
    # Only the lower-cased dump links this playlist: its case is lost and must not be guessed.
    playlist = next(
        r for r in export["resources"] if "plkt2usq6rbvctenovbg1tpcc7oqi31alc" in r["url"].lower()
    )
    assert playlist["url_case_uncertain"] is True
    assert all(
        not r["url_case_uncertain"] for r in export["resources"] if r["url"] != r["url"].lower()
    )


def test_mentions_come_from_all_five_editions(imported):
    _, export = imported
    editions = {e["id"] for s in export["sources"] for e in s["editions"]}
    mentioned = Counter(m["edition"] for r in export["resources"] for m in r["mentions"])
    assert set(mentioned) == editions and len(editions) == 5
    assert len(export["sources"]) == 1


def test_link_less_editions_mention_at_least_20_resources(imported):
    _, export = imported
    named = {r["url_key"] for r in export["resources"] for m in r["mentions"] if not m["linked"]}
    assert len(named) >= 20


def test_a_name_without_link_attaches_to_the_video_another_edition_links(imported):
    _, export = imported
    welch = [
        r
        for r in export["resources"]
        for m in r["mentions"]
        if not m["linked"] and "Stephen Welch" in m["context"]
    ]
    assert welch and all("youtube.com/watch" in r["url"] for r in welch)


def test_stated_prerequisites_with_their_sentences_and_no_cycle(imported):
    _, export = imported
    stated = [p for p in export["prerequisites"] if p["origin"] == "stated"]
    assert len(stated) >= 12
    assert all(p["evidence"] and all(e["sentence"] for e in p["evidence"]) for p in stated)
    edges = {(p["topic"], p["requires"]) for p in export["prerequisites"]}
    assert ("neural-networks", "logistic-regression") in edges
    assert ("keras", "python") in edges
    assert nx.is_directed_acyclic_graph(nx.DiGraph(list(edges)))
    quoted = " ".join(e["sentence"] for p in stated for e in p["evidence"])
    assert "it is good to understand logistic regression, which is a building block" in quoted


def test_topics_merge_aliases_and_tokens(imported):
    _, export = imported
    cnn = next(t for t in export["topics"] if t["slug"] == "convolutional-networks")
    assert {"CNN", "id98"} <= set(cnn["aliases"])
    slugs = {t["slug"] for t in export["topics"]}
    assert {
        "python",
        "keras",
        "tensorflow",
        "mnist",
        "notmnist",
        "cifar-10",
        "linear-algebra",
    } <= slugs


def test_importing_again_changes_nothing(imported, guide_files):
    url, export = imported
    run(url, "import", *map(str, guide_files))
    assert json.loads(run(url, "export")) == export
    assert run(url, "export") == json.dumps(export, ensure_ascii=False, indent=2) + "\n"


def test_reverse_order_gives_the_same_graph(imported, make_database, guide_files):
    _, forward = imported
    url = make_database()
    for path in reversed(guide_files):  # one at a time: every import rebuilds the source
        run(url, "import", str(path))
    assert _without_ids(json.loads(run(url, "export"))) == _without_ids(forward)


def _without_ids(export: dict) -> dict:
    """The export with edition ids replaced by the edition's sha256."""
    sha = {e["id"]: e["sha256"] for s in export["sources"] for e in s["editions"]}
    text = json.dumps(export, sort_keys=True)
    data = json.loads(text)
    for source in data["sources"]:
        source.pop("id")
        source["editions"] = sorted(
            ({k: v for k, v in e.items() if k != "id"} for e in source["editions"]),
            key=lambda e: e["sha256"],
        )
    for prerequisite in data["prerequisites"]:
        for evidence in prerequisite["evidence"]:
            evidence["edition"] = sha[evidence["edition"]]
        prerequisite["evidence"].sort(key=lambda e: (e["edition"], e["sentence"]))
    for resource in data["resources"]:
        for mention in resource["mentions"]:
            mention["edition"] = sha[mention["edition"]]
        resource["mentions"].sort(key=lambda m: json.dumps(m, sort_keys=True))
    return data
