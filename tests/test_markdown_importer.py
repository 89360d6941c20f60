"""MarkdownImporter and JekyllMarkdownImporter on small inline documents, and format detection
of the five real editions of the guide."""

from pathlib import Path

import pytest

from importers import registry
from importers.markdown import JekyllMarkdownImporter, MarkdownImporter, _shallow
from kb.errors import InputError

GUIDES = Path(__file__).resolve().parents[2] / "shared" / "guides" / "learning-deep-learning-2017"
PAGE = "https://p.migdal.pl/2017/04/18/post.html"

JEKYLL = """---
layout: post
title: "Learning Deep Learning"
author: Jane Doe
date: '2017-04-18 19:30 +0100'
---

# Learning Deep Learning

Intro paragraph.

## Basics

Basic text.

### Details

Detail text.

## Frameworks

Framework text.
"""


def markdown(text: str, origin: str = "guide.md"):
    return MarkdownImporter().parse(text, origin)


def jekyll(text: str, origin: str = "guide.md"):
    return JekyllMarkdownImporter().parse(text, origin)


def only_link(document):
    assert len(document.links) == 1, document.links
    return document.links[0]


# --- front matter and headings ----------------------------------------------------------------


def test_jekyll_front_matter_gives_title_author_and_date():
    document = jekyll(JEKYLL)
    assert document.format == "jekyll-markdown"
    assert document.title == "Learning Deep Learning"
    assert document.author == "Jane Doe"
    assert document.date == "2017-04-18 19:30 +0100"


def test_unquoted_yaml_date_is_kept_as_text():
    document = jekyll("---\ntitle: T\ndate: 2017-03-04\n---\n\nBody.\n")
    assert document.date == "2017-03-04"
    assert document.author is None


def test_title_h1_is_not_a_section_and_levels_are_relative():
    document = jekyll(JEKYLL)
    assert [(s.title, s.level, s.position) for s in document.sections] == [
        ("Basics", 1, 0),
        ("Details", 2, 1),
        ("Frameworks", 1, 2),
    ]
    assert [(p.text, p.section) for p in document.paragraphs] == [
        ("Intro paragraph.", None),
        ("Basic text.", 0),
        ("Detail text.", 1),
        ("Framework text.", 2),
    ]


def test_h1_differing_from_the_front_matter_title_is_a_section():
    document = jekyll("---\ntitle: Front title\n---\n\n# Another heading\n\nText.\n")
    assert document.title == "Front title"
    assert [(s.title, s.level) for s in document.sections] == [("Another heading", 1)]
    assert document.paragraphs[0].section == 0


def test_plain_markdown_takes_its_title_from_the_first_h1():
    document = markdown("# The Title\n\nText.\n\n## Part\n\nMore.\n\n# Later h1\n\nEnd.\n")
    assert document.format == "markdown"
    assert document.title == "The Title"
    assert [(s.title, s.level) for s in document.sections] == [("Part", 2), ("Later h1", 1)]


def test_markdown_without_h1_has_no_title():
    document = markdown("## Part\n\nText.\n")
    assert document.title is None
    assert [(s.title, s.level) for s in document.sections] == [("Part", 1)]


def test_invalid_front_matter_is_not_jekyll_and_cannot_be_parsed_as_jekyll():
    text = "---\ntitle: [unclosed\n---\n\nBody.\n"
    assert JekyllMarkdownImporter().detect(text) == 0.0
    with pytest.raises(InputError, match="front matter is not valid YAML"):
        jekyll(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: T\n---\n\nBody.\n", 0.95),
        ("---\n---\n\nBody.\n", 0.0),  # no metadata
        ("# Title\n\n---\n\nBody.\n", 0.0),  # no front matter at the start
    ],
)
def test_jekyll_detection(text, expected):
    assert JekyllMarkdownImporter().detect(text) == expected


# --- blocks -----------------------------------------------------------------------------------


def test_blocks_get_their_paragraph_kind():
    document = markdown(
        "Plain paragraph.\n\n"
        "* first item\n* second item\n\n"
        "1. numbered item\n\n"
        "> a quote\n\n"
        "Claim.[^note]\n\n"
        "[^note]: The footnote text.\n"
    )
    assert [(p.text, p.kind) for p in document.paragraphs] == [
        ("Plain paragraph.", "paragraph"),
        ("first item", "item"),
        ("second item", "item"),
        ("numbered item", "item"),
        ("a quote", "quote"),
        ("Claim.", "paragraph"),
        ("The footnote text.", "footnote"),
    ]


def test_soft_line_breaks_become_spaces():
    document = markdown("One line\nnext line.\n")
    assert document.paragraphs[0].text == "One line next line."


# --- links ------------------------------------------------------------------------------------


def test_link_keeps_its_anchor_and_the_sentence_that_holds_it():
    document = markdown(
        "# T\n\n## Part\n\nFirst sentence. I suggest [Keras docs](https://keras.io/) to start. "
        "Last one.\n"
    )
    link = only_link(document)
    assert link.url == "https://keras.io/"
    assert link.anchor == "Keras docs"
    assert link.context == "I suggest Keras docs to start."
    assert (link.section, link.paragraph) == (0, 0)


def test_link_anchor_keeps_its_emphasis_and_code_text():
    link = only_link(markdown("See [the **Keras** `Sequential` guide](https://keras.io/s/).\n"))
    assert link.anchor == "the Keras Sequential guide"


def test_links_in_items_and_footnotes():
    document = markdown(
        "* [Item link](https://item.example.com/) is good\n\n"
        "Claim[^src].\n\n"
        "[^src]: From [the paper](https://arxiv.org/abs/1234.5678), 2017.\n"
    )
    assert [(link.url, link.anchor, link.context) for link in document.links] == [
        ("https://item.example.com/", "Item link", "Item link is good"),
        ("https://arxiv.org/abs/1234.5678", "the paper", "From the paper, 2017."),
    ]
    footnote = document.paragraphs[document.links[1].paragraph]
    assert footnote.kind == "footnote"


def test_bare_url_is_a_link_but_a_bare_host_name_is_not():
    document = markdown(
        "I work at deepsense.io and www.example.com. Read https://example.com/page. Now.\n"
    )
    link = only_link(document)
    assert link.url == link.anchor == "https://example.com/page"
    assert link.context == "Read https://example.com/page."


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("p.migdal.pl/2017/01/06/x.html", "http://p.migdal.pl/2017/01/06/x.html"),
        ("deepsense.io", "http://deepsense.io"),
        ("//cdn.example.com/a", "http://cdn.example.com/a"),
        ("https://keras.io/", "https://keras.io/"),
        ("notes.html", "notes.html"),  # relative, no http origin to resolve it against
        ("/imgs/a.png", "/imgs/a.png"),
    ],
)
def test_link_without_scheme_gets_http(href, expected):
    assert only_link(markdown(f"See [it]({href}).\n")).url == expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("/imgs/a.png", "https://p.migdal.pl/imgs/a.png"),
        ("notes.html", "https://p.migdal.pl/2017/04/18/notes.html"),
        ("../x/", "https://p.migdal.pl/2017/04/x/"),
        ("http://other.org/a", "http://other.org/a"),
    ],
)
def test_relative_links_resolve_against_an_http_origin(href, expected):
    assert only_link(markdown(f"See [it]({href}).\n", origin=PAGE)).url == expected


@pytest.mark.parametrize(
    "href", ["#top", "#fn:1", "mailto:someone@example.com", "javascript:void(0)", "tel:123"]
)
def test_fragment_mail_and_script_links_are_skipped(href):
    document = markdown(f"See [it]({href}) and [real](https://real.example.com/).\n")
    assert [link.url for link in document.links] == ["https://real.example.com/"]


def test_footnote_references_and_back_links_are_not_links():
    document = markdown("Claim[^a].\n\n[^a]: Note.\n")
    assert document.links == ()


def test_link_with_empty_anchor_is_skipped():
    assert markdown("See [](https://empty.example.com/) here.\n").links == ()


# --- KDnuggets-style reprints -----------------------------------------------------------------


def test_kdnuggets_markers_and_pages_trailer_are_dropped():
    document = markdown(
        "# Reprint\n\nA claim^{1}. Another^{12} one [link](http://x.example.com/) here.\n\n"
        "Pages: 1 2\n"
    )
    assert [p.text for p in document.paragraphs] == ["A claim. Another one link here."]
    link = only_link(document)
    assert link.context == "Another one link here."


def test_pages_trailer_is_dropped_only_as_a_whole_paragraph():
    document = markdown("Pages: 1 2 are missing from the book.\n")
    assert [p.text for p in document.paragraphs] == ["Pages: 1 2 are missing from the book."]


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("blog-draft-2017-03-04.md", "jekyll-markdown"),
        ("blog-draft-2017-04-18.md", "jekyll-markdown"),
        ("blog-published.lynx.txt", "lynx"),
        ("kdnuggets-reprint-page1.md", "markdown"),
        ("kdnuggets-reprint.plain.txt", "text"),
    ],
)
def test_real_editions_are_detected(name, expected):
    path = GUIDES / name
    text = registry.decode(path.read_bytes(), str(path))
    assert registry.detect_format(text) == expected


def test_all_five_real_editions_are_covered():
    assert len(list(GUIDES.glob("*.md")) + list(GUIDES.glob("*.txt"))) == 5


def test_jekyll_file_scores_highest_with_the_jekyll_importer():
    text = (GUIDES / "blog-draft-2017-04-18.md").read_text(encoding="utf-8")
    scores = {name: importer.detect(text) for name, importer in registry.IMPORTERS.items()}
    assert max(scores, key=scores.get) == "jekyll-markdown"
    assert scores["markdown"] < scores["jekyll-markdown"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Just a sentence.", 0.0),
        ("## Heading\n\nText.", 0.2),
        ("## Heading\n\n* item\n\nSee [a](http://a.b/) and **bold**.\n\n```\ncode\n```", 0.85),
    ],
)
def test_markdown_score_counts_kinds_of_syntax(text, expected):
    assert MarkdownImporter().detect(text) == pytest.approx(expected)


def test_kdnuggets_markdown_scores_highest_with_markdown():
    text = (GUIDES / "kdnuggets-reprint-page1.md").read_text(encoding="utf-8")
    scores = {name: importer.detect(text) for name, importer in registry.IMPORTERS.items()}
    assert max(scores, key=scores.get) == "markdown"


def test_bounding_a_line_start_leaves_ordinary_markdown_as_it_is():
    guides = Path(__file__).parent / "data" / "guides"
    for guide in sorted(guides.glob("*.md")):
        text = guide.read_text(encoding="utf-8")
        assert _shallow(text) == text, guide.name


def test_a_badge_row_is_no_paragraph_and_a_link_keeps_its_own_sentence():
    text = (
        "# T\n\n[![Build](b.svg)](https://u.org/a) [![PyPI](p.svg)](https://v.org/b)\n\n"
        "Icon \ue000 here. A long sentence. See [Keras](https://keras.io/) now.\n\n"
        'First <a href="https://x.org/">one. Then [NumPy](https://numpy.org/) rocks.\n'
    )
    document = MarkdownImporter().parse(text, "x.md")
    assert [p.text for p in document.paragraphs] == [
        "Icon here. A long sentence. See Keras now.",
        "First one. Then NumPy rocks.",
    ]
    assert [(link.anchor, link.context) for link in document.links] == [
        ("Keras", "See Keras now."),
        ("NumPy", "Then NumPy rocks."),
    ]
