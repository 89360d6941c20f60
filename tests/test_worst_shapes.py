"""The worst shapes of input a guide can take (bench/shapes.py, and a few of their kin), at small
sizes: each imports whole, loses nothing and keeps what each link holds bounded. Their cost at
0.25, 0.5 and 1 MB is measured by bench/import.py, not here."""

from __future__ import annotations

import networkx as nx
import pytest
from sqlalchemy import select

from bench.shapes import big_table, deep_nesting, links_paragraph, long_line
from importers.pipeline import ImportInput, import_inputs
from importers.sentences import LONGEST_SENTENCE
from kb.export import export
from kb.models import Mention

SIZE = 20_000
AFTER = "\n\n## After\n\nRead [the last one](https://example.org/after) too.\n"


def _imported(session, text: str) -> dict:
    import_inputs(session, [ImportInput("shape.md", text.encode())])
    return export(session)


def _link_count(text: str) -> int:
    return text.count("](https://")


@pytest.mark.parametrize(
    "text",
    [
        links_paragraph(SIZE) + AFTER,
        deep_nesting(SIZE) + AFTER,
        big_table(SIZE) + AFTER,
        # links with no space between them: one word of a paragraph, read once, not per link
        "# Tight\n\n- " + "".join(f"[n{i}](https://example.org/t/{i})" for i in range(500)) + AFTER,
        "# Marks\n\n" + "- " * 40 + "> " * 40 + "[deep](https://example.org/deep)" + AFTER,
        "# Quotes\n\n"
        + "".join("> " * d + f"[q{d}](https://example.org/q/{d})\n" for d in range(60))
        + AFTER,
        f"# Word\n\n[{'a' * SIZE}](https://example.org/word) is one anchor." + AFTER,
    ],
    ids=[
        "paragraph of links",
        "deep nesting",
        "table",
        "tight links",
        "marks",
        "quotes",
        "word",
    ],
)
def test_every_link_is_a_resource_and_nothing_after_is_lost(session, text):
    exported = _imported(session, text)
    assert len(exported["resources"]) == _link_count(text)
    assert "https://example.org/after" in {r["url"] for r in exported["resources"]}


def test_a_line_indented_past_any_nesting_is_code_and_the_rest_is_read(session):
    text = "# Indent\n\n" + "\t" * SIZE + "- [indented](https://example.org/indented)" + AFTER
    assert [r["url"] for r in _imported(session, text)["resources"]] == [
        "https://example.org/after"
    ]


def test_a_link_in_an_endless_sentence_keeps_the_words_around_it(session):
    text = links_paragraph(SIZE)
    import_inputs(session, [ImportInput("links.md", text.encode())])
    mentions = session.scalars(select(Mention)).all()
    assert len(mentions) == _link_count(text)
    assert max(len(m.context) for m in mentions) < LONGEST_SENTENCE
    # all lower-case, the text is taken for a damaged edition: its phrases start with capitals
    assert all(m.anchor.lower() in m.context.lower() for m in mentions)


def test_a_line_without_a_full_stop_gives_an_acyclic_graph_with_its_own_words_as_evidence(session):
    line = long_line(SIZE)
    exported = _imported(session, line)
    edges = [(p["topic"], p["requires"]) for p in exported["prerequisites"]]
    assert edges  # its phrases do state requirements
    assert nx.is_directed_acyclic_graph(nx.DiGraph(edges))
    assert all(e["sentence"] in line for p in exported["prerequisites"] for e in p["evidence"])


def test_a_huge_table_keeps_each_prerequisites_cell_as_evidence(session):
    text = big_table(SIZE)
    exported = _imported(session, text)
    from_cells = [p for p in exported["prerequisites"] if p["rule"] == "prerequisites column"]
    assert from_cells
    rows = text.splitlines()
    for edge in from_cells:
        for evidence in edge["evidence"]:
            subject, cell = evidence["sentence"].split(": prerequisites: ")
            assert any(subject in row and cell in row for row in rows)
