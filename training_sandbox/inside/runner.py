"""The entry point inside a job: ``python -m training_sandbox.inside.runner [--fetch] SPEC.json``.

SPEC.json is ``{"example": "<name>", "params": {...}}``. Every event goes to stdout as one JSON
line (see `training.run`); everything else printed goes to stderr. Exit status: 0 when the run
finished, 2 for a bad spec, invalid parameters or a missing dataset, 1 for any other error; an
``error`` event comes first in both failure cases.

With ``--fetch`` it only downloads the example's dataset, when downloads are allowed and it is
missing (`datasets.fetch`): the worker runs that step, with the network, before the job itself.

This runs inside the sandbox, which shows it only the `training_sandbox.inside` package: it
imports nothing from the rest of the project (``api``, ``kb``, the host side of the sandbox).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from training_sandbox.inside import catalog, datasets
from training_sandbox.inside.events import emit, reserve_stdout

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_REFUSED = 2


class BadSpec(ValueError):
    """SPEC.json is unreadable or not of the form {"example": str, "params": {...}}."""


def read_spec(path: Path) -> tuple[str, dict[str, object]]:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadSpec(f"cannot read the job spec {path}: {error}") from error
    if not isinstance(spec, dict) or not isinstance(spec.get("example"), str):
        raise BadSpec(f'{path}: expected {{"example": "<name>", "params": {{...}}}}')
    params = spec.get("params", {})
    if not isinstance(params, dict):
        raise BadSpec(f"{path}: params must be an object, not {type(params).__name__}")
    return spec["example"], params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training_sandbox.inside.runner",
        description="Run one sandbox example; events as JSON lines on stdout.",
    )
    parser.add_argument("spec", type=Path, help='JSON file: {"example": name, "params": {...}}')
    parser.add_argument(
        "--fetch", action="store_true", help="only download the dataset, if allowed and missing"
    )
    args = parser.parse_args(argv)
    with reserve_stdout():
        validated = _validated(args.spec)
        if validated is None:
            return EXIT_REFUSED
        return (_fetch if args.fetch else _train)(*validated)


def _validated(spec_path: Path) -> tuple[str, dict[str, object]] | None:
    """The spec's example and its full parameters; None, after an error event, when refused.
    Checked before Keras loads, so that a refusal is quick."""
    try:
        example, params = read_spec(spec_path)
        return example, catalog.get(example).validate(params)
    except (BadSpec, catalog.UnknownExample, catalog.InvalidParams) as error:
        emit({"event": "error", "kind": "invalid_params", "message": str(error)})
        return None


def _fetch(example: str, params: dict[str, object]) -> int:
    dataset = catalog.get(example).dataset_for(params)
    try:
        datasets.fetch(dataset)
    except Exception as error:
        traceback.print_exc()
        message = f"could not download the dataset {dataset!r}: {error}"
        emit({"event": "error", "kind": "dataset_missing", "message": message})
        return EXIT_ERROR
    return EXIT_OK


def _train(example: str, params: dict[str, object]) -> int:
    try:
        # Imported here, after stdout is reserved: importing Keras and torch may print.
        from training_sandbox.inside import training
    except Exception as error:
        traceback.print_exc()
        emit({"event": "error", "kind": "error", "message": f"cannot load Keras: {error}"})
        return EXIT_ERROR

    try:
        training.run(example, params, emit)
    except Exception as error:  # run() has emitted the error event already
        if training.error_kind(error) != "error":
            return EXIT_REFUSED
        traceback.print_exc()
        return EXIT_ERROR
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
