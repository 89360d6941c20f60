"""A learning path: its question, and its steps, each with why and with what."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from api.schemas.common import Evidence, ResourceRef, TopicRef
from kb import estimates, paths
from kb.catalog import Catalog
from kb.settings import comma_separated
from kb.values import Kind


def several(value):
    """`known=a,b&known=c` and `known=a&known=b,c` mean the same."""
    values = value if isinstance(value, list) else [value]
    return [part for item in values for part in comma_separated(str(item))]


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

    _split = field_validator("known", "prefer", mode="before")(several)


class Why(BaseModel):
    requires_by: str | None = Field(description="the later step (or goal) that needs this one")
    reason: str
    origin: str = Field(description="stated, inherited, suggested-order, curated or goal")
    evidence: list[Evidence] = Field(description="the guide's own sentences")


class StepResource(ResourceRef):
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
