"""kb.extraction.topics.discover: the concepts a guide introduces that the vocabulary lacks,
from its structure and language, and only what a learner can learn."""

import pytest

from importers.markdown import MarkdownImporter
from kb.extraction.topics import discover, identity_key
from kb.extraction.vocabulary import TopicEntry, Vocabulary

E = TopicEntry
VOCABULARY = Vocabulary(
    [
        E("machine-learning", "Machine learning", ("machine learning", "ML")),
        E("mathematics", "Mathematics", ("math", "mathematics")),
        E("python", "Python", ("Python",)),
        E("linear-algebra", "Linear algebra", ("linear algebra",)),
        E("recurrent-networks", "Recurrent neural networks", ("recurrent neural networks",)),
    ],
    {},
)


def discovered(markdown: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    document = MarkdownImporter().parse(markdown, "guide.md")
    return {d.name: (d.reason, d.aliases) for d in discover(document, VOCABULARY)}


@pytest.mark.parametrize(
    ("markdown", "name", "reason"),
    [
        (
            "Long Short-Term Memory (LSTM) keeps a state.",
            "Long Short Term Memory",
            "acronym definition",
        ),
        (
            "## Value Function Approximation and Q-learning\n\ntext",
            "Value Function Approximation",
            "heading",
        ),
        ("**Optimisation theory:** gradient methods.", "Optimisation theory", "bold label"),
        ("- Bayesian inference: priors and posteriors", "Bayesian inference", "list lead"),
        (
            "**Topics covered:** `policy gradient`, `dynamic programming`",
            "policy gradient",
            "topics covered",
        ),
        (
            "| Course | Prerequisites |\n|---|---|\n"
            "| Computer Networking: a Top-Down Approach | math |",
            "Computer Networking",
            "table subject",
        ),
        (
            "## Prerequisites\n\n- [Probability Theory](https://example.com/p)",
            "Probability Theory",
            "prerequisite anchor",
        ),
    ],
)
def test_each_place_a_guide_introduces_a_topic(markdown, name, reason):
    assert discovered(markdown).get(name, (None,))[0] == reason


def test_an_acronym_is_an_alias_of_what_it_stands_for():
    assert discovered("Long Short-Term Memory (LSTM) keeps a state.") == {
        "Long Short Term Memory": ("acronym definition", ("LSTM",))
    }


@pytest.mark.parametrize(
    "markdown",
    [
        "## Resources\n\n## Books\n\n## Motivation",  # what a guide is made of
        "## Want to build language models?",  # what to do, not what to learn
        "## Andrew Ng\n\nAndrew Ng (AN) teaches.",  # a person, even with initials
        "## Applied Math and Machine Learning Basics",  # known topics put together
        "## Mathematics for Machine Learning",  # a title about known topics
        "## Linear algebra",  # already in the vocabulary
        "- [Dive into Deep Learning](https://d2l.ai) - a book",  # a resource's title
        "## Theory",  # a lone word
    ],
)
def test_what_no_learner_learns_is_not_a_topic(markdown):
    assert discovered(markdown) == {}


def test_spellings_of_one_concept_are_one_topic():
    assert identity_key("Long short-term memory networks") == identity_key("long short-term memory")
    found = discovered(
        "Long Short-Term Memory (LSTM) networks.\n\n## Long short-term memory networks\n\ntext"
    )
    assert list(found) == ["Long Short Term Memory"]
