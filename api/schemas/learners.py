"""Learners, their progress, and what they can start next."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas.common import TopicRef
from kb.values import Kind, LearnerState

NEXT_DEFAULT = 10


class NewLearner(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    known: list[str] = Field(default=[], max_length=200, description="topics already known")
    goals: list[str] = Field(default=[], max_length=10, description="topics to reach")
    prefer: list[Kind] = Field(default=[], description="resource kinds, most wanted first")
    max_hours: float | None = Field(default=None, gt=0, le=100_000)


class LearnerChange(BaseModel):
    """Only the fields given change."""

    name: str | None = Field(default=None, max_length=200)
    goals: list[str] | None = Field(default=None, max_length=10)
    prefer: list[Kind] | None = None
    max_hours: float | None = Field(default=None, gt=0, le=100_000)


class StateChange(BaseModel):
    state: LearnerState


class TopicState(BaseModel):
    slug: str
    name: str
    state: LearnerState
    updated_at: datetime


class ResourceState(BaseModel):
    id: int
    title: str
    state: LearnerState
    updated_at: datetime


class LearnerOut(BaseModel):
    id: str
    name: str | None
    goals: list[TopicRef]
    prefer: list[str]
    max_hours: float | None
    created_at: datetime
    topics: list[TopicState]
    resources: list[ResourceState]


class CreatedLearner(LearnerOut):
    token: str = Field(description="the learner's secret; shown only this once")


class NextTopic(BaseModel):
    topic: TopicRef
    toward_goals: bool = Field(description="on the way to one of the learner's goals")
    requires: list[str] = Field(description="its prerequisites, all known or done")


class NextTopics(BaseModel):
    goals: list[TopicRef]
    items: list[NextTopic]


class NextQuery(BaseModel):
    limit: int = Field(default=NEXT_DEFAULT, ge=1, le=200)
