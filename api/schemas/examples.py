"""The sandbox's runnable examples, and what each original reported."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, Field

from training_sandbox.inside import catalog


class OriginalResult(BaseModel):
    """What the original example reported, to compare a run with."""

    metric: str
    value: float | None = Field(description="null where the original did not record it")
    epochs: int | None
    note: str

    @classmethod
    def of(cls, original: catalog.OriginalResult) -> OriginalResult:
        return cls(**dataclasses.asdict(original))


class ExampleOut(BaseModel):
    name: str
    title: str
    description: str
    guide_url: str = Field(description="the original the guide links to")
    topics: list[str] = Field(description="slugs of the topics it teaches")
    dataset: str
    gpu_fraction: float = Field(description="the share of a GPU a job of it asks Ray for")
    original: OriginalResult
    parameters: dict[str, Any] = Field(description="JSON Schema of its parameters")

    @classmethod
    def of(cls, example: catalog.Example) -> ExampleOut:
        return cls(
            name=example.name,
            title=example.title,
            description=example.description,
            guide_url=example.guide_url,
            topics=list(example.topics),
            dataset=example.dataset,
            gpu_fraction=example.gpu_fraction,
            original=OriginalResult.of(example.original),
            parameters=example.json_schema(),
        )


class Examples(BaseModel):
    items: list[ExampleOut]
