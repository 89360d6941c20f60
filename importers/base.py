"""The interface every format importer implements."""

from typing import Protocol

from importers.document import ParsedDocument


class Importer(Protocol):
    format: str

    def detect(self, text: str) -> float:
        """How sure this importer is, from 0 to 1, that `text` is in its format."""

    def parse(self, text: str, origin: str) -> ParsedDocument:
        """Parse decoded text. Raise kb.errors.InputError for content it cannot import."""
