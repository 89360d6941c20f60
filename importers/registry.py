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
from kb.values import EDITION_FORMATS

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
FORMATS = EDITION_FORMATS
assert set(IMPORTERS) == set(FORMATS), "an importer per format of kb.values, and no other"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Where a document says its own encoding: <meta charset>, <meta http-equiv=Content-Type>, or an
# XML declaration, in its first kilobyte (where HTML requires it).
_DECLARED = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})"""
    rb"""|<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""",
    re.IGNORECASE,
)
# As browsers read them (WHATWG Encoding): these labels mean windows-1252.
_WINDOWS_1252 = {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1"}


def refuse_oversize(size: int, origin: str) -> None:
    """Inputs over 20 MB are refused, ideally before they are read."""
    if size > MAX_BYTES:
        raise InputError(origin, f"too large: {size:,} bytes, the limit is 20 MB")


def decode(data: bytes, origin: str, charset: str | None = None) -> str:
    """Bytes to text, in the first encoding that is said: a byte-order mark, the `charset` the
    server declared, the document's own declaration; else UTF-8. Text that is not valid in it
    is refused."""
    refuse_oversize(len(data), origin)
    if not data.strip():
        raise InputError(origin, "empty input")
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    encoding = encoding or _codec(charset) or _codec(_declared(data)) or "utf-8"
    if not encoding.startswith("utf-16") and b"\x00" in data:
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


def _declared(data: bytes) -> str | None:
    found = _DECLARED.search(data[:1024])
    return (found.group(1) or found.group(2)).decode("ascii") if found else None


def _codec(label: str | None) -> str | None:
    """Python's name for an encoding label; None for no label, or one Python does not know."""
    if not label:
        return None
    label = label.strip().lower()
    try:
        name = codecs.lookup("cp1252" if label in _WINDOWS_1252 else label).name
    except LookupError:
        return None
    return "utf-8" if name == "utf-8-sig" else name


def detect_format(text: str) -> str:
    """The format whose importer is surest; ties go to the earlier, more specific importer."""
    return max(IMPORTERS.values(), key=lambda importer: importer.detect(text)).format


def parse(
    data: bytes, origin: str, format: str | None = None, charset: str | None = None
) -> ParsedDocument:
    return parse_text(decode(data, origin, charset), origin, format)


def parse_text(text: str, origin: str, format: str | None = None) -> ParsedDocument:
    if format is not None and format not in IMPORTERS:
        raise InputError(origin, f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    document = IMPORTERS[format or detect_format(text)].parse(text, origin)
    if not document.paragraphs:
        raise InputError(origin, "no article text found")
    return document
