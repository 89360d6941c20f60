"""The blueprints of the JSON API, each a module exposing `bp`, all mounted under /api/v1."""

from __future__ import annotations

from api.routes import examples, health, jobs, learners, paths, resources, search, topics

BLUEPRINTS = [
    health.bp,
    topics.bp,
    resources.bp,
    search.bp,
    paths.bp,
    learners.bp,
    examples.bp,
    jobs.bp,
]
