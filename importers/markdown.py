"""Markdown guides, with or without Jekyll front matter, parsed by markdown-it-py.

Footnotes (`[^name]`) come from mdit-py-plugins, bare URLs are linked by linkify. Link-less reprints
(KDnuggets style) keep their text; their `^{1}` footnote markers and "Pages: 1 2" trailers are
dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import frontmatter
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from importers.document import Link, Paragraph, ParsedDocument, Section
from importers.sentences import normalize_space, sentence_at
from kb.errors import InputError
from kb.urls import add_missing_scheme

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


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table"])
    # Only URLs with a scheme become links: "deepsense.io" in running text is a name, not a link.
    parser.linkify.set({"fuzzy_link": False})
    return parser.use(footnote_plugin)


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
class _MarkdownWalker:
    """Walks markdown-it's token stream once, collecting sections, text blocks and links."""

    origin: str
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def walk(
        self,
        body: str,
        format: str,
        title: str | None = None,
        author: str | None = None,
        date: str | None = None,
    ) -> ParsedDocument:
        tokens = _parser().parse(body)
        block_kinds: list[str] = []
        heading_level = 0
        headings: list[tuple[int, str]] = []
        for token in tokens:
            if token.type == "heading_open":
                heading_level = int(token.tag[1])
            elif token.type == "heading_close":
                heading_level = 0
            elif token.type in _BLOCKS:
                block_kinds.append(_BLOCKS[token.type])
            elif token.type in ("paragraph_close", "blockquote_close", "footnote_close"):
                block_kinds.pop()
            elif token.type == "list_item_open":
                block_kinds.append("item")
            elif token.type == "list_item_close":
                block_kinds.pop()
            elif token.type == "inline" and heading_level:
                headings.append((heading_level, normalize_space(_plain(token))))
                self._heading(heading_level, headings, title)
                if title is None and len(headings) == 1 and heading_level == 1:
                    title = headings[0][1]
            elif token.type == "inline" and block_kinds:
                self._block(token, _block_kind(block_kinds))
        return ParsedDocument(
            format=format,
            title=title,
            author=author,
            date=date,
            sections=tuple(self._relative_levels()),
            paragraphs=tuple(self.paragraphs),
            links=tuple(self.links),
        )

    def _heading(self, level: int, headings: list[tuple[int, str]], title: str | None) -> None:
        text = headings[-1][1]
        is_title = level == 1 and len(headings) == 1 and (title is None or text == title)
        if text and not is_title:
            self.sections.append(Section(title=text, level=level, position=len(self.sections)))

    def _relative_levels(self) -> list[Section]:
        top = min((s.level for s in self.sections), default=1)
        return [Section(s.title, s.level - top + 1, s.position) for s in self.sections]

    def _block(self, token: Token, kind: str) -> None:
        parts: list[str] = []
        pending: list[tuple[str, int, list[str]]] = []  # open links: href, start, text parts
        found: list[tuple[str, int, str]] = []
        for child in token.children or []:
            if child.type == "link_open":
                pending.append((str(child.attrs.get("href", "")), _length(parts), []))
            elif child.type == "link_close" and pending:
                href, start, anchor_parts = pending.pop()
                found.append((href, start, normalize_space("".join(anchor_parts))))
            else:
                piece = _text_of(child)
                parts.append(piece)
                for _, _, anchor_parts in pending:
                    anchor_parts.append(piece)
        raw = "".join(parts)
        text = normalize_space(_FOOTNOTE_MARKER.sub("", raw))
        if not text or _PAGES_TRAILER.match(text):
            return
        section = len(self.sections) - 1 if self.sections else None
        index = len(self.paragraphs)
        self.paragraphs.append(Paragraph(text=text, section=section, kind=kind))
        for href, start, anchor in found:
            url = self._resolve(href)
            if url is None or not anchor:
                continue
            offset = len(normalize_space(_FOOTNOTE_MARKER.sub("", raw[:start])))
            context = sentence_at(text, min(offset + 1, len(text) - 1))
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
    return ""


def _plain(token: Token) -> str:
    return "".join(_text_of(child) for child in token.children or [])


def _length(parts: list[str]) -> int:
    return sum(len(part) for part in parts)
