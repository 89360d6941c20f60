"""The topics a guide names, and those it introduces that the vocabulary lacks.

A concept the base vocabulary lacks is discovered from the guide's own structure and language,
each finding with a confidence and the reason:

- an acronym definition, "Long Short-Term Memory (LSTM)" or "LSTM (Long Short-Term Memory)";
- a heading ("Value Function Approximation and DQN": each part);
- a bold run-in label ("**Optimisation:** ...");
- the lead phrase of a list item ("Linear algebra: ..." or "Linear algebra - ...");
- the code spans of a "Topics covered" label;
- the subject cell of a table row (a course's title), and an anchor in a Prerequisites section.

Only what a learner can learn is kept (`learnable`): a phrase of one to six words whose last
word is a subject's head word ("... design", "... regression", "... theory": the last words of
the vocabulary's own names), not a meta or resource word ("Resources", "Books", "Motivation"),
not a proper name (people, sites, products: capitalised words none of which is a head word).
What the vocabulary already names is not discovered again. Discovered topics of several
guides are one topic when their keys agree: case, plurals and a trailing "network(s)",
"model(s)", "method(s)" aside, or by their acronym.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from importers.document import ParsedDocument
from kb.extraction.vocabulary import TopicEntry, Vocabulary, name_key, word_key

ACRONYM_CONFIDENCE = 0.8
LABEL_CONFIDENCE = 0.6  # headings, bold labels, "Topics covered"
LIST_CONFIDENCE = 0.5  # list lead phrases, table subjects, prerequisite anchors
MAX_WORDS = 6

_WORD = re.compile(r"[^\W_]+(?:\+\+|#)?(?:['\u2019][a-z]+)?")
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9]{1,9})s?\)")
_LEADING_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9]{1,9})s?\s*\(([^()]{3,80})\)")
# Numbering and stage markers before a heading's subject: "1.", "1.2)", "Week 3 -", "Part II:".
_NUMBERING = re.compile(
    r"^(?:(?i:week|day|part|chapter|lesson|module|stage|step|level|unit|phase|section)"
    r"\s+(?:\d+|[IVX]+)\b|\d+(?:\.\d+)*\b[.)]?|[IVX]+\b[.)]?)\s*[-:.\u2013\u2014]?\s*"
)
_PARTS = re.compile(r"\s*(?:,|;|:|/|&|\band\b|\bor\b|\bvs\.?|\s[-\u2013\u2014]\s|\(|\))\s*", re.I)
_LEAD = re.compile(r"^([^:\-\u2013\u2014]{3,60}?)\s*(?::|\s[-\u2013\u2014]\s)")
_TOPICS_LABEL = re.compile(r"\btopics?\b|\bsyllabus\b|\bcovered\b|\bconcepts\b", re.I)
PREREQUISITE_COLUMN = re.compile(r"pre-?req|requirements?|requires|assumes", re.I)
# A section that lists what its subject requires; "No math background?" is not one (it
# teaches math).
PREREQUISITE_HEADING = re.compile(
    r"^(?!.*\b(?:no|new to|without)\b).*(?:\bpre-?requisites?\b|\brequirements?\b|\bwhat "
    r"you(?:'ll| will)? (?:need|should know)\b|\b(?:required|recommended|assumed|prior|expected) "
    r"(?:knowledge|background|skills|experience)\b|\bbefore you (?:start|begin)\b|^\W*"
    r"(?:background|background knowledge)\W*$)",
    re.I,
)
SUBJECT_COLUMN = re.compile(
    r"^(?:courses?|topics?|subjects?|lessons?|titles?|names?|units?)$", re.I
)
_LEADING_FILLER = re.compile(
    r"^(?:(?:a|an|the|some|basic|basics of|the basics of|basic knowledge of|knowledge of|"
    r"introduction to|intro to|an introduction to|fundamentals of|getting started with|"
    r"learn|learning|understanding|understand|study|studying|how to|"
    # A course's or stage's level says how far, not what: "Advanced Information Security".
    r"advanced|core|intro|introductory|beginners?|beginner's|intermediate|elementary|"
    r"essential|practical|modern|gentle|simple|quick|complete|comprehensive|hands-on)\s+)+",
    re.I,
)
# Words that name what a guide is made of, or is about as a text, never a subject to learn.
META_WORDS = frozenset(
    word_key(word)
    for word in """
    about acknowledgement advice answer article blog book bonus cheatsheet chapter chat code
    community conference contact content contents contribute contributing contribution course
    credit dataset day demo discussion documentation donate donation example exercise extra faq
    final follow further game guide help homework idea interview introduction job lab lecture
    license link list material miscellaneous misc module motivation news newsletter note notebook
    other overview paper part people plan podcast post practice preface problem project
    question quiz reading readme reference resource roadmap schedule section series slide
    source sponsor start started story summary support table talk team tip tool translation
    tutorial update video week welcome what why workshop
    """.split()
)
GENERIC_HEADS = frozenset(word_key(w) for w in "network model method technique approach".split())
# A phrase that starts with one of these says what to do, not what to learn ("Improve in ...").
VERBS = frozenset(
    """apply become build choose create do explore find get go improve keep make need practice
    read start stay take try use using want watch write how why what when where""".split()
)
_LINKING = re.compile(r"\s(?:for|with|in|using|via|from|of)\s", re.I)
# Head words of subjects, besides the last words of the vocabulary's own names.
SUBJECT_HEADS = frozenset(
    word_key(word)
    for word in """
    algebra algorithm analysis analytics approximation architecture attention augmentation
    calculus classification clustering compiler computation computing control data database
    decomposition descent design detection embedding encoding engineering equation estimation
    extraction filtering forecasting generation geometry gradient graphics inference language
    learning logic mathematics mechanics mining modeling modelling network networking
    optimization planning probability processing programming reasoning recognition reduction
    regression representation retrieval sampling science search security segmentation selection
    statistics structure system testing theory tracking transform translation tuning vision
    """.split()
)


@dataclass(frozen=True)
class Discovered:
    """A topic the guide introduces: its name as written, other spellings, and why."""

    name: str
    aliases: tuple[str, ...]
    confidence: float
    reason: str
    evidence: str  # the heading, label, item or sentence it was found in

    @property
    def key(self) -> str:
        return identity_key(self.name)


def identity_key(name: str) -> str:
    """What makes two spellings one topic: "Long short-term memory networks" and "long
    short-term memory" are one."""
    words = name_key(name).split()
    while len(words) > 1 and words[-1] in GENERIC_HEADS:
        words.pop()
    return " ".join(words)


class Learnable:
    """Tells a phrase that names something a learner can learn from other phrases."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        last_words = Counter(
            name_key(name).split()[-1]
            for entry in vocabulary.entries.values()
            for name in (entry.name, *entry.aliases)
            if len(name_key(name).split()) > 1
        )
        self.heads = SUBJECT_HEADS | {word for word, count in last_words.items() if count > 1}
        self.heads -= META_WORDS

    def __call__(self, phrase: str, *, alone: bool = False, defined: bool = False) -> bool:
        """`alone`: a single word may be a topic (what a "Topics covered" label lists);
        elsewhere a lone word ("Theory", "Design") says too little to be one. `defined`: an
        acronym's expansion, which needs no subject's head word ("Long Short-Term Memory")."""
        words = _WORD.findall(phrase)
        if not (1 if alone else 2) <= len(words) <= MAX_WORDS or len(phrase) < 3:
            return False
        keys = [word_key(word) for word in words]
        if any(key in META_WORDS for key in keys):
            return False
        if keys[-1] not in self.heads and not defined:
            return False
        if any(word.isdigit() for word in words) or keys[0] in VERBS:
            return False
        if " and " in phrase.lower() and any(
            len(_WORD.findall(side)) == 1 and word_key(side.strip()) in self.heads
            for side in re.split(r"\band\b", phrase, flags=re.I)
        ):
            return False  # "Modeling and Theory": two words too general to be a subject
        # Every word capitalised and none but the last a subject's word: a proper name
        # ("Machine Learning Mastery" has one; "Andrew Ng" none) unless it reads as a subject.
        capitalised = all(word[:1].isupper() for word in words)
        subject_words = sum(key in self.heads for key in keys)
        if capitalised and len(words) > 1 and subject_words < 1:
            # but a defined acronym of three words or more is a term ("Long Short-Term
            # Memory"); of two, still a name ("Andrew Ng (AN)").
            return defined and len(words) >= 3
        return True


def clean(phrase: str) -> str:
    """A phrase without numbering, markup leftovers, fillers and trailing punctuation."""
    phrase = re.sub(r"[*_`#>\[\]!?\u2605\u2b50\u2714\u2705]+", " ", phrase)
    phrase = _NUMBERING.sub("", phrase.strip())
    phrase = _LEADING_FILLER.sub("", phrase.strip())
    return re.sub(r"\s+", " ", phrase).strip(" .,;:-\u2013\u2014")


def parts(title: str) -> list[str]:
    """The subjects a heading or label puts together: "Probability & Statistics" -> both."""
    return [cleaned for piece in _PARTS.split(clean(title)) if (cleaned := clean(piece))]


def discover(document: ParsedDocument, vocabulary: Vocabulary) -> list[Discovered]:
    """The topics the document introduces that `vocabulary` does not name, one per key, each
    with its best reason."""
    learnable = Learnable(vocabulary)
    found: dict[str, Discovered] = {}

    def consider(phrase: str, confidence: float, reason: str, evidence: str, aliases=()) -> None:
        phrase = clean(phrase)
        alone = reason in ("acronym definition", "topics covered")
        defined = reason == "acronym definition"
        if not learnable(phrase, alone=alone, defined=defined) or _named(vocabulary, phrase):
            return
        candidate = Discovered(phrase, tuple(aliases), confidence, reason, evidence[:500])
        known = found.get(candidate.key)
        if known is None or candidate.confidence > known.confidence:
            merged = tuple(dict.fromkeys([*(known.aliases if known else ()), *aliases]))
            found[candidate.key] = Discovered(phrase, merged, confidence, reason, evidence[:500])

    for text in _texts(document):
        for name, acronym in acronym_definitions(text):
            consider(name, ACRONYM_CONFIDENCE, "acronym definition", text, (acronym,))
    for section in document.sections:
        for part in parts(section.title):
            consider(part, LABEL_CONFIDENCE, "heading", section.title)
    prerequisite_sections = {
        s.position for s in document.sections if PREREQUISITE_HEADING.search(s.title)
    }
    anchors: dict[int, list[str]] = {}
    for link in document.links:
        anchors.setdefault(link.paragraph, []).append(link.anchor)
    for index, paragraph in enumerate(document.paragraphs):
        if paragraph.lead:
            if _TOPICS_LABEL.search(paragraph.lead):
                for code in paragraph.codes:
                    consider(code, LABEL_CONFIDENCE, "topics covered", paragraph.text)
            else:
                for part in parts(paragraph.lead):
                    consider(part, LABEL_CONFIDENCE, "bold label", paragraph.text)
        elif paragraph.kind == "item" and (lead := _LEAD.match(paragraph.text)):
            # "[Dive into Deep Learning](...) - a book": a resource's title, not a subject.
            if not any(lead.group(1) in anchor for anchor in anchors.get(index, ())):
                consider(lead.group(1), LIST_CONFIDENCE, "list lead", paragraph.text)
        if paragraph.kind == "cell" and SUBJECT_COLUMN.match(paragraph.column or ""):
            # "Computer Networking: a Top-Down Approach": the subtitle says how, once the
            # title names the subject.
            title, _, subtitle = _title(paragraph.text).partition(": ")
            named = vocabulary.find(title)
            for part in (title,) if named else (title, subtitle):
                consider(part, LIST_CONFIDENCE, "table subject", paragraph.text)
    for link in document.links:
        if link.section in prerequisite_sections:
            consider(link.anchor, LIST_CONFIDENCE, "prerequisite anchor", link.context)
    return sorted(found.values(), key=lambda d: (d.key, d.name))


def acronym_definitions(text: str) -> Iterable[tuple[str, str]]:
    """(expansion, acronym) pairs a text defines: "Long Short-Term Memory (LSTM)", whose
    initials spell the acronym, and "LSTM (Long Short-Term Memory)"."""
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1)
        words = _WORD.findall(text[max(0, match.start() - 120) : match.start()])
        expansion = _spelled(words, acronym)
        if expansion:
            yield expansion, acronym
    for match in _LEADING_ACRONYM.finditer(text):
        acronym, inside = match.group(1), match.group(2)
        words = _WORD.findall(inside)
        if _spelled(words, acronym) == " ".join(words):
            yield inside.strip(), acronym


def _spelled(words: list[str], acronym: str) -> str | None:
    """The shortest run of the last `words` whose initials (and the initials of the parts of
    hyphenated words) spell `acronym`; small joining words may be skipped."""
    letters = acronym.lower().rstrip("s")
    for start in range(len(words) - 1, max(-1, len(words) - len(letters) - 4), -1):
        run = words[start:]
        initials = "".join(_initials(word) for word in run)
        significant = "".join(_initials(w) for w in run if w.lower() not in _SMALL_WORDS)
        if letters in (initials, significant) and run[0].lower() not in _SMALL_WORDS:
            return " ".join(run)
    return None


_SMALL_WORDS = frozenset({"of", "and", "the", "for", "in", "on", "to", "a", "an", "with"})


def _initials(word: str) -> str:
    return "".join(part[:1] for part in re.split(r"[-\u2010\u2011]", word.lower()) if part)


def _title(text: str) -> str:
    """A course's subject in its title: "Calculus 1B: Integration" -> "Integration" would lose
    the subject, so only a trailing "(alternative)"-like remark goes."""
    return re.sub(r"\s*\(.*$", "", text)


def _named(vocabulary: Vocabulary, phrase: str) -> bool:
    """Whether the vocabulary already names the phrase, or the phrase only ties what it names
    to something or together: "Mathematics for Machine Learning", "Essence of Linear Algebra"
    are titles of resources about known topics, and "Applied Math and Machine Learning Basics"
    is two known topics, not topics of their own."""
    hits = vocabulary.find(phrase)
    if len(hits) == 1 and hits[0].start == 0 and hits[0].end >= len(phrase.rstrip(" s")):
        return True
    if not hits:
        return False
    rest = phrase
    for hit in reversed(hits):
        rest = rest[: hit.start] + " " + rest[hit.end :]
    if all(word_key(word) in _JOINING_WORDS for word in _WORD.findall(rest)):
        return True
    return bool(_LINKING.search(phrase)) and not _LINKING.search(
        phrase[hits[0].start : hits[-1].end]
    )


# What may join known topics in a phrase that is no topic of its own.
_JOINING_WORDS = frozenset(
    word_key(word)
    for word in """and or of the a an in for with using via through to on from applied basic
    basics fundamentals foundations introduction intro essentials principles elements advanced
    """.split()
)


def _texts(document: ParsedDocument) -> Iterable[str]:
    yield from (section.title for section in document.sections)
    yield from (paragraph.text for paragraph in document.paragraphs)


def entry(discovered: Discovered) -> TopicEntry:
    """The discovered topic as a vocabulary entry, so that the guide's text names it too."""
    return TopicEntry(
        slug=slug_of(discovered.name),
        name=discovered.name,
        aliases=discovered.aliases,
        origin=("discovered",),
    )


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9+#]+", "-", name.lower()).strip("-")[:100] or "topic"
