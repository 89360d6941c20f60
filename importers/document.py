"""The parsed form of one guide edition, shared by every importer.

Importers produce these frozen dataclasses; `importers.pipeline` writes them into the knowledge
base.
Text is kept as the edition has it (the lynx dump's repair happens later, across editions).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """A heading of the edition, in document order."""

    title: str
    level: int  # 1 for the top heading of the body, 2 for its subsections...
    position: int  # 0-based index among the edition's sections


@dataclass(frozen=True)
class Paragraph:
    """A block of text (paragraph, list item, quote, footnote, table cell) in plain text, with
    what its shape says: how deep a list item is, the bold label it starts with, the code spans
    it holds, and for a table cell its row and its column's heading."""

    text: str
    section: int | None  # index into ParsedDocument.sections; None before the first heading
    kind: str = "paragraph"  # paragraph | item | quote | footnote | cell
    depth: int = 0  # 1 for an item of a top-level list, 2 for one nested in it...
    lead: str | None = None  # a bold run-in label it starts with ("Optimisation" of
    # "**Optimisation:** ..."), without its colon
    codes: tuple[str, ...] = ()  # its inline code spans, in order
    row: int | None = None  # a table cell's row: the same number for the cells of one row
    column: str | None = None  # a table cell's column heading


@dataclass(frozen=True)
class Link:
    """A link of the article body, in document order.

    `url` is the href as written (absolute once the importer resolved it), `anchor` the link text,
    `context` the sentence of the paragraph that holds the link.
    """

    url: str
    anchor: str
    context: str
    section: int | None
    paragraph: int  # index into ParsedDocument.paragraphs


@dataclass(frozen=True)
class ParsedDocument:
    format: str  # jekyll-markdown | markdown | text | lynx | html
    title: str | None
    author: str | None = None
    date: str | None = None
    sections: tuple[Section, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    links: tuple[Link, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def section_title(self, index: int | None) -> str | None:
        return None if index is None else self.sections[index].title
