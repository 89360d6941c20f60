"""The closed lists of values, each declared once: the models check them in the database, the
API's schemas and OpenAPI document offer them, the command line's choices come from them.

Each is a typed literal, with the same values as a tuple in declaration order.
"""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal[
    "video",
    "course",
    "lecture notes",  # slides or notes of a course's lectures
    "book",
    "tutorial",
    "article",
    "paper",
    "code repository",
    "notebook",
    "library",
    "dataset",
    "interactive demo",
    "documentation",
    "social post",
    "link collection",  # a list of links or resources: awesome lists, reading lists, index sites
    "other",
]
Access = Literal["free", "paid", "unknown"]
# In the order the importers try them.
EditionFormat = Literal["jekyll-markdown", "lynx", "html", "markdown", "text"]
# stated: a sentence says it; structure: a Prerequisites section or column, a conditioning
# heading, a curriculum's stages; suggested-order: a curriculum's stages put one before the
# other; the rest are not derived from a guide's words.
PrerequisiteOrigin = Literal["stated", "structure", "suggested-order", "curated", "inferred"]
# vocabulary: the base vocabulary's; discovered: introduced by a guide (kb.extraction.topics).
TopicOrigin = Literal["vocabulary", "discovered"]
# What a learner says of a topic or a resource; "known" and "done" count as knowing it.
LearnerState = Literal["known", "learning", "done", "skipped"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"]
FinishedStatus = Literal["succeeded", "failed", "cancelled", "timed_out"]
Executor = Literal["local", "ray"]
# Who wrote a job's event: the host side (a requeue, a lost worker, dropped events), the catalog's
# own runner, or a custom script, whose words are only its claims.
EventOrigin = Literal["system", "runner", "script"]
# What a search hit is.
HitType = Literal["topic", "resource"]
# Who is asking (`kb.identities`), and who started a job.
Role = Literal["learner", "maintainer", "operator"]

KINDS: tuple[Kind, ...] = get_args(Kind)
ACCESS: tuple[Access, ...] = get_args(Access)
EDITION_FORMATS: tuple[EditionFormat, ...] = get_args(EditionFormat)
PREREQUISITE_ORIGINS: tuple[PrerequisiteOrigin, ...] = get_args(PrerequisiteOrigin)
TOPIC_ORIGINS: tuple[TopicOrigin, ...] = get_args(TopicOrigin)
LEARNER_STATES: tuple[LearnerState, ...] = get_args(LearnerState)
KNOWN_STATES: frozenset[LearnerState] = frozenset({"known", "done"})
JOB_STATUSES: tuple[JobStatus, ...] = get_args(JobStatus)
ACTIVE_STATUSES: tuple[JobStatus, ...] = ("queued", "running")  # what quotas count
FINISHED_STATUSES: tuple[FinishedStatus, ...] = get_args(FinishedStatus)
EXECUTORS: tuple[Executor, ...] = get_args(Executor)
EVENT_ORIGINS: tuple[EventOrigin, ...] = get_args(EventOrigin)
HIT_TYPES: tuple[HitType, ...] = get_args(HitType)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The SQL condition that `column` holds one of `values`, for a CHECK constraint.

    >>> one_of("access", ACCESS)
    "access IN ('free', 'paid', 'unknown')"
    """
    return f"{column} IN ({', '.join(repr(value) for value in values)})"
