"""Importing guides: parse and write the editions, link the sandbox's examples to what they
reproduce, and stamp the knowledge base's new version once, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from importers.pipeline import ImportInput, ImportReport, import_inputs
from kb import version
from training_sandbox.links import link_examples


def import_guides(
    session: Session,
    inputs: Iterable[ImportInput],
    *,
    on_parsed: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import `inputs` (bad input raises an `InputError` and writes nothing the caller keeps:
    roll back). The caller commits. `on_parsed(origin)` follows progress."""
    report = import_inputs(session, inputs, on_parsed=on_parsed)
    link_examples(session)  # the links may have come with this import
    version.stamp(session)
    return report
