"""TextImporter on small texts, and registry.decode()'s checks of raw bytes."""

import codecs
from pathlib import Path

import pytest

from importers import registry
from importers.text import TextImporter
from kb.errors import InputError

GUIDES = Path(__file__).resolve().parents[2] / "shared" / "guides" / "learning-deep-learning-2017"


def parse(text: str):
    return TextImporter().parse(text, "guide.txt")


# --- paragraphs and title ---------------------------------------------------------------------


def test_paragraphs_split_on_blank_lines_with_whitespace_collapsed():
    document = parse("First paragraph.\nSame paragraph.\n\n  Second\n   one.\n \n\n\nThird.\n")
    assert document.format == "text"
    assert document.title is None
    assert [p.text for p in document.paragraphs] == [
        "First paragraph. Same paragraph.",
        "Second one.",
        "Third.",
    ]
    assert {(p.section, p.kind) for p in document.paragraphs} == {(None, "paragraph")}
    assert document.sections == ()


@pytest.mark.parametrize(
    ("text", "title", "paragraphs"),
    [
        ("Learning Deep Learning\n\nBody text.\n", "Learning Deep Learning", ["Body text."]),
        ("A sentence first.\n\nBody text.\n", None, ["A sentence first.", "Body text."]),
        ("Only One Block\n", None, ["Only One Block"]),  # the text itself is never the title
        ("x" * 121 + "\n\nBody.\n", None, ["x" * 121, "Body."]),  # too long for a title
        ("x" * 120 + "\n\nBody.\n", "x" * 120, ["Body."]),
    ],
)
def test_a_short_first_block_without_a_period_is_the_title(text, title, paragraphs):
    document = parse(text)
    assert document.title == title
    assert [p.text for p in document.paragraphs] == paragraphs


def test_text_without_paragraphs_is_refused():
    with pytest.raises(InputError, match="no paragraphs"):
        parse("\n \n\t\n")


def test_detection_is_a_low_fallback():
    assert TextImporter().detect("anything at all") == 0.3


# --- links ------------------------------------------------------------------------------------


def test_bare_urls_become_links_with_their_sentence():
    document = parse(
        "Title\n\n"
        "Start here. See https://keras.io/docs, it is good. And (https://a.example.com/x).\n\n"
        "Last http://b.example.com/page.html.\n"
    )
    assert [(link.url, link.anchor, link.context, link.paragraph) for link in document.links] == [
        (
            "https://keras.io/docs",
            "https://keras.io/docs",
            "See https://keras.io/docs, it is good.",
            0,
        ),
        ("https://a.example.com/x", "https://a.example.com/x", "And (https://a.example.com/x).", 0),
        (
            "http://b.example.com/page.html",
            "http://b.example.com/page.html",
            document.paragraphs[1].text,
            1,
        ),
    ]
    assert all(link.section is None for link in document.links)


def test_host_names_without_scheme_are_not_links():
    assert parse("Title\n\nI work at deepsense.io and www.example.com.\n").links == ()


# --- the "|||" repeat -------------------------------------------------------------------------


def test_separator_followed_by_a_repeat_of_the_beginning_is_dropped():
    document = parse(
        "I teach deep learning for a living.\n\nSecond paragraph.|||\n"
        "I teach deep learning for a living.\n\nSecond para"
    )
    assert [p.text for p in document.paragraphs] == [
        "I teach deep learning for a living.",
        "Second paragraph.",
    ]


def test_separator_followed_by_new_text_is_kept():
    document = parse("First paragraph here.\n|||\nSomething else entirely new.\n")
    assert [p.text for p in document.paragraphs] == [
        "First paragraph here. ||| Something else entirely new."
    ]


def test_real_kdnuggets_plain_text_drops_its_repeat():
    path = GUIDES / "kdnuggets-reprint.plain.txt"
    document = registry.parse(path.read_bytes(), str(path))
    assert document.format == "text"
    texts = [p.text for p in document.paragraphs]
    assert not any("|||" in text for text in texts)
    assert sum(text.startswith("I teach deep learning") for text in texts) == 1
    assert texts[-1].startswith("The deep learning meme is not mine")


# --- decode() ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty input"),
        (b" \n\t\r\n", "empty input"),
        (b"text\x00with a NUL", "binary content (NUL bytes), not a text document"),
        (b"ab\xffcd", "not valid UTF-8 text (byte 0xff at offset 2)"),
        ("d\u00e9j\u00e0".encode("latin-1"), "not valid UTF-8 text (byte 0xe9 at offset 1)"),
        (b"\x01\x02" * 5 + b"text", "binary content (control characters), not a text document"),
    ],
)
def test_decode_refuses(data, reason):
    with pytest.raises(InputError) as raised:
        registry.decode(data, "in.txt")
    assert raised.value.reason == reason
    assert raised.value.origin == "in.txt"
    assert str(raised.value) == f"in.txt: {reason}"


def test_decode_refuses_more_than_20_mb():
    with pytest.raises(InputError, match=r"too large: 20,971,521 bytes, the limit is 20 MB"):
        registry.decode(b"a" * (registry.MAX_BYTES + 1), "big.txt")


def test_decode_accepts_exactly_20_mb():
    assert len(registry.decode(b"a" * registry.MAX_BYTES, "big.txt")) == registry.MAX_BYTES


@pytest.mark.parametrize(
    "data",
    [
        "Caf\u00e9 na\u00efve \u2013 ok".encode(),
        codecs.BOM_UTF8 + "Caf\u00e9 na\u00efve \u2013 ok".encode(),
        "Caf\u00e9 na\u00efve \u2013 ok".encode("utf-16"),  # with its byte-order mark
        codecs.BOM_UTF16_BE + "Caf\u00e9 na\u00efve \u2013 ok".encode("utf-16-be"),
    ],
)
def test_decode_utf8_and_utf16_with_bom(data):
    assert registry.decode(data, "in.txt") == "Caf\u00e9 na\u00efve \u2013 ok"


def test_decode_tolerates_a_few_control_characters_and_normalises_line_ends():
    assert registry.decode(b"a\x0cb\r\nc\td", "in.txt") == "a\x0cb\nc\td"


@pytest.mark.parametrize(
    ("garbled", "mended"),
    [
        ("EC2 \u00e2\u20ac\u201c a step", "EC2 \u2013 a step"),
        ("Children\u00e2\u20ac\u2122s Fund", "Children\u2019s Fund"),
        ("Fran\u00c3\u00a7ois Chollet", "Fran\u00e7ois Chollet"),
    ],
)
def test_decode_mends_mojibake(garbled, mended):
    assert registry.decode(garbled.encode(), "in.txt") == mended


def test_parse_text_refuses_an_unknown_format():
    with pytest.raises(InputError, match="unknown format 'pdf'"):
        registry.parse_text("Some text.", "in.txt", "pdf")
