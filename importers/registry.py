"""From raw bytes to a parsed document: checks, decoding, format detection, parsing."""

from __future__ import annotations

import codecs
import re

import ftfy

from importers.base import Importer
from importers.document import ParsedDocument
from importers.html import HtmlImporter
from importers.lynx import LynxImporter
from importers.markdown import JekyllMarkdownImporter, MarkdownImporter
from importers.text import TextImporter
from kb.errors import InputError

MAX_BYTES = 20 * 1024 * 1024
IMPORTERS: dict[str, Importer] = {
    importer.format: importer
    for importer in (
        JekyllMarkdownImporter(),
        LynxImporter(),
        HtmlImporter(),
        MarkdownImporter(),
        TextImporter(),
    )
}
FORMATS = tuple(IMPORTERS)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def refuse_oversize(size: int, origin: str) -> None:
    """Inputs over 20 MB are refused, ideally before they are read."""
    if size > MAX_BYTES:
        raise InputError(origin, f"too large: {size:,} bytes, the limit is 20 MB")


def decode(data: bytes, origin: str) -> str:
    """Bytes to text: UTF-8 (or UTF-16 with a byte-order mark); anything else is refused."""
    refuse_oversize(len(data), origin)
    if not data.strip():
        raise InputError(origin, "empty input")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    if encoding == "utf-8" and b"\x00" in data:
        raise InputError(origin, "binary content (NUL bytes), not a text document")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InputError(
            origin,
            f"not valid {encoding.upper()} text (byte 0x{data[error.start]:02x} at offset "
            f"{error.start})",
        ) from None
    if len(_CONTROL.findall(text[:65536])) > 8:
        raise InputError(origin, "binary content (control characters), not a text document")
    # Copies that went through a wrong encoding once ("EC2 â€“ a step") are mended: a dash
    # garbled in one edition would otherwise become a title for all of them.
    return ftfy.fix_encoding(text.replace("\r\n", "\n"))


def detect_format(text: str) -> str:
    """The format whose importer is surest; ties go to the earlier, more specific importer."""
    return max(IMPORTERS.values(), key=lambda importer: importer.detect(text)).format


def parse(data: bytes, origin: str, format: str | None = None) -> ParsedDocument:
    return parse_text(decode(data, origin), origin, format)


def parse_text(text: str, origin: str, format: str | None = None) -> ParsedDocument:
    if format is not None and format not in IMPORTERS:
        raise InputError(origin, f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    document = IMPORTERS[format or detect_format(text)].parse(text, origin)
    if not document.paragraphs:
        raise InputError(origin, "no article text found")
    return document
