"""LynxImporter on small `lynx -dump` texts written here, and on the real published post."""

from pathlib import Path

import pytest

from importers import registry
from importers.lynx import LynxImporter
from kb.errors import InputError

GUIDES = Path(__file__).resolve().parents[2] / "shared" / "guides" / "learning-deep-learning-2017"
REAL_DUMP = GUIDES / "blog-published.lynx.txt"


def parse(text: str):
    return LynxImporter().parse(text, "test.lynx.txt")


def dump(body: str, references: dict[int, str], hidden: dict[int, str] | None = None) -> str:
    """A lynx dump: the body as given, then the References list with its visible and hidden
    links, numbered as lynx numbers them (right-aligned)."""
    lines = [body.rstrip("\n"), "", "References", "", "   Visible links"]
    lines += [f"{n:4d}. {url}" for n, url in sorted(references.items())]
    if hidden:
        lines += ["", "   Hidden links:"]
        lines += [f"{n:4d}. {url}" for n, url in sorted(hidden.items())]
    return "\n".join(lines) + "\n"


def links_of(document) -> list[tuple[str, str]]:
    return [(link.url, link.anchor) for link in document.links]


NAVIGATION = """\
   #[1]the blog feed

   [2]the blog home

   [3]projects [4]articles

my guide to deep learning

   30 apr 2017     some author
   intro with [5]keras docs here.
"""
NAVIGATION_REFS = {
    1: "https://example.org/feed.xml",
    2: "https://example.org/",
    3: "https://example.org/projects/",
    4: "https://example.org/articles/",
    5: "https://keras.io/",
}


# --- title, navigation, headings --------------------------------------------------------------


def test_navigation_before_the_title_is_ignored():
    document = parse(dump(NAVIGATION, NAVIGATION_REFS))
    assert document.format == "lynx"
    assert document.title == "my guide to deep learning"
    assert [p.text for p in document.paragraphs] == [
        "30 apr 2017 some author intro with keras docs here."
    ]
    assert links_of(document) == [("https://keras.io/", "keras docs here")]


def test_column_zero_lines_after_the_title_are_sections():
    body = """\
the title

   intro.

first part

   part one text.

second part

   part two text.
"""
    document = parse(dump(body, {}))
    assert document.title == "the title"
    assert [(s.title, s.level, s.position) for s in document.sections] == [
        ("first part", 1, 0),
        ("second part", 1, 1),
    ]
    assert [(p.text, p.section) for p in document.paragraphs] == [
        ("intro.", None),
        ("part one text.", 0),
        ("part two text.", 1),
    ]


def test_block_kinds():
    body = """\
the title

   a paragraph
   over two lines.
     * first item
       continued here
     * second item
    1. numbered item

         an indented quote.
"""
    document = parse(dump(body, {}))
    assert [(p.text, p.kind) for p in document.paragraphs] == [
        ("a paragraph over two lines.", "paragraph"),
        ("first item continued here", "item"),
        ("second item", "item"),
        ("numbered item", "item"),
        ("an indented quote.", "quote"),
    ]


def test_dump_without_references_is_refused():
    with pytest.raises(InputError, match="no References list"):
        parse("the title\n\n   text with [1]a link.\n")


def test_dump_without_a_title_line_is_refused():
    with pytest.raises(InputError, match="no title line"):
        parse(dump("   only indented text [1]here.\n", {1: "https://a.example.com/"}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (dump("the title\n\n   see [1]this.\n", {1: "https://a.example.com/"}), 0.95),
        (dump("the title\n\n   no markers.\n", {1: "https://a.example.com/"}), 0.1),
        ("the title\n\n   see [1]this.\n", 0.0),
    ],
)
def test_detection(text, expected):
    assert LynxImporter().detect(text) == expected


# --- link markers -----------------------------------------------------------------------------


def test_markers_resolve_through_visible_and_hidden_links_and_skip_missing_numbers():
    body = """\
the title

   see [1]first link, [3]a missing one and [4]the hidden one.
"""
    document = parse(
        dump(body, {1: "https://first.example.com/"}, hidden={4: "https://hidden.example.com/"})
    )
    assert document.paragraphs[0].text == "see first link, a missing one and the hidden one."
    assert links_of(document) == [
        ("https://first.example.com/", "first link"),
        ("https://hidden.example.com/", "the hidden one"),
    ]
    assert {link.context for link in document.links} == {document.paragraphs[0].text}


@pytest.mark.parametrize(
    ("sentence", "anchor"),
    [
        (
            "read [1]neural networks demystified by stephen welch today",
            "neural networks demystified",
        ),
        ("read [1]tensorflow - a library", "tensorflow"),
        ("read [1]tensorflow \u2013 a library", "tensorflow"),
        ("read [1]the book; then more", "the book"),
        ("read [1]first steps, then more", "first steps"),
        ("read [1]the course (2017) now", "the course"),
        ("read [1]the docs. then more", "the docs"),
        ("read [1]the docs see also the rest", "the docs"),
        ("read [1]one[2]two words", "one"),
        ("read [1]keras.io is the place", "keras.io is the place"),
        ("read [1]a guide to the. end", "a guide"),  # dangling little words go
        ("read [1]" + " ".join(f"w{i}" for i in range(20)), " ".join(f"w{i}" for i in range(16))),
    ],
)
def test_anchor_ends_at_a_natural_break(sentence, anchor):
    refs = {1: "https://one.example.com/", 2: "https://two.example.com/"}
    document = parse(dump(f"the title\n\n   {sentence}\n", refs))
    assert document.links[0].anchor == anchor


def test_link_context_is_the_sentence_with_the_marker():
    body = "the title\n\n   first sentence here. then see [1]the docs for more. last one.\n"
    document = parse(dump(body, {1: "https://docs.example.com/"}))
    assert document.links[0].context == "then see the docs for more."


def test_image_markers_are_removed_from_the_text():
    body = "the title\n\n   [1][logo.png] see [2]the site.\n"
    refs = {1: "https://img.example.com/", 2: "https://site.example.com/"}
    document = parse(dump(body, refs))
    assert document.paragraphs[0].text == "see the site."
    assert links_of(document)[-1] == ("https://site.example.com/", "the site")


# --- footnotes and page chrome ----------------------------------------------------------------

FOOTNOTES = """\
the title

   a claim^[1]1 with [2]a source.

notes

    1. the note cites [3]the paper by someone. [4]\u21a9
    2. plain second note. [5]\u21a9
"""
FOOTNOTE_REFS = {
    1: "https://example.org/post.html#fn:claim",
    2: "https://source.example.com/",
    3: "https://arxiv.org/abs/1234.5678",
    4: "https://example.org/post.html#fnref:claim",
    5: "https://example.org/post.html#fnref:second",
}


def test_footnote_blocks_are_footnotes_and_their_back_links_are_not_links():
    document = parse(dump(FOOTNOTES, FOOTNOTE_REFS))
    assert [p.kind for p in document.paragraphs] == ["paragraph", "footnote", "footnote"]
    assert links_of(document) == [
        ("https://source.example.com/", "a source"),
        ("https://arxiv.org/abs/1234.5678", "the paper"),
    ]
    assert document.links[1].paragraph == 1


def test_item_whose_link_is_a_forward_footnote_link_is_an_item():
    body = "the title\n\n     * see note^[1]1 here\n"
    document = parse(dump(body, {1: "https://example.org/post.html#fn:x"}))
    assert [p.kind for p in document.paragraphs] == ["item"]
    assert document.links == ()


@pytest.mark.parametrize(
    "url",
    [
        "mailto:someone@example.com",
        "javascript:void(0)",
        "https://example.org/feed.xml",
        "https://example.org/rss/",
        "https://example.org/tags/python/",
        "https://example.org/category/ml/",
        "https://twitter.com/share",
        "https://www.facebook.com/sharer/sharer.php?u=x",
        "https://twitter.com/intent/tweet?text=x",
        "https://list-manage.com/subscribe?u=1",
    ],
)
def test_chrome_links_inside_the_article_are_not_imported(url):
    body = "the title\n\n   a paragraph with [1]a real link and [2]a chrome link in its text.\n"
    document = parse(dump(body, {1: "https://real.example.com/", 2: url}))
    assert [link.url for link in document.links] == ["https://real.example.com/"]
    assert document.paragraphs[0].text.endswith("a chrome link in its text.")


def test_everything_after_a_share_block_is_left_out():
    body = """\
the title

   the article with [1]a link.

   [2]tweet
   [3]share on facebook

   about the author, see [4]the home page.

more links

   [5]a later link.
"""
    refs = {
        1: "https://a.example.com/",
        2: "https://twitter.com/share",
        3: "https://www.facebook.com/sharer/sharer.php?u=x",
        4: "https://author.example.com/",
        5: "https://later.example.com/",
    }
    document = parse(dump(body, refs))
    assert [p.text for p in document.paragraphs] == ["the article with a link."]
    assert [link.url for link in document.links] == ["https://a.example.com/"]


def test_a_long_block_with_only_a_share_link_does_not_end_the_article():
    long_text = "word " * 50
    body = f"the title\n\n   start.\n\n   {long_text}[1]share this.\n\n   after [2]that.\n"
    refs = {1: "https://twitter.com/share", 2: "https://after.example.com/"}
    document = parse(dump(body, refs))
    assert [link.url for link in document.links] == ["https://after.example.com/"]


# --- the real published post ------------------------------------------------------------------


@pytest.fixture(scope="module")
def published():
    return registry.parse(REAL_DUMP.read_bytes(), str(REAL_DUMP), "lynx")


def test_real_dump_title_and_size(published):
    assert published.title == "learning deep learning with keras"
    assert len(published.links) > 170
    assert len(published.sections) > 10


def test_real_dump_has_no_chrome_or_footnote_links(published):
    urls = [link.url for link in published.links]
    assert "https://p.migdal.pl/feed.xml" not in urls
    assert "https://twitter.com/share" not in urls
    assert not any(url.startswith(("mailto:", "javascript:")) for url in urls)
    assert not any("#fn" in url for url in urls)


def test_real_dump_starts_with_the_article_and_keeps_footnotes(published):
    assert published.links[0].url.startswith("http://www.kdnuggets.com/2017/08/")
    assert published.links[0].anchor.startswith("first steps of learning deep learning")
    kinds = {p.kind for p in published.paragraphs}
    assert {"paragraph", "item", "footnote"} <= kinds
