"""Prerequisites a guide states, found sentence by sentence, and the acyclic graph they form.

Each rule is a sentence pattern with two roles: what is required (the topics named in `needs`) and
what requires it (the topics named in `learner`, or the sentence's context when the rule names no
such topic: the section's topic, else the guide's main topic). "Start with X" advice makes the
topics of the following sections require X. A guide's order adds weaker `suggested-order` edges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from kb.extraction.vocabulary import Vocabulary

STATED_CONFIDENCE = 0.8
SUGGESTED_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    reason: str  # with {topic} and {requires}
    follows: bool = False  # "start with X": the following sections' topics require X


def _rule(name: str, pattern: str, reason: str, follows: bool = False) -> Rule:
    return Rule(name, re.compile(pattern, re.I), reason, follows)


_UNTIL_END = r"[^.;!?]+"
RULES = (
    _rule(
        "all-you-need",
        rf"all (?:what )?you need is (?P<needs>{_UNTIL_END})",
        "{requires} is part of all you need to start {topic}",
    ),
    _rule(
        "you-need",
        r"you need (?:to have |to know |to understand |to learn )?(?:a |some |the )?"
        rf"(?:basic notion of|basics of|basic|knowledge of)\b(?P<needs>{_UNTIL_END})",
        "you need {requires} for {topic}",
    ),
    _rule(
        "good-to-understand",
        r"(?:it is|it's) (?:good|useful|important|crucial|essential) to (?:understand|know|learn)"
        r" (?P<needs>[^.;,]+)(?:, which is a building block of (?P<learner>[^.;]+))?",
        "it is good to understand {requires}: it is a building block of {topic}",
    ),
    _rule(
        "crucial-for",
        r"(?P<needs>[^.;]+?) (?:is|are) (?:crucial|essential|necessary) (?:not only )?for"
        r" (?P<learner>[^.;,]+)",
        "{requires} is crucial for {topic}",
    ),
    _rule(
        "as-requirement",
        r"(?P<needs>[^.;]+?) as (?:a |the )?(?:requirement|prerequisite)s?\b",
        "{requires} is named as a requirement of {topic}",
    ),
    _rule(
        "before-you",
        r"before (?:you (?:start|learn|move on to|dive into|tackle) )?(?P<learner>[^,.;]+), you"
        r" (?:need|should|must|have) (?:to )?(?:understand|know|learn|master|read)?"
        rf"(?P<needs>{_UNTIL_END})",
        "before {topic}, you need {requires}",
    ),
    _rule(
        "x-before-y",
        r"(?P<needs>[^.;]+?) before (?:moving on to|moving to|going on to|you move on to|tackling)"
        r" (?P<learner>[^.;,]+)",
        "{requires} comes before {topic}",
    ),
    _rule(
        "requires",
        r"(?P<learner>[^.;,]+?) (?:requires|builds on|depends on) (?:a good grasp of |knowing |an"
        rf" understanding of )?(?P<needs>{_UNTIL_END})",
        "{topic} requires {requires}",
    ),
    _rule(
        "library-in",
        r"(?P<learner>\b[\w.-]+), an? (?:[\w-]+ ){0,4}(?:library|framework|package|interface)"
        r" (?:in|for) (?P<needs>\w+)",
        "{topic} is used from {requires}",
    ),
    _rule(
        "start-with",
        r"(?<!if not )(?:recommend|suggest)(?:s|ed)? (?:strongly )?(?:starting|to start|that you"
        rf" start|you start) (?:with|from) (?P<needs>{_UNTIL_END})",
        "the guide recommends starting with {requires} before {topic}",
        follows=True,
    ),
)


@dataclass(frozen=True)
class SentenceInContext:
    """A sentence of an edition with what it is about: its section's topics, the next sections'."""

    text: str
    edition: int
    context_topics: tuple[str, ...]  # the section's topics
    following_topics: tuple[str, ...]  # topics of the next sections at the same level
    main_topics: tuple[str, ...]  # what the whole guide teaches


@dataclass(frozen=True)
class Statement:
    topic: str
    requires: str
    origin: str
    rule: str
    reason: str
    sentence: str
    edition: int


def stated(sentences: Iterable[SentenceInContext], vocabulary: Vocabulary) -> list[Statement]:
    """The prerequisites the sentences state, one Statement per (rule, topic, requirement)."""
    found: list[Statement] = []
    for sentence in sentences:
        if sentence.text.lower().startswith("if not"):
            continue  # "if not Keras, then start with TensorFlow": an alternative, not an order
        for rule in RULES:
            for match in rule.pattern.finditer(sentence.text):
                needs = vocabulary.slugs_in(match["needs"] or "")
                learners = _learners(rule, match, sentence, vocabulary)
                for topic in learners:
                    for requires in needs:
                        if topic != requires:
                            found.append(_statement(rule, topic, requires, sentence, vocabulary))
    return list(dict.fromkeys(found))  # a rule matching twice in a sentence states it once


def _learners(rule: Rule, match, sentence: SentenceInContext, vocabulary: Vocabulary):
    named = "learner" in rule.pattern.groupindex and match["learner"]
    if named and vocabulary.slugs_in(match["learner"]):
        return vocabulary.slugs_in(match["learner"])
    # "Before you start, you need...": a learner that names no topic is the context's.
    if rule.follows and sentence.following_topics:
        return sentence.following_topics
    # A section about "Python and machine learning" that names both as requirements states
    # what the guide as a whole requires, not that one of them requires the other.
    needs = set(vocabulary.slugs_in(match["needs"] or ""))
    return [t for t in sentence.context_topics if t not in needs] or sentence.main_topics


def _statement(rule, topic, requires, sentence, vocabulary) -> Statement:
    names = vocabulary.entries
    reason = rule.reason.format(topic=names[topic].name, requires=names[requires].name)
    return Statement(topic, requires, "stated", rule.name, reason, sentence.text, sentence.edition)


def suggested_order(
    sections: list[tuple[int, tuple[str, ...]]], edition: int, titles: list[str], vocabulary
) -> list[Statement]:
    """Edges from a guide's order: a section's topics require those of the nearest earlier
    section at the same or a shallower level that has topics."""
    found: list[Statement] = []
    for index, (level, topics) in enumerate(sections):
        previous = next(
            (
                j
                for j in range(index - 1, -1, -1)
                if sections[j][0] <= level and sections[j][1] and set(sections[j][1]) - set(topics)
            ),
            None,
        )
        if previous is None:
            continue
        evidence = (
            f"Section \u201c{titles[index]}\u201d comes after \u201c{titles[previous]}\u201d."
        )
        for topic in topics:
            for requires in sections[previous][1]:
                if topic != requires:
                    reason = (
                        f"the guide covers {vocabulary.entries[requires].name} before "
                        f"{vocabulary.entries[topic].name}"
                    )
                    found.append(
                        Statement(
                            topic,
                            requires,
                            "suggested-order",
                            "section-order",
                            reason,
                            evidence,
                            edition,
                        )
                    )
    return found


@dataclass(frozen=True)
class Rejected:
    topic: str
    requires: str
    cycle: tuple[str, ...]

    def __str__(self) -> str:
        path = " -> ".join(self.cycle)
        return f"not stored: {self.topic} requires {self.requires} would close the cycle {path}"


def acyclic(
    existing: Iterable[tuple[str, str]], candidates: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], list[Rejected]]:
    """Keep candidate edges (topic, requires) in order unless one would close a cycle."""
    graph = nx.DiGraph(list(existing))
    kept: list[tuple[str, str]] = []
    rejected: list[Rejected] = []
    for topic, requires in candidates:
        if graph.has_edge(topic, requires):
            kept.append((topic, requires))
            continue
        if topic in graph and requires in graph and nx.has_path(graph, requires, topic):
            cycle = tuple(nx.shortest_path(graph, requires, topic)) + (requires,)
            rejected.append(Rejected(topic, requires, cycle))
            continue
        graph.add_edge(topic, requires)
        kept.append((topic, requires))
    return kept, rejected
