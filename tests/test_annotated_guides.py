"""The extraction on the annotated guides it was developed on, edge by edge, against the expert's
annotations in tests/data/guides/annotations (bench/knowledge.py prints the figures; the
held-out guides are measured there and never asserted on here).

Each annotated prerequisite is a test of its own: found, or named in known_gaps.json as not
found yet, a strict xfail, so that finding it fails too and the list can only shrink. Each edge
stored that the expert did not annotate must be a known wrong edge of its guide, no negated
statement is ever stored, and each stored edge quotes its evidence from the guide.
`python bench/knowledge.py --gaps` prints the current gaps in the file's format.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.annotations import Edge, annotations, score
from importers.pipeline import ImportInput, import_inputs
from kb import db
from kb.export import export

GAPS = json.loads((Path(__file__).parent / "data" / "guides" / "known_gaps.json").read_text())
DEVELOPED_ON = [a for a in annotations() if not a.held_out]


def _cases():
    for annotation in DEVELOPED_ON:
        missed = {tuple(edge) for edge in GAPS[annotation.name]["missed"]}
        for edge in annotation.stated + annotation.implied:
            marks = [pytest.mark.xfail(strict=True, reason="not found yet")]
            yield pytest.param(
                annotation.name,
                edge,
                marks=marks if (edge.topic, edge.requires) in missed else (),
                id=f"{annotation.name}: {edge.topic} requires {edge.requires}",
            )


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, tuple[object, dict]]:
    """Each guide imported alone into a fresh knowledge base: (annotation, export)."""
    folder = tmp_path_factory.mktemp("annotated")
    found = {}
    for annotation in DEVELOPED_ON:
        url = f"sqlite:///{folder / f'{annotation.name}.sqlite3'}"
        db.upgrade(url)
        engine = db.make_engine(url)
        with db.session_factory(engine)() as session:
            with session.begin():
                data = annotation.guide.read_bytes()
                import_inputs(session, [ImportInput(str(annotation.guide), data)])
            found[annotation.name] = (annotation, export(session))
        engine.dispose()
    return found


@pytest.mark.parametrize(("guide", "edge"), list(_cases()))
def test_annotated_prerequisite_is_found(imported, guide: str, edge: Edge):
    annotation, exported = imported[guide]
    assert edge not in score(annotation, exported).missed_edges


@pytest.mark.parametrize("guide", [a.name for a in DEVELOPED_ON])
def test_the_wrong_edges_stored_are_the_known_ones(imported, guide: str):
    """Known: a new wrong edge fails, and so does a known one no longer stored (the list is
    then out of date, and shorter)."""
    annotation, exported = imported[guide]
    wrong = {(e.topic, e.requires) for e in score(annotation, exported).wrong_edges}
    assert wrong == {tuple(edge) for edge in GAPS[guide]["wrong"]}


@pytest.mark.parametrize("guide", [a.name for a in DEVELOPED_ON])
def test_each_known_miss_is_an_annotated_edge(guide: str):
    annotation = next(a for a in DEVELOPED_ON if a.name == guide)
    annotated = {(e.topic, e.requires) for e in annotation.stated + annotation.implied}
    assert {tuple(edge) for edge in GAPS[guide]["missed"]} <= annotated


@pytest.mark.parametrize("guide", [a.name for a in DEVELOPED_ON])
def test_no_negated_statement_is_stored(imported, guide: str):
    annotation, exported = imported[guide]
    assert score(annotation, exported).negations_stored == 0


@pytest.mark.parametrize("guide", [a.name for a in DEVELOPED_ON])
def test_each_stored_edge_quotes_the_guide(imported, guide: str):
    annotation, exported = imported[guide]
    text = _plain(annotation.guide.read_text())
    for edge in exported["prerequisites"]:
        assert edge["evidence"], edge
        for evidence in edge["evidence"]:
            if edge["origin"] == "suggested-order":  # the evidence is the order of headings
                continue
            quoted = evidence["sentence"].split(": prerequisites: ")[-1]
            assert _plain(quoted)[:40] in text, (edge["topic"], edge["requires"], evidence)


def test_ossu_links_are_resources_and_its_prerequisites_column_is_edges(imported):
    annotation, exported = imported["ossu-computer-science"]
    result = score(annotation, exported)
    assert result.links_found >= 0.95 * result.links
    rows = [_plain(line) for line in annotation.guide.read_text().splitlines() if "|" in line]
    cells = [
        evidence["sentence"].split(": prerequisites: ")
        for edge in exported["prerequisites"]
        if edge["rule"] == "prerequisites column"
        for evidence in edge["evidence"]
    ]
    assert len(cells) >= 20
    for subject, cell in cells:  # the course's row holds the cell
        assert any(_plain(subject) in row and _plain(cell) in row for row in rows), subject


def _plain(markdown: str) -> str:
    """Text without link targets, emphasis or repeated spaces, as the import quotes it."""
    text = re.sub(r"\]\([^)]*\)", "", markdown)
    return " ".join(re.sub(r"[*_`\[\]]", "", text).split())
