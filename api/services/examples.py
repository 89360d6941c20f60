"""The sandbox's runnable examples, by name."""

from __future__ import annotations

from collections.abc import Mapping

from kb.errors import InputError, NotFoundError
from training_sandbox.inside import catalog


def listing() -> list[catalog.Example]:
    return list(catalog.EXAMPLES.values())


def get(name: str) -> catalog.Example:
    try:
        return catalog.get(name)
    except catalog.UnknownExample as error:
        raise NotFoundError(str(error)) from None


def validated(name: str, params: Mapping[str, object]) -> dict[str, object]:
    """Every parameter of a job of example `name`: those given, checked, and the defaults."""
    try:
        return catalog.get(name).validate(params)
    except catalog.UnknownExample as error:
        raise InputError("example", str(error), location="body") from None
    except catalog.InvalidParams as error:
        raise InputError(f"params.{error.param}", str(error), location="body") from None
