"""The sandbox's runnable examples and the JSON Schema of each one's parameters."""

from __future__ import annotations

from flask import Blueprint

from api.http import operation
from api.schemas.examples import ExampleOut, Examples
from api.services import examples

bp = Blueprint("examples", __name__)


@operation(
    bp, "GET", "/examples", response=Examples, summary="The runnable examples", tags=["sandbox"]
)
def list_examples() -> Examples:
    return Examples(items=[ExampleOut.of(e) for e in examples.listing()])


@operation(
    bp,
    "GET",
    "/examples/<name>",
    response=ExampleOut,
    summary="One example and its parameters",
    tags=["sandbox"],
)
def get_example(name: str) -> ExampleOut:
    return ExampleOut.of(examples.get(name))
