"""Text dumps of web pages in the style of `lynx -dump`.

The page's text comes first, headings at column 0 and body indented, with `[N]` before each link's
text; a "References" list at the end gives each N its URL. The dump does not say where a link's text
ends, so the anchor is the words after the marker up to a natural break (see `_anchor_after`).
Navigation before the title and share/footer blocks after the article are left out.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from importers.document import Link, Paragraph, ParsedDocument, Section
from importers.sentences import Sentences, normalize_space
from kb.errors import InputError

_REFERENCES = re.compile(r"^\s*references\s*$", re.I | re.M)
_REFERENCE = re.compile(r"^\s*(\d+)\.\s+(\S+)\s*$")
_MARKER = re.compile(r"\^?\[(\d+)\]")
_IMAGE = re.compile(r"\[[^\]\s]*\.(?:gif|png|jpe?g|svg|webp)\]|\[IMG\]", re.I)
_ITEM = re.compile(r"^(\s*)(?:[*+#o@-]|\d+\.)\s+")
_ANCHOR_BREAK = re.compile(r"\[\d+\]|[.!?;,()\"](?=\s|$)|[;()]|\s[-\u2013]\s|\s(?:by|see)\s")
_TRAILING_WORDS = {"a", "an", "and", "at", "for", "of", "on", "or", "the", "to", "with", "from"}
_ANCHOR_WORDS = 16
# Links that belong to the page's chrome (sharing, feeds, mail, tag pages), never to the article.
_CHROME_URL = re.compile(
    r"^(?:javascript:|mailto:)|/(?:share|sharer|intent|submitlink|submit)\b|shareArticle"
    r"|/(?:feed|rss|atom)(?:\.xml)?/?$|\.(?:rss|atom)$|list-manage\.com/subscribe"
    r"|/(?:tags?|categor(?:y|ies))/",
    re.I,
)
_FOOTNOTE_PLUMBING = re.compile(r"#fn(?:ref)?[:\-_]?\w*$", re.I)


@dataclass(frozen=True)
class _Block:
    text: str  # with markers
    indent: int
    item: bool


class LynxImporter:
    format = "lynx"

    def detect(self, text: str) -> float:
        references = _REFERENCES.search(text)
        if references is None:
            return 0.0
        listed = sum(1 for line in text[references.end() :].splitlines() if _REFERENCE.match(line))
        markers = len(_MARKER.findall(text[: references.start()]))
        return 0.95 if listed >= 1 and markers >= 1 else 0.1

    def parse(self, text: str, origin: str) -> ParsedDocument:
        found = list(_REFERENCES.finditer(text))
        if not found:
            raise InputError(origin, "lynx dump has no References list")
        body, tail = text[: found[-1].start()], text[found[-1].end() :]
        urls = {int(m[1]): m[2] for m in map(_REFERENCE.match, tail.splitlines()) if m}
        lines = body.splitlines()
        start = next((i for i, line in enumerate(lines) if line.strip() and line[0] != " "), None)
        if start is None:
            raise InputError(origin, "lynx dump has no title line at column 0")
        title = normalize_space(lines[start])
        sections: list[Section] = []
        paragraphs: list[Paragraph] = []
        links: list[Link] = []
        for heading, block in _blocks(lines[start + 1 :]):
            if heading is not None:
                sections.append(Section(heading, 1, len(sections)))
                continue
            targets = [urls.get(int(n)) for n in _MARKER.findall(block.text)]
            if paragraphs and _is_chrome(block, targets):
                break  # the article is over: share buttons, footer
            section = len(sections) - 1 if sections else None
            self._paragraph(block, urls, section, paragraphs, links)
        return ParsedDocument(
            format=self.format,
            title=title,
            sections=tuple(sections),
            paragraphs=tuple(paragraphs),
            links=tuple(links),
        )

    def _paragraph(self, block, urls, section, paragraphs: list, links: list) -> None:
        plain, markers = _strip_markers(_IMAGE.sub("", block.text))
        if not plain:
            return
        targets = [urls.get(number) for number, _ in markers]
        footnote = any(url and _FOOTNOTE_PLUMBING.search(url) and "fnref" in url for url in targets)
        kind = "footnote" if footnote else "item" if block.item else "paragraph"
        if kind == "paragraph" and block.indent > 3:
            kind = "quote"
        index = len(paragraphs)
        paragraphs.append(Paragraph(plain, section, kind))
        sentences = Sentences(plain)
        offsets = [offset for _, offset in markers]  # in order: a link's text ends at the next
        for (_, offset), url in zip(markers, targets, strict=True):
            if url is None or _CHROME_URL.search(url) or _FOOTNOTE_PLUMBING.search(url):
                continue
            following = bisect.bisect_right(offsets, offset)
            end = offsets[following] if following < len(offsets) else len(plain)
            anchor = _anchor_after(plain, offset, end)
            context = sentences.at(min(offset, len(plain) - 1))
            links.append(Link(url, anchor or url, context, section, index))


def _blocks(lines: list[str]):
    """Yield (heading, None) for headings and (None, block) for runs of indented text."""
    current: list[str] = []
    indent, item = 0, False
    for line in lines + [""]:
        starts_item = _ITEM.match(line)
        if current and (not line.strip() or starts_item or line[:1] not in ("", " ")):
            yield None, _Block(" ".join(current), indent, item)
            current = []
        if not line.strip():
            continue
        if line[0] != " ":
            yield normalize_space(line), None
            continue
        if not current:
            indent = len(line) - len(line.lstrip())
            item = bool(starts_item)
            line = line[starts_item.end() :] if starts_item else line
        current.append(line.strip())


def _strip_markers(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Text without `[N]` markers, with (N, offset in the stripped text) for each marker."""
    out: list[str] = []
    markers: list[tuple[int, int]] = []
    position = 0
    for match in _MARKER.finditer(text):
        out.append(text[position : match.start()])
        markers.append((int(match[1]), len(normalize_space("".join(out) + "x")) - 1))
        position = match.end()
    out.append(text[position:])
    plain = normalize_space("".join(out))
    return plain, markers


def _anchor_after(plain: str, offset: int, end: int) -> str:
    """The link text after a marker: up to the next marker (at `end`), punctuation, " - " or
    " by "."""
    span = plain[offset:end]
    stop = _ANCHOR_BREAK.search(span, 1)
    words = (span[: stop.start()] if stop else span).split()[:_ANCHOR_WORDS]
    while len(words) > 1 and words[-1].lower() in _TRAILING_WORDS:
        words.pop()
    return " ".join(words)


def _is_chrome(block: _Block, targets: list[str | None]) -> bool:
    """A short block whose links are all share, feed or mail links ends the article."""
    linked = [url for url in targets if url]
    return bool(linked) and len(block.text) < 200 and all(_CHROME_URL.search(u) for u in linked)
