"""What requires what, from a guide's sentences in their many wordings and from its structure,
each statement with its origin, rule, evidence, edition and confidence; negations kept apart.

Sentences (`stated`): a requirement cue ("you need", "you should know", "familiarity with",
"X is assumed", "X is a prerequisite for Y", "X builds on Y", "before Y, learn X", "if you
already know X, start with Y", "once you know X, move on to Y", "start with X"...) and the
topics named around it. What is required is what the cue's phrase names, item by item ("vectors,
matrices and derivatives" is three); what requires it is what the sentence names for it (a
"for Y" or "to learn Y", the other side of "before" or "builds on"), else the resource the
sentence recommends, else the section's topic, else the guide's subject. A cue that is denied
("X is not required", "no need to know X", "without any X", "avoid X at the start") states no
edge: it is returned as a negation.

Structure (`structured`): a Prerequisites section (its items name what the guide's subject, or
the section's parent's topic, requires), a Prerequisites column of a table (a row's subject
requires what its cell names, other rows' courses included), a conditioning heading ("New to
statistics?", "No math background for ML?"), and the stages of a curriculum ("Week 3" after
"Week 2": `suggested-order`, the weakest).

Every pattern here is a literal phrase or a bounded class: a cue is found with one pass of a
regular expression that cannot backtrack, and its phrases end at the next clause boundary, so
the cost grows with the text, whatever its shape.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import networkx as nx

from kb.extraction.vocabulary import Vocabulary

STATED_CONFIDENCE = 0.8
STRUCTURE_CONFIDENCE = 0.7
HEADING_CONFIDENCE = 0.6
ORDER_CONFIDENCE = 0.4
_SPAN = 200  # at most this many characters make one phrase of a cue


@dataclass(frozen=True)
class Context:
    """What a sentence is about, besides what it names."""

    edition: int
    section: tuple[str, ...] = ()  # the topics of its section (or the nearest one above with any)
    following: tuple[str, ...] = ()  # the next sections' topics, which "start with X" leads to
    subject: tuple[str, ...] = ()  # what the whole guide teaches
    recommended: tuple[str, ...] = ()  # the topics of the resources the sentence links
    requirements: bool = False  # in a Prerequisites section: its items name requirements
    listed: tuple[str, ...] = ()  # what the list after a sentence ending in ":" names


@dataclass(frozen=True)
class Statement:
    topic: str
    requires: str
    origin: str  # stated | structure | suggested-order
    rule: str
    reason: str
    sentence: str  # the evidence: the sentence, heading, cell, or the stages' order
    edition: int
    confidence: float = STATED_CONFIDENCE


@dataclass(frozen=True)
class Negation:
    """A pair the guide says is not a requirement; nothing is stored for it."""

    topic: str
    requires: str
    sentence: str


@dataclass(frozen=True)
class _Cue:
    """One wording of a requirement. `needs` is where the required phrase is (after or before
    the cue); `learner`, where what requires it is named (after, before, or the context)."""

    name: str
    pattern: str
    needs: str  # "after" | "before"
    learner: str  # "context" | "after" | "before"
    reason: str
    follows: bool = False  # "start with X": what follows requires X
    needs_cue_word: bool = False  # counts only in a sentence that speaks of requiring
    denies: bool = False  # "you don't need X": what it names is not required


_W = r"\s+"
_CUES = (
    _Cue(
        "no-need",
        r"(?:(?:do|does|will|would) not|don't|doesn't|won't|wouldn't|never) (?:really )?(?:need|"
        r"require|have to (?:know|learn|be))(?: to (?:know|learn|understand|have|be familiar "
        r"with|master))?|no need (?:to (?:know|learn|understand|have|be familiar with|master)|"
        r"for)|without (?:any |much |prior )*(?:knowledge of |experience (?:with|in) |background "
        r"in )?",
        "after",
        "context",
        "{requires} is not needed for {topic}",
        denies=True,
    ),
    _Cue(
        "all-you-need",
        r"all (?:what )?you(?:'ll| will)? need is",
        "after",
        "context",
        "{requires} is part of all you need to start {topic}",
    ),
    _Cue(
        "you-need",
        r"you(?:'ll| will)? (?:need|require)(?: to (?:have|know|understand|learn"
        r"|be familiar with|be comfortable with|master))?",
        "after",
        "context",
        "you need {requires} for {topic}",
    ),
    _Cue(
        "you-should-know",
        r"you (?:should|must|have to|ought to|need to)(?: already)? (?:have"
        r"|know|understand|be familiar with|be comfortable with|be fluent in|master|"
        r"have taken|be able to use)",
        "after",
        "context",
        "you should know {requires} for {topic}",
    ),
    _Cue(
        "familiarity",
        r"(?:familiarity|familiar|acquainted|comfortable|experience|proficiency"
        r"|fluency|background|knowledge|understanding|grasp|foundation|exposure|basics|"
        r"prior knowledge) (?:with|of|in)",
        "after",
        "context",
        "{topic} asks for knowledge of {requires}",
        needs_cue_word=True,
    ),
    _Cue(
        "knowledge-level",
        r"(?:basic|intermediate|good|solid|decent|some) (?=\w+ (?:knowledge|"
        r"skills|experience|background))",
        "after",
        "context",
        "{topic} asks for knowledge of {requires}",
        needs_cue_word=True,
    ),
    _Cue(
        "meant-for",
        r"(?:geared|aimed|intended|designed|written|meant)?\s?(?:toward|towards|for|at) (?:those|"
        r"people|readers|learners|students|anyone|someone|developers|engineers|programmers) "
        r"(?:with|who (?:have|know|are familiar with|are comfortable with))(?: at least)?",
        "after",
        "context",
        "{topic} is meant for those who know {requires}",
    ),
    _Cue(
        "prerequisites-are",
        r"(?:pre-?requisites?|requirements?)(?: are| is| include| includes)?"
        r"\s*:",
        "after",
        "context",
        "{requires} is a stated prerequisite of {topic}",
    ),
    _Cue(
        "requires",
        r"(?:requires|required|demands|calls for) (?:a |an |some |the )?(?:good |"
        r"basic |solid )?(?:knowledge of |understanding of |grasp of |familiarity with )?",
        "after",
        "before",
        "{topic} requires {requires}",
    ),
    _Cue(
        "assumes",
        # "expect" only of the reader: "expect less tensor structure" asks for nothing.
        r"(?:(?:assumes?|presupposes?)(?: that)?(?: you| the student| the reader| students|"
        r" readers| learners)?|expects?(?: that)? (?:you|the student|the reader|students|"
        r"readers|learners))(?: (?:have|has|know|knows|are|is|already|to know|to have))*"
        r"(?: (?:taken|familiar with|comfortable with|knowledge of|some))?",
        "after",
        "before",
        "{topic} assumes {requires}",
    ),
    _Cue(
        "is-assumed",
        r"(?:is|are)(?: not| never| not really)? (?:assumed|required|needed|necessary|a must|"
        r"expected|essential|crucial|a prerequisite|prerequisites|a requirement)(?: (?:for|to|of|"
        r"before)(?: understanding| learning| starting| studying)?)?",
        "before",
        "after",
        "{requires} is a prerequisite of {topic}",
    ),
    _Cue(
        "builds-on",
        r"(?:builds?|is built|relies|depends|draws) (?:up)?on",
        "after",
        "before",
        "{topic} builds on {requires}",
    ),
    _Cue(
        "is-a-skill",
        r"(?:is|are) (?:a |an )?(?:new |key |core |crucial |essential |important |fundamental |"
        r"must-have )?(?:skills?|must|must-have)(?: that you (?:should|must|need to) (?:master|"
        r"learn|have))?",
        "before",
        "context",
        "{requires} is a skill {topic} needs",
    ),
    _Cue(
        "building-block",
        r"(?:is|are) (?:a |the )?(?:building blocks?|foundations?|basis|"
        r"groundwork) (?:of|for)",
        "before",
        "after",
        "{requires} is a building block of {topic}",
    ),
    _Cue(
        "prepares-for",
        r"prepares? (?:you |students |learners |the reader )?for",
        "before",
        "after",
        "{requires} prepares for {topic}",
    ),
    _Cue(
        "good-to-understand",
        r"(?:it is|it's) (?:good|useful|important|crucial|essential|"
        r"helpful|recommended|worth) to (?:understand|know|learn|have)",
        "after",
        "context",
        "it is good to understand {requires} for {topic}",
    ),
    _Cue(
        "library-in",
        r", an? (?:\w+ ){0,4}(?:library|framework|package|interface|toolkit) "
        r"(?:in|for)",
        "after",
        "before",
        "{topic} is used from {requires}",
    ),
    _Cue(
        "start-with",
        r"(?:recommend|suggest|advise)(?:s|ed)? (?:strongly )?(?:starting|to "
        r"start|that you start|you start|beginning) (?:with|from|by learning)",
        "after",
        "context",
        "the guide recommends starting with {requires} before {topic}",
        follows=True,
    ),
)
# Who requires, named in the sentence: "to learn deep learning, you need...", "... for X".
_FOR = re.compile(
    r"\b(?:for|(?:if you want |in order )?to (?:learn|start|understand|study|master|do|get "
    r"into|begin|work with|follow|take|tackle|build|use|get started with)|before(?: (?:learning|"
    r"starting|studying|tackling|moving on to|diving into|you start|you learn|you move on to))?)"
    r"\s+",
    re.I,
)
_CONDITIONAL = re.compile(
    r"\b(?:if you (?:already |do )?(?:know|have|understand|are (?:comfortable|familiar) with|"
    r"are good at|want to learn|want to understand|want to get into)|once you (?:know|have "
    r"(?:learned|learnt|mastered|covered)|are comfortable with|understand|master|have)|after "
    r"(?:learning|mastering|reading|finishing|completing|taking|studying))\s+",
    re.I,
)
_THEN = re.compile(
    r",\s*(?:and\s+)?(?:then\s+)?(?:you can |you should |go |we |)?(?:start with|go to|skip to|"
    r"jump to|read|try|take|continue with|move on to|begin with|learn|study|check out|look at|"
    r"dive into|have|know)\b",
    re.I,
)
_CUE_WORDS = re.compile(
    r"\b(?:need|needs|needed|require|requires|required|requirement|assume|assumes|assumed|"
    r"expect|expected|should|must|prerequisites?|recommended|helpful|ideally|having|have|"
    r"you'll want|helps)\b",
    re.I,
)
_DENIED = re.compile(
    r"\b(?:no|not|don't|do not|doesn't|does not|never|without|nor|neither|isn't|aren't|"
    r"needn't|no need|zero|avoid|skip|myths?|discourag\w*)\b",
    re.I,
)
# In a Prerequisites section, what a sentence says is not needed, or only nice to have.
_NOT_ASKED = re.compile(rf"{_DENIED.pattern}|\b(?:optional\w*|nice to have|bonus)\b", re.I)
_CLAUSE_END = re.compile(r"[.;!?]+(?:\s+|$)")
# Right after what a cue asks for: "... is helpful but not required", "... is a plus, not a
# must", "... is optional".
_HEDGED_AWAY = re.compile(
    r"\s*(?:is|are)\b[^.;!?]{0,40}?\b(?:not (?:required|necessary|needed|mandatory|essential|"
    r"a must)|optional)\b",
    re.I,
)
_IF_YOU = re.compile(r"\bif (?:you|one|they)\b", re.I)
# "you will have a basic understanding of X": what the guide teaches, not what it asks for.
_OUTCOME = re.compile(
    r"\b(?:you(?:'ll| will)|students will|readers will|learners will|you should now)\s+(?:have|"
    r"gain|get|acquire|develop|build|learn|know|understand|be able)\b(?!\s+to\b)",
    re.I,
)
_CONDITION_REACH = 60  # how far before a cue an "if you" makes it a condition
_DENIED_AFTER = re.compile(
    r"^\s*(?:(?:is|are) (?:not|never)|(?:isn't|aren't)|(?:not )?(?:required|needed|necessary)"
    r"\s*(?:at all)?\s*$)",
    re.I,
)
# Where a phrase ends: a clause's punctuation, or a word that starts another clause.
_BOUNDARY = re.compile(
    # ", and an interest in X": another thing asked for, which its own cue (if any) names.
    r"[.;!?\[\]:\u2013\u2014]|\s-\s|,\s*and\s+(?=(?:\([^()]{0,80}\)\s*)?(?:an?|the|some|your|"
    r"their)\s)|,\s*(?=(?:you|we|it|this|that|then|and then|but|so|which|"
    r"start|read|check|go|try|see|as|and (?:have|know|already)|included|available|provided|"
    r"written|published)\b)|\s(?=(?:but|so|which|because|then|"
    r"while|whereas|although|"
    r"however|if|when|once|in order to|to (?:start|begin|get|learn|be able)|so that|is|are|was|"
    r"were|will|can|could|would|helps?|makes?|gives?|allows?|lets?)\b)",
    re.I,
)
_RELATIVE = re.compile(r"^\W*(?:which|that|it|this|these|they)\W*$", re.I)
_ASIDE = re.compile(r"\([^()]{0,200}\)")
# "(e.g. Google Colab)": an example of what is asked for, not a requirement of its own; "(for
# some cases, a laptop will do)", "(see below)": a remark. A list in parentheses stays: "some
# math (linear algebra, calculus)".
_REMARKS = re.compile(
    r"\((?:e\.\s?g\.|i\.\s?e\.|(?:for|such as|like|if|see|which|but|just|optional\w*|although|"
    r"though|because|since|when|where|even)\b)[^()]{0,200}\)",
    re.I,
)
# A phrase that points to the list after the sentence instead of naming what it means.
_POINTS_AHEAD = re.compile(r"^\s*(?:these|those|(?:the )?following|this|below)\b", re.I)
_COMPILED = re.compile(
    "|".join(f"(?P<c{n}>\\b{cue.pattern.replace(' ', _W)})" for n, cue in enumerate(_CUES)),
    re.I,
)


def stated(
    sentences: Iterable[tuple[str, Context]], vocabulary: Vocabulary
) -> tuple[list[Statement], list[Negation]]:
    """The prerequisites the sentences state, one per (rule, topic, requirement), and the pairs
    they deny."""
    statements: list[Statement] = []
    negations: list[Negation] = []
    for text, context in sentences:
        # Remarks are blanked out, not removed: the sentence keeps its offsets and evidence.
        read = _REMARKS.sub(lambda remark: " " * len(remark.group()), text)
        found, denied = _sentence(read, context, vocabulary)
        statements += [replace(s, sentence=text) for s in found]
        negations += [replace(n, sentence=text) for n in denied]
    return list(dict.fromkeys(statements)), list(dict.fromkeys(negations))


def _sentence(text: str, context: Context, vocabulary: Vocabulary):
    if text.lower().startswith("if not"):
        return [], []  # "if not Keras, then start with TensorFlow": an alternative, not an order
    boundaries = [m.start() for m in _BOUNDARY.finditer(text)]
    # The sentence with its asides blanked: a "for Y" in parentheses names no one. Where a
    # "for Y" starts, and where its Y does.
    bare = _ASIDE.sub(lambda aside: " " * len(aside.group()), text)
    beneficiaries = list(_FOR.finditer(bare))
    for_starts, fors = [m.start() for m in beneficiaries], [m.end() for m in beneficiaries]
    conditional = _conditionals(text, context, vocabulary, boundaries)
    cue_words = bool(_CUE_WORDS.search(text)) or context.requirements
    matches = list(_COMPILED.finditer(text))
    cue_starts = [m.start() for m in matches]
    named, fallback = [], []  # (cue, learners, required, denied), by where the learner came from
    for match in matches:
        cue = _CUES[int(match.lastgroup[1:])]
        if cue.needs_cue_word and not cue_words:
            continue
        if _OUTCOME.search(text, max(0, match.start() - _CONDITION_REACH), match.start()):
            continue
        needs, learner = _sides(text, match, cue, boundaries, for_starts)
        required = vocabulary.narrowest_in(needs)
        if context.listed and _POINTS_AHEAD.match(needs):
            # "start with these three concepts in machine learning:" and a list: the list's
            # items are required, by what the phrase names.
            learner, required = needs, [t for t in context.listed if t not in required]
            cue = _replace_learner(cue)
        near = fors[
            bisect.bisect_left(fors, match.start() - _SPAN) : bisect.bisect_right(
                fors, match.end() + _SPAN
            )
        ]
        learners, explicit = _learners(
            cue, learner, bare, near, cue_starts, context, vocabulary, required
        )
        denied = cue.denies or _is_denied(text, match, needs, boundaries)
        found = (cue, learners, required, denied)
        (named if explicit else fallback).append(found)
    # What a cue (or a conditional) places under a learner the sentence names is not placed
    # again under the context by another cue of the sentence.
    placed = {s.requires for s in conditional} | {
        t for _, _, required, _ in named for t in required
    }
    fallback = [
        (cue, who, [t for t in what if t not in placed], no) for cue, who, what, no in fallback
    ]
    statements, negations = list(conditional), []
    for cue, learners, required, denied in named + fallback:
        for topic in learners:
            for requires in required:
                if topic == requires:
                    continue
                if denied:
                    negations.append(Negation(topic, requires, text))
                else:
                    statements.append(
                        _statement(cue.name, cue.reason, topic, requires, text, context, vocabulary)
                    )
    return statements, negations


def _replace_learner(cue: _Cue) -> _Cue:
    """The cue, with what requires named in its phrase (the list holds what is required)."""
    return _Cue(cue.name, cue.pattern, cue.needs, "after", cue.reason)


def _sides(
    text: str, match: re.Match, cue: _Cue, boundaries: list[int], for_starts
) -> tuple[str, str]:
    """The cue's required phrase and the phrase naming what requires it."""
    end = _next_boundary(boundaries, match.end(), len(text))
    beneficiary = bisect.bisect_right(for_starts, match.end())
    if cue.needs == "after" and beneficiary < len(for_starts) and for_starts[beneficiary] < end:
        end = for_starts[beneficiary]  # "you need X for Y": the "for Y" names what requires X
    after = text[match.end() : end]
    start = _previous_boundary(boundaries, match.start())
    before = text[start : match.start()]
    if _RELATIVE.match(before) and start > 0:  # "X, which is a building block of Y"
        before = text[_previous_boundary(boundaries, start - 1) : start - 1]
    before = _without_asides(before)
    if cue.needs == "after":
        return after, before if cue.learner == "before" else after_rest(text, match, boundaries)
    return before, after


def _without_asides(phrase: str) -> str:
    """A phrase without what it says in parentheses, when the rest names something: "Discrete
    math (Math for CS)" requires discrete math, not CS."""
    bare = _ASIDE.sub(" ", phrase)
    return bare if bare.strip() else phrase


def after_rest(text: str, match: re.Match, boundaries: list[int]) -> str:
    """What follows the required phrase in the clause, where a "for Y" may name the learner."""
    end = _next_boundary(boundaries, match.end(), len(text))
    return text[end : end + _SPAN]


def _learners(cue, phrase, text, fors, cue_starts, context, vocabulary, required):
    """What requires the cue's phrase, and whether the sentence names it: named in the sentence
    (`fors`: where a "for Y" or "to learn Y" near the cue starts; it ends where another cue
    starts), else the recommended resource's topic, else the section's, else the guide's
    subject."""
    named: list[str] = []
    if cue.learner in ("before", "after"):
        named = vocabulary.narrowest_in(phrase)
    else:
        for start in fors:
            span = text[start : start + _SPAN]
            following = bisect.bisect_right(cue_starts, start)
            end = cue_starts[following] - start if following < len(cue_starts) else len(span)
            clause = span[: min(_first_boundary(span), end)]
            named += [s for s in vocabulary.narrowest_in(clause) if s not in required]
    named = [s for s in dict.fromkeys(named) if s not in required]
    if named:
        return named, True
    if cue.follows and context.following:
        return list(context.following), False
    if context.recommended:
        return [t for t in context.recommended if t not in required], False
    # A section about "Python and machine learning" that names both as requirements states
    # what the guide as a whole requires, not that one of them requires the other.
    section = [t for t in context.section if t not in required]
    return section or [t for t in context.subject if t not in required], False


def _conditionals(text: str, context: Context, vocabulary: Vocabulary, boundaries: list[int]):
    """ "If you already know X, start with Y", "once you know X, move on to Y", "after learning
    X, read Y", "if you want to learn Y and have X knowledge": Y requires X."""
    found = []
    for match in _CONDITIONAL.finditer(text):
        wants = "want" in match.group().lower()
        then = _THEN.search(text, match.end(), match.end() + _SPAN * 2)
        if then is None:
            continue
        first = text[match.end() : then.start()]
        second = text[then.end() : _next_boundary(boundaries, then.end(), len(text))]
        if wants:  # "if you want to learn Y, and have X knowledge"
            first, second = second, first
        known = vocabulary.narrowest_in(first)
        next_ = [t for t in vocabulary.narrowest_in(second) if t not in known] or (
            list(context.recommended) if wants else []
        )
        for topic in next_:
            for requires in known:
                if topic != requires:
                    found.append(
                        _statement(
                            "conditional",
                            "once you know {requires}, go on to {topic}",
                            topic,
                            requires,
                            text,
                            context,
                            vocabulary,
                        )
                    )
    return found


def _is_denied(text: str, match: re.Match, needs: str, boundaries: list[int]) -> bool:
    """Whether the cue is denied within its clause: "you don't need X", "X is not required",
    "no need to know X", "without any X"."""
    start = _previous_boundary(boundaries, match.start())
    # "If you are not familiar with X, ...": a condition that X answers, not a denial.
    condition = _IF_YOU.search(text, max(0, match.start() - _CONDITION_REACH), match.start())
    if _DENIED.search(text, start, match.end()) and not condition:
        return True
    end = _next_boundary(boundaries, match.end(), len(text))
    return bool(
        _DENIED_AFTER.match(text[end : end + 40]) or _HEDGED_AWAY.match(text, end)
    ) or needs.lower().lstrip().startswith(("no ", "none", "nothing"))


def _next_boundary(boundaries: list[int], start: int, end: int) -> int:
    index = bisect.bisect_left(boundaries, start)
    stop = boundaries[index] if index < len(boundaries) else end
    return min(stop, start + _SPAN, end)


def _previous_boundary(boundaries: list[int], end: int) -> int:
    # The space just before the cue may be a boundary ("X is required"): it ends no phrase.
    index = bisect.bisect_left(boundaries, end - 1) - 1
    start = boundaries[index] + 1 if index >= 0 else 0
    return max(start, end - _SPAN)


def _first_boundary(span: str) -> int:
    found = _BOUNDARY.search(span)
    return found.start() if found else len(span)


def _statement(rule, reason, topic, requires, sentence, context, vocabulary) -> Statement:
    names = vocabulary.entries
    text = reason.format(topic=names[topic].name, requires=names[requires].name)
    return Statement(topic, requires, "stated", rule, text, sentence, context.edition)


@dataclass(frozen=True)
class Row:
    """A table row of a curriculum: what its subject cell names, and its other cells."""

    subject: str  # the subject cell's text ("Calculus 1B: Integration")
    topics: tuple[str, ...]  # what the subject cell names
    requirements: str | None  # the text of its Prerequisites cell, if the table has one


_NOTHING = re.compile(r"^\s*(?:none|n/?a|-|\u2013|\u2014|nothing)?\s*$", re.I)
# "No coding background, no problem": a heading that says something is not required.
DENYING_HEADING = re.compile(
    r"^\s*no (?P<no>.+?) (?:background|experience|knowledge|skills)\b[,!.]*\s*(?:no problem|"
    r"needed|required|necessary|necessary to start)\b",
    re.I,
)
_CONDITIONING = re.compile(
    r"^\s*(?:new to|never (?:used|done|learned|learnt|studied|coded in|programmed in)|"
    r"unfamiliar with|not familiar with|don't know|need (?:a )?refresher (?:on|in)|brush up "
    r"(?:on )?|no (?P<no>.+?) background(?: for (?P<for>.+?))?\??\s*(?:$|[!.:]))",
    re.I,
)
_STAGE = re.compile(
    r"^\s*(?:(?P<word>week|day|stage|step|part|level|phase|module|lesson|unit|chapter)\s+"
    r"(?P<number>\d+|[ivx]+)\b|(?P<level>intro|introductory|beginner|basic|core|intermediate|"
    r"advanced)\b)",
    re.I,
)
_LEVELS = {
    "intro": 0,
    "introductory": 0,
    "beginner": 0,
    "basic": 0,
    "core": 1,
    "intermediate": 1,
    "advanced": 2,
}


def from_table(rows: list[Row], edition: int, vocabulary: Vocabulary) -> list[Statement]:
    """Each row's subject requires what its Prerequisites cell names: topics, and other rows'
    courses by their title ("Calculus 1A" is the row "Calculus 1A: Differentiation")."""
    titles = _Titles(rows)
    found = []
    for row in rows:
        cell = row.requirements
        if cell is None or _NOTHING.match(cell):
            continue
        needs = []
        for item in re.split(r"\s*(?:,|;|\band\b|\bor\b|/)\s*", cell):
            other = None if _names_a_topic(item, vocabulary) else titles.named(item)
            if other is not None and other is not row:
                needs += other.topics
            else:
                needs += vocabulary.narrowest_in(item)
        for topic in row.topics:
            for requires in dict.fromkeys(needs):
                if topic != requires:
                    reason = (
                        f"{vocabulary.entries[topic].name} lists "
                        f"{vocabulary.entries[requires].name} as a prerequisite"
                    )
                    found.append(
                        Statement(
                            topic,
                            requires,
                            "structure",
                            "prerequisites column",
                            reason,
                            f"{row.subject}: prerequisites: {cell}",
                            edition,
                            STRUCTURE_CONFIDENCE,
                        )
                    )
    return found


def _names_a_topic(item: str, vocabulary: Vocabulary) -> bool:
    """Whether the item is a topic's name and nothing more ("Python", "linear algebra")."""
    hits = vocabulary.find(item.strip())
    return len(hits) == 1 and hits[0].start == 0 and hits[0].end == len(item.strip())


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}
_MOST_CANDIDATES = 20  # rows that share an item's rarest word: more, and it names none of them


def _title_words(title: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", title.lower())
    return [_ROMAN.get(word, word) for word in words]


class _Titles:
    """The rows of a table by their titles. A cell names another row by its whole title, its
    start ("Calculus 1A" is "Calculus 1A: Differentiation") or some of its words, when they are
    another row's alone ("Algorithms Part 1" is "Algorithms: Design and Analysis, Part 1",
    "Object Oriented Design" is "Object-Oriented Design"). Each row's words are indexed, so a
    cell costs a look at the few rows that share its rarest word, not a pass over the table."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.exact: dict[str, Row] = {}
        for row in reversed(rows):  # the first row of a title wins
            title = row.subject.lower().strip()
            self.exact[title] = row
            self.exact[re.split(r":|\s\(|\s-\s", title, maxsplit=1)[0].strip()] = row
        self.words = [set(_title_words(row.subject)) for row in rows]
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, words in enumerate(self.words):
            for word in words:
                self.postings[word].append(index)

    def named(self, item: str) -> Row | None:
        item = item.lower().strip()
        if len(item) < 4:
            return None
        if item in self.exact:
            return self.exact[item]
        words = set(_title_words(item))
        if len(words) < 2:  # one word names a topic more often than a course
            return None
        rarest = min((self.postings.get(word, []) for word in words), key=len)
        if len(rarest) > _MOST_CANDIDATES:
            return None
        candidates = [i for i in rarest if words <= self.words[i]]
        return self.rows[candidates[0]] if len(candidates) == 1 else None


def denied_by_heading(title: str, context: Context, vocabulary: Vocabulary) -> list[Negation]:
    """ "No coding background, no problem": the guide's subject does not require coding."""
    match = DENYING_HEADING.match(title)
    if match is None:
        return []
    return [
        Negation(topic, requires, title)
        for topic in context.subject
        for requires in vocabulary.narrowest_in(match.group("no"))
        if topic != requires
    ]


def from_heading(
    title: str, context: Context, vocabulary: Vocabulary, contents: tuple[str, ...]
) -> list[Statement]:
    """A heading that conditions its section: "New to statistics?" (the guide's subject
    requires statistics), "No math background for ML?" (ML requires math)."""
    match = _CONDITIONING.match(title)
    if match is None:
        return []
    if match.group("no"):
        needs = vocabulary.narrowest_in(match.group("no"))
        learners = vocabulary.narrowest_in(match.group("for") or "") or list(context.subject)
    else:
        needs = vocabulary.narrowest_in(title[match.end() :]) or list(contents)
        learners = list(context.subject)
    return [
        Statement(
            topic,
            requires,
            "structure",
            "conditioning heading",
            f"the guide points readers new to {vocabulary.entries[requires].name} to it "
            f"before {vocabulary.entries[topic].name}",
            title,
            context.edition,
            HEADING_CONFIDENCE,
        )
        for topic in learners
        for requires in needs
        if topic != requires
    ]


def from_requirements_block(text: str, context: Context, vocabulary: Vocabulary):
    """An item of a Prerequisites section: what it names is required by the section's parent
    topic, or the guide's subject."""
    learners = list(context.section) or list(context.subject)
    # What a sentence of it says is not asked for ("calculus is optional", "no prior ML
    # experience needed") is not listed as required; the sentence rules read its negations.
    asked = " ".join(part for part in _CLAUSE_END.split(text) if not _NOT_ASKED.search(part))
    needs = [t for t in vocabulary.narrowest_in(asked) if t not in learners]
    return [
        Statement(
            topic,
            requires,
            "structure",
            "prerequisites section",
            f"the guide lists {vocabulary.entries[requires].name} among the prerequisites "
            f"of {vocabulary.entries[topic].name}",
            text,
            context.edition,
            STRUCTURE_CONFIDENCE,
        )
        for topic in learners
        for requires in needs
    ]


_LIBRARIES = re.compile(r"\b(?:libraries|packages|modules|toolkits|extensions|ecosystem)\b", re.I)


def from_library_section(
    title: str, anchors: Iterable[str], context: Context, vocabulary: Vocabulary
) -> list[Statement]:
    """A section of a language's or a tool's libraries ("Python (Libraries)", "R packages"):
    each tool its links name is used from it."""
    if not _LIBRARIES.search(title):
        return []
    hosts = vocabulary.narrowest_in(title)
    used = {
        tool
        for anchor in anchors
        for tool in vocabulary.narrowest_in(anchor)
        if vocabulary.entries[tool].kind == "tool"
    }
    return [
        Statement(
            tool,
            host,
            "structure",
            "library section",
            f"the guide lists {vocabulary.entries[tool].name} among the libraries of "
            f"{vocabulary.entries[host].name}",
            title,
            context.edition,
            HEADING_CONFIDENCE,
        )
        for host in hosts
        for tool in sorted(used)
        if tool != host
    ]


_ASKS_FOR_REQUIREMENTS = re.compile(
    r"\b(?:what|which)\b.*\b(?:need|needed|required|requires?|prerequisites?|skills|should "
    r"(?:I|you|one) (?:know|learn))\b.*\?",
    re.I,
)


def from_answer(
    question: str, answer: str, context: Context, vocabulary: Vocabulary
) -> list[Statement]:
    """A list item under one that asks what something requires ("What skills are needed for
    machine learning jobs?"): what the answer names, the asked-about topic requires."""
    if not _ASKS_FOR_REQUIREMENTS.search(question):
        return []
    learners = vocabulary.narrowest_in(question) or list(context.subject)
    needs = [t for t in vocabulary.narrowest_in(answer) if t not in learners]
    return [
        Statement(
            topic,
            requires,
            "structure",
            "answer to what is required",
            f"the guide answers that {vocabulary.entries[topic].name} requires "
            f"{vocabulary.entries[requires].name}",
            f"{question} {answer}",
            context.edition,
            STRUCTURE_CONFIDENCE,
        )
        for topic in learners
        for requires in needs
    ]


def stages(
    sections: list[tuple[int, str, tuple[str, ...]]], edition: int, vocabulary: Vocabulary
) -> list[Statement]:
    """A curriculum's stages, "Week 2" then "Week 3", "Core" then "Advanced": the first topic of
    each stage's heading requires the first of the stage before it at the same level."""
    found = []
    previous: dict[int, tuple[tuple[str, int], str, str]] = {}  # level -> (order, title, topic)
    for level, title, topics in sections:
        for deeper in [lvl for lvl in previous if lvl > level]:
            del previous[deeper]  # stages compare only within their parent section
        stage = _stage(title)
        if stage is None or not topics:
            continue
        before = previous.get(level)
        if before is not None and before[0][0] == stage[0] and before[0][1] < stage[1]:
            topic, requires = topics[0], before[2]
            if topic != requires:
                reason = (
                    f"the guide's stages put {vocabulary.entries[requires].name} before "
                    f"{vocabulary.entries[topic].name}"
                )
                evidence = f"Stage \u201c{title}\u201d comes after \u201c{before[1]}\u201d."
                found.append(
                    Statement(
                        topic,
                        requires,
                        "suggested-order",
                        "stage-order",
                        reason,
                        evidence,
                        edition,
                        ORDER_CONFIDENCE,
                    )
                )
        previous[level] = (stage, title, topics[0])
    return found


def _stage(title: str) -> tuple[str, int] | None:
    """The kind and rank of a stage heading: ("week", 3), ("level", 2)."""
    match = _STAGE.match(title)
    if match is None:
        return None
    if match.group("level"):
        return "level", _LEVELS[match.group("level").lower()]
    number = match.group("number").lower()
    rank = int(number) if number.isdigit() else _roman(number)
    return match.group("word").lower(), rank


def _roman(numeral: str) -> int:
    values = {"i": 1, "v": 5, "x": 10}
    total = 0
    for index, char in enumerate(numeral):
        value = values[char]
        total += (
            -value if index + 1 < len(numeral) and values[numeral[index + 1]] > value else value
        )
    return total


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
