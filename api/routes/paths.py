"""GET /paths: the way from what a learner knows to their goals, step by step, explained."""

from __future__ import annotations

import functools
from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, Field, field_validator

from api import knowledge
from api.auth import authorized
from api.http import Encoded, operation
from api.problems import ProblemError
from api.routes.search import search_index
from api.schemas import Evidence, TopicRef
from kb import estimates, learning_graph, paths
from kb import learners as kb_learners
from kb.catalog import Catalog
from kb.extraction.kinds import KINDS

bp = Blueprint("paths", __name__)

Kind = Literal[KINDS]  # type: ignore[valid-type]


def comma_separated(value):
    """`known=a,b&known=c` and `known=a&known=b,c` mean the same."""
    values = value if isinstance(value, list) else [value]
    return [part.strip() for item in values for part in str(item).split(",") if part.strip()]


class PathQuery(BaseModel):
    goal: list[str] = Field(
        default=[],
        max_length=10,
        description="a topic's slug, name or alias; repeat for several goals (default: the "
        "learner's goals)",
    )
    known: list[str] = Field(default=[], max_length=200, description="topics already known")
    learner: str | None = Field(
        default=None, description="a learner id: their progress counts (needs their token)"
    )
    max_hours: float | None = Field(default=None, gt=0, le=100_000, description="time budget")
    prefer: list[Kind] = Field(default=[], description="resource kinds, most wanted first")

    _split = field_validator("known", "prefer", mode="before")(comma_separated)


class Why(BaseModel):
    requires_by: str | None = Field(description="the later step (or goal) that needs this one")
    reason: str
    origin: str = Field(description="stated, inherited, suggested-order, curated or goal")
    evidence: list[Evidence] = Field(description="the guide's own sentences")


class StepResource(BaseModel):
    id: int
    url: str
    title: str
    kind: str
    reason: str
    hours: float = Field(description="estimate by kind")
    optional: bool


class StepExample(BaseModel):
    name: str = Field(description='run it: POST /api/v1/jobs {"example": name}')
    title: str
    resource_id: int | None = Field(description="the guide's resource it reproduces, if linked")


class Step(BaseModel):
    topic: TopicRef
    optional: bool = Field(description="reached by the guide's outline order alone")
    why: list[Why]
    resources: list[StepResource]
    examples: list[StepExample] = Field(description="sandbox examples that practise the topic")
    hours: float = Field(description="estimate")
    cumulative_hours: float


class Skipped(BaseModel):
    slug: str
    name: str
    reason: str = Field(description='"known", "done" or "implied by <slug>"')


class Dropped(BaseModel):
    topic: str
    resource_id: int | None = Field(description="null: the whole optional step")
    title: str
    hours: float
    replaced_by: int | None


class LearningPath(BaseModel):
    goals: list[TopicRef]
    steps: list[Step]
    total_hours: float
    hours_are_estimates: Literal[True] = True
    estimates: str = estimates.NOTE
    skipped_known: list[Skipped]
    max_hours: float | None
    within_budget: bool | None
    dropped: list[Dropped]

    @classmethod
    def of(cls, catalog: Catalog, path: paths.Path, states: dict[str, str]) -> LearningPath:
        # Plain data validated once, as a whole: a path of hundreds of steps would otherwise
        # cost thousands of model constructions (and reading objects by attribute, twice that).
        return cls.model_validate(
            {
                "goals": [{"slug": g, "name": catalog.topics[g].name} for g in path.goals],
                "steps": [_step(catalog, s) for s in path.steps],
                "total_hours": path.total_hours,
                "skipped_known": [
                    {
                        "slug": s.slug,
                        "name": catalog.topics[s.slug].name,
                        "reason": states.get(s.slug, s.reason) if s.reason == "known" else s.reason,
                    }
                    for s in path.skipped_known
                ],
                "max_hours": path.max_hours,
                "within_budget": path.within_budget,
                "dropped": [
                    {
                        "topic": d.slug,
                        "resource_id": d.resource_id,
                        "title": d.title,
                        "hours": d.hours,
                        "replaced_by": d.replaced_by,
                    }
                    for d in path.dropped
                ],
            }
        )


def _step(catalog: Catalog, step: paths.Step) -> dict:
    return {
        "topic": {"slug": step.topic.slug, "name": step.topic.name},
        "optional": step.optional,
        "why": [
            {
                "requires_by": w.requires_by,
                "reason": w.reason,
                "origin": w.origin,
                "evidence": [{"edition": e.edition, "sentence": e.sentence} for e in w.evidence],
            }
            for w in step.why
        ],
        "resources": [
            {
                "id": c.resource.id,
                "url": c.resource.url,
                "title": c.resource.title,
                "kind": c.resource.kind,
                "reason": c.reason,
                "hours": c.hours,
                "optional": c.optional,
            }
            for c in step.resources
        ],
        "examples": [
            {"name": e.name, "title": e.title, "resource_id": e.resource}
            for e in catalog.examples_by_topic.get(step.topic.slug, ())
        ],
        "hours": step.hours,
        "cumulative_hours": step.cumulative_hours,
    }


def learning_graph_of(catalog: Catalog, _session):
    return learning_graph.build(catalog)


knowledge.register_derived("learning-graph", learning_graph_of)


def planner(catalog: Catalog, _session):
    """`plan(goals, prefs, states)`, remembered for the catalog's version."""
    planning = paths.Planner(catalog, knowledge.derived("learning-graph", learning_graph_of))

    @functools.lru_cache(maxsize=knowledge.ANSWERS_KEPT)  # a plan is pure
    def plan(goals: tuple[str, ...], prefs: paths.Preferences, states: frozenset) -> Encoded:
        path = planning.plan(goals, prefs)
        return Encoded(LearningPath.of(catalog, path, dict(states)))

    return plan


knowledge.register_derived("planner", planner)


@operation(
    bp,
    "GET",
    "/paths",
    query=PathQuery,
    response=LearningPath,
    summary="Suggest a learning path to one or more goals",
    tags=["paths"],
)
def get_path(query: PathQuery) -> Encoded:
    """Steps in an order that puts every prerequisite first, each with why it is there (quoting
    the guide), resources chosen for it and estimated hours. Topics the learner knows, and what
    they imply, are skipped and listed. With `learner`, send that learner's bearer token: their
    known and done topics, goals, preferred kinds and budget apply unless the query overrides."""
    catalog = knowledge.catalog()
    goals, known, prefer, max_hours = query.goal, query.known, query.prefer, query.max_hours
    states: dict[str, str] = {}
    finished: frozenset[int] = frozenset()
    if query.learner:
        learner = authorized(query.learner)
        progress = kb_learners.progress(knowledge.session(), learner)
        states, finished = progress.topics, progress.finished_resources
        goals = goals or kb_learners.split(learner.goals)
        known = [*known, *progress.known]
        prefer = prefer or kb_learners.split(learner.prefer)
        max_hours = max_hours if max_hours is not None else learner.max_hours
    if not goals:
        raise ProblemError(422, "give at least one goal: goal=<topic slug or name>")
    prefs = paths.Preferences(
        known=frozenset(resolve_topics(catalog, known, "known")),
        prefer=tuple(prefer),
        max_hours=max_hours,
        skip_resources=finished,
    )
    plan = knowledge.derived("planner", planner)
    return plan(tuple(resolve_goal(catalog, g) for g in goals), prefs, frozenset(states.items()))


def resolve_goal(catalog: Catalog, text: str) -> str:
    """A goal's slug, or 404 with the topics the user may have meant."""
    slug = catalog.find(text)
    if slug is None:
        suggestions = search_index().suggest(text, limit=5)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise ProblemError(
            404, f"no topic {text!r} to aim for{hint}", suggestions=suggestions, goal=text
        )
    return slug


def resolve_topics(catalog: Catalog, texts: list[str], what: str) -> list[str]:
    """Slugs of the topics named, or 422 naming those that are unknown."""
    slugs = {text: catalog.find(text) for text in texts}
    unknown = [text for text, slug in slugs.items() if slug is None]
    if unknown:
        raise ProblemError(
            422,
            f"{what}: unknown topic(s) {', '.join(map(repr, unknown))}",
            errors=[
                {"location": "query", "field": what, "message": f"unknown topic {t!r}"}
                for t in unknown
            ],
        )
    return list(dict.fromkeys(slugs.values()))
