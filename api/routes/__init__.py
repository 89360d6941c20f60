"""The blueprints of the JSON API, each a module exposing `bp`, all mounted under /api/v1."""

from __future__ import annotations

import importlib

from flask import Blueprint

BLUEPRINTS = [
    "api.routes.health",
    "api.routes.topics",
    "api.routes.resources",
    "api.routes.search",
    "api.routes.paths",
    "api.routes.learners",
    "api.routes.examples",
    "api.routes.jobs",
]


def blueprints() -> list[Blueprint]:
    return [importlib.import_module(name).bp for name in BLUEPRINTS]
