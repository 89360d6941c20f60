"""Markdown guides, with or without Jekyll front matter, parsed by markdown-it-py as GitHub
writes markdown: tables (each cell a block that knows its row and its column's heading), task
lists, nested lists, strikethrough, inline HTML links and HTML blocks.

Footnotes (`[^name]`) come from mdit-py-plugins, bare URLs are linked by linkify. Link-less reprints
(KDnuggets style) keep their text; their `^{1}` footnote markers and "Pages: 1 2" trailers are
dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import frontmatter
import lxml.html
import yaml
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from importers.document import Link, Paragraph, ParsedDocument, Section
from importers.sentences import Sentences, normalize_space
from kb.errors import InputError
from kb.urls import add_missing_scheme

# Where a link starts in a block's text, marked while the text is put together; found once the
# text's spaces are collapsed (a private-use character, taken out of the guide first).
LINK_MARK = "\ue000"
_FOOTNOTE_MARKER = re.compile(r"\^\{\d+\}")
_PAGES_TRAILER = re.compile(r"^Pages:\s*[\d\s]+$")
_MARKDOWN_SIGNS = (
    re.compile(r"^#{1,6} \S", re.M),
    re.compile(r"\[[^\]\n]+\]\([^)\s]+\)"),
    re.compile(r"^\s*[-*+] \S", re.M),
    re.compile(r"\*\*[^*\n]+\*\*"),
    re.compile(r"^```", re.M),
)
_BLOCKS = {"paragraph_open": "paragraph", "blockquote_open": "quote", "footnote_open": "footnote"}
_HTML_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)""", re.I)
_HTML_LINK_END = re.compile(r"</a\s*>", re.I)
_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)


# markdown-it drops whatever lies deeper than its nesting limit, and with it the rest of the
# container (or of the document): so a line's start is first made shallow enough to stay within
# it, whatever the author nests: at most `_MARKS_PER_LINE` quote or list marks, the innermost
# kept, and no indentation wider than `_WIDEST_INDENT` columns. Real guides nest far less.
_MAX_NESTING = 100
_MARKS_PER_LINE = 8
_WIDEST_INDENT = 32
_LINE_START = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*", re.M)
_MARK = re.compile(r"[ \t]*(?:>|[-*+]|\d{1,9}[.)])")


def _shallow(body: str) -> str:
    return _LINE_START.sub(_bounded, body)


def _bounded(match: re.Match[str]) -> str:
    start = match.group()
    # Without its trailing whitespace, every run of whitespace in it comes before a mark: each
    # position is read once (searching the whitespace itself would read it once per space).
    marked = start.rstrip(" \t")
    marks = [m.group() for m in _MARK.finditer(marked)]
    pieces = [*marks[-_MARKS_PER_LINE:], start[len(marked) :]]
    return "".join(map(_narrow, pieces))


def _narrow(piece: str) -> str:
    """A mark with its leading whitespace, at most `_WIDEST_INDENT` columns of it."""
    mark = piece.lstrip(" \t")
    space = piece[: len(piece) - len(mark)]
    if len(space.expandtabs(4)) <= _WIDEST_INDENT:
        return piece
    return " " * _WIDEST_INDENT + mark


def _parser() -> MarkdownIt:
    """Markdown as GitHub writes it: tables, task lists, strikethrough, bare URLs, footnotes."""
    parser = MarkdownIt("commonmark", {"linkify": True, "maxNesting": _MAX_NESTING}).enable(
        ["linkify", "table", "strikethrough"]
    )
    # Only URLs with a scheme become links: "deepsense.io" in running text is a name, not a link.
    parser.linkify.set({"fuzzy_link": False})
    return parser.use(footnote_plugin).use(tasklists_plugin)


def markdown_score(text: str) -> float:
    """How much `text` looks like markdown: each kind of markdown syntax present adds to it."""
    return min(0.85, 0.2 * sum(1 for sign in _MARKDOWN_SIGNS if sign.search(text)))


class MarkdownImporter:
    format = "markdown"

    def detect(self, text: str) -> float:
        return markdown_score(text)

    def parse(self, text: str, origin: str) -> ParsedDocument:
        return _MarkdownWalker(origin).walk(text, self.format)


class JekyllMarkdownImporter:
    format = "jekyll-markdown"

    def detect(self, text: str) -> float:
        if not text.startswith("---"):
            return 0.0
        try:
            metadata, _ = frontmatter.parse(text)
        except yaml.YAMLError:
            return 0.0
        return 0.95 if metadata else 0.0

    def parse(self, text: str, origin: str) -> ParsedDocument:
        try:
            metadata, body = frontmatter.parse(text)
        except yaml.YAMLError as error:
            raise InputError(origin, f"front matter is not valid YAML ({error})") from None
        return _MarkdownWalker(origin).walk(
            body,
            self.format,
            title=_scalar(metadata.get("title")),
            author=_scalar(metadata.get("author")),
            date=_scalar(metadata.get("date")),
        )


def _scalar(value: object) -> str | None:
    return None if value is None else str(value).strip() or None


@dataclass
class _Inline:
    """One inline token's content as plain text, with where its links start and what it holds."""

    text: str = ""
    # href, the number of its mark in `text` (None: an HTML block's link, found by its anchor),
    # anchor
    links: list[tuple[str, int | None, str]] = field(default_factory=list)
    lead: str | None = None
    codes: tuple[str, ...] = ()


@dataclass
class _Table:
    """The table being read: its column headings, and the row and column of the next cell."""

    columns: list[str] = field(default_factory=list)
    in_head: bool = False
    column: int = 0
    row: int | None = None


@dataclass
class _MarkdownWalker:
    """Walks markdown-it's token stream once, collecting sections, text blocks and links:
    paragraphs, list items (with their depth), quotes, footnotes, table cells (with their row
    and column heading) and HTML blocks, whose image-only links (badges) are left out."""

    origin: str
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    rows: int = 0

    def walk(
        self,
        body: str,
        format: str,
        title: str | None = None,
        author: str | None = None,
        date: str | None = None,
    ) -> ParsedDocument:
        # The link mark is a private-use character: an icon font's glyph, if a guide holds one.
        tokens = _parser().parse(_shallow(body.replace(LINK_MARK, "")))
        containers: list[str] = []
        depth = 0
        heading_level = 0
        headings: list[tuple[int, str]] = []
        table: _Table | None = None
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                heading_level = int(token.tag[1])
            elif kind == "heading_close":
                heading_level = 0
            elif kind in _BLOCKS:
                containers.append(_BLOCKS[kind])
            elif kind in ("paragraph_close", "blockquote_close", "footnote_close"):
                containers.pop()
            elif kind == "list_item_open":
                containers.append("item")
                depth += 1
            elif kind == "list_item_close":
                containers.pop()
                depth -= 1
            elif kind == "table_open":
                table = _Table()
            elif kind == "table_close":
                table = None
            elif table is not None and kind in ("thead_open", "thead_close"):
                table.in_head = kind == "thead_open"
            elif table is not None and kind == "tr_open":
                table.column, table.row = 0, None if table.in_head else self._next_row()
            elif table is not None and kind in ("th_close", "td_close"):
                table.column += 1
            elif kind == "html_block":
                self._html_block(token.content, depth)
            elif kind == "inline" and heading_level:
                headings.append((heading_level, normalize_space(_plain(token))))
                self._heading(heading_level, headings, title)
                if title is None and len(headings) == 1 and heading_level == 1:
                    title = headings[0][1]
            elif kind == "inline" and table is not None:
                self._cell(token, table)
            elif kind == "inline" and containers:
                self._block(_inline(token), _block_kind(containers), depth=depth)
        return ParsedDocument(
            format=format,
            title=title,
            author=author,
            date=date,
            sections=tuple(self._relative_levels()),
            paragraphs=tuple(self.paragraphs),
            links=tuple(self.links),
        )

    def _next_row(self) -> int:
        self.rows += 1
        return self.rows

    def _heading(self, level: int, headings: list[tuple[int, str]], title: str | None) -> None:
        text = headings[-1][1]
        is_title = level == 1 and len(headings) == 1 and (title is None or text == title)
        if text and not is_title:
            self.sections.append(Section(title=text, level=level, position=len(self.sections)))

    def _relative_levels(self) -> list[Section]:
        top = min((s.level for s in self.sections), default=1)
        return [Section(s.title, s.level - top + 1, s.position) for s in self.sections]

    def _cell(self, token: Token, table: _Table) -> None:
        if table.in_head:
            table.columns.append(normalize_space(_plain(token)))
            return
        column = table.columns[table.column] if table.column < len(table.columns) else None
        self._block(_inline(token), "cell", row=table.row, column=column)

    def _html_block(self, html: str, depth: int) -> None:
        """An HTML block's text and its links with text of their own; image-only links (badges,
        logos) are decoration, not resources."""
        try:
            elements = lxml.html.fragments_fromstring(html)
        except (etree.ParserError, ValueError):  # a comment, a lone closing tag
            return
        for element in elements:
            if not isinstance(element, lxml.html.HtmlElement):
                continue
            found = _Inline()
            pieces: list[str] = []
            for link in element.iter("a"):
                anchor = normalize_space(link.text_content())
                if anchor and link.get("href"):
                    found.links.append((link.get("href"), None, anchor))
            pieces.append(element.text_content())
            found.text = " ".join(pieces)
            self._block(found, "paragraph", depth=depth)

    def _block(self, found: _Inline, kind: str, **shape) -> None:
        text, marks = _unmarked(normalize_space(_FOOTNOTE_MARKER.sub("", found.text)))
        if not text or _PAGES_TRAILER.match(text):
            return
        section = len(self.sections) - 1 if self.sections else None
        index = len(self.paragraphs)
        self.paragraphs.append(
            Paragraph(
                text=text, section=section, kind=kind, lead=found.lead, codes=found.codes, **shape
            )
        )
        sentences = Sentences(text)
        after = 0  # HTML's links are found in order, each after the one before
        for href, mark, anchor in found.links:
            offset = marks[mark] if mark is not None else max(text.find(anchor, after), 0)
            after = offset
            url = self._resolve(href)
            if url is None or not anchor:
                continue
            context = sentences.at(min(offset, len(text) - 1))
            self.links.append(Link(url, anchor, context, section, index))

    def _resolve(self, href: str) -> str | None:
        """An absolute URL for a link, or None for links that are not resources (fragments...)."""
        href = href.strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            return None
        href = add_missing_scheme(href)
        if self.origin.startswith(("http://", "https://")):
            href = urljoin(self.origin, href)
        return href


def _inline(token: Token) -> _Inline:
    """The plain text of an inline token, its links (markdown and inline HTML `<a>`), the bold
    label it starts with, and its code spans."""
    found = _Inline()
    parts: list[str] = []
    pending: list[tuple[str, int, list[str]]] = []  # open links: href, mark number, text parts
    marks = 0
    codes: list[str] = []
    children = token.children or []
    for child in children:
        opened = _HTML_LINK.match(child.content) if child.type == "html_inline" else None
        if child.type == "link_open" or opened:
            href = opened.group(1) if opened else str(child.attrs.get("href", ""))
            pending.append((href, marks, []))
            parts.append(LINK_MARK)
            marks += 1
        elif (child.type == "link_close" or _HTML_LINK_END.match(child.content)) and pending:
            href, mark, anchor_parts = pending.pop()
            found.links.append((href, mark, normalize_space("".join(anchor_parts))))
        else:
            piece = _text_of(child)
            if child.type == "code_inline":
                codes.append(normalize_space(child.content))
            parts.append(piece)
            for _, _, anchor_parts in pending:
                anchor_parts.append(piece)
    found.text = "".join(parts)
    found.lead = _lead(children)
    found.codes = tuple(code for code in codes if code)
    return found


def _lead(children: list[Token]) -> str | None:
    """The bold run-in label an inline starts with: "**Optimisation:** ..." or "**Optimisation**:
    ..." (a dash after it counts as the colon)."""
    meaningful = [c for c in children if not (c.type == "text" and not c.content.strip())]
    if len(meaningful) < 3 or meaningful[0].type != "strong_open":
        return None
    label: list[str] = []
    for position, child in enumerate(meaningful[1:], 1):
        if child.type == "strong_close":
            after = meaningful[position + 1] if position + 1 < len(meaningful) else None
            text = normalize_space("".join(label))
            follows = after.content.lstrip() if after is not None and after.type == "text" else ""
            if text.endswith(":"):
                return text[:-1].strip() or None
            if follows.startswith((":", "-", "\u2013", "\u2014")):
                return text or None
            return None
        label.append(_text_of(child))
    return None


def _block_kind(stack: list[str]) -> str:
    # A paragraph inside a list item or footnote takes the kind of its container.
    for kind in ("footnote", "quote", "item"):
        if kind in stack:
            return kind
    return "paragraph"


def _text_of(token: Token) -> str:
    if token.type in ("text", "code_inline"):
        return token.content
    if token.type in ("softbreak", "hardbreak"):
        return " "
    if token.type == "html_inline" and _HTML_BREAK.match(token.content):
        return " "
    return ""


def _plain(token: Token) -> str:
    return "".join(_text_of(child) for child in token.children or [])


def _unmarked(text: str) -> tuple[str, list[int]]:
    """`text` (its spaces collapsed) without its link marks, and where each mark was in it: one
    pass, however many links a paragraph holds. A space the marks left doubled, leading or
    trailing (around a badge's link without text) goes with them."""
    kept: list[str] = []
    marks, length, spaced = [], 0, True  # whether the text so far ends with a space, or is empty
    for number, piece in enumerate(text.split(LINK_MARK)):
        if number:
            marks.append(length)
        if spaced and piece.startswith(" "):
            piece = piece[1:]
        if piece:
            kept.append(piece)
            length += len(piece)
            spaced = piece.endswith(" ")
    joined = "".join(kept).rstrip()
    return joined, [min(mark, len(joined)) for mark in marks]
