"""Learning paths: the question a learner asks (goals, what they know, preferences, their own
progress), and the path that answers it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kb import learners, paths
from kb.errors import InputError
from kb.models import Learner
from kb.snapshot import Snapshot


@dataclass(frozen=True)
class Question:
    """A path's question with every topic resolved: what the answer depends on, besides the
    knowledge base's version."""

    goals: tuple[str, ...]
    prefs: paths.Preferences
    states: frozenset[tuple[str, str]]  # the learner's topic states, shown with skipped topics


def question(
    session: Session,
    snapshot: Snapshot,
    *,
    goals: list[str],
    known: list[str],
    prefer: list[str],
    max_hours: float | None,
    learner: Learner | None = None,
) -> Question:
    """The question as asked; with a `learner`, their known and done topics count, and their
    goals, preferred kinds and budget apply where the question does not give its own."""
    states: dict[str, str] = {}
    finished: frozenset[int] = frozenset()
    if learner is not None:
        progress = learners.progress(session, learner)
        states, finished = progress.topics, progress.finished_resources
        goals = goals or learners.split(learner.goals)
        known = [*known, *progress.known]
        prefer = prefer or learners.split(learner.prefer)
        max_hours = max_hours if max_hours is not None else learner.max_hours
    if not goals:
        raise InputError("", "give at least one goal: goal=<topic slug or name>")
    prefs = paths.Preferences(
        known=frozenset(snapshot.topics(known, "known")),
        prefer=tuple(prefer),
        max_hours=max_hours,
        skip_resources=finished,
    )
    wanted = tuple(snapshot.topic(g, "no topic {!r} to aim for", goal=g) for g in goals)
    return Question(wanted, prefs, frozenset(states.items()))


def answer(snapshot: Snapshot, asked: Question) -> paths.Path:
    return snapshot.planner.plan(asked.goals, asked.prefs)
