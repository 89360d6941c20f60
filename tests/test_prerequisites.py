"""kb.extraction.prerequisites: each wording of a requirement, its denials, the guide's
structure (a prerequisites column, conditioning headings, a Prerequisites section, stages), and
the acyclic graph; on a vocabulary built here."""

import pytest

from kb.extraction.prerequisites import (
    _CUES,
    Context,
    Row,
    acyclic,
    denied_by_heading,
    from_answer,
    from_heading,
    from_library_section,
    from_requirements_block,
    from_table,
    stages,
    stated,
)
from kb.extraction.topics import PREREQUISITE_HEADING
from kb.extraction.vocabulary import TopicEntry, Vocabulary

E = TopicEntry
VOCABULARY = Vocabulary(
    [
        E("deep-learning", "Deep learning", ("deep learning", "DL")),
        E("machine-learning", "Machine-learning basics", ("machine learning", "ML")),
        E("programming", "Programming basics", ("programming",)),
        E("python", "Python", ("Python",)),
        E("mathematics", "Mathematics", ("mathematics", "math")),
        E("linear-algebra", "Linear algebra", ("linear algebra",)),
        E("calculus", "Calculus", ("calculus",)),
        E("statistics", "Statistics", ("statistics",)),
        E("keras", "Keras", ("Keras",)),
        E("tensorflow", "TensorFlow", ("TensorFlow",)),
        E("numpy", "NumPy", ("NumPy",)),
        E("neural-networks", "Neural networks", ("neural networks", "neural network")),
        E("convolutional-networks", "Convolutional neural networks", ("CNN", "convnet")),
        E("backpropagation", "Backpropagation", ("backpropagation", "backprop")),
        E("chain-rule", "Chain rule", ("chain rule",)),
    ],
    {},
)
SUBJECT = ("deep-learning",)


def context(**fields) -> Context:
    return Context(4, subject=SUBJECT, **fields)


def found(text: str, **fields) -> list[tuple[str, str, str]]:
    statements, _ = stated([(text, context(**fields))], VOCABULARY)
    return [(s.rule, s.topic, s.requires) for s in statements]


def denied(text: str, **fields) -> list[tuple[str, str]]:
    statements, negations = stated([(text, context(**fields))], VOCABULARY)
    assert statements == []
    return [(n.topic, n.requires) for n in negations]


# --- one case per wording ---------------------------------------------------------------------

CUE_CASES = [
    (
        "all-you-need",
        "To start, all you need is really basic programming, very simple mathematics and "
        "knowledge of a few machine learning concepts.",
        {},
        [
            ("deep-learning", "programming"),
            ("deep-learning", "mathematics"),
            ("deep-learning", "machine-learning"),
        ],
    ),
    ("you-need", "You need Python.", {"section": ("keras",)}, [("keras", "python")]),
    (
        "you-should-know",
        "You should be familiar with NumPy.",
        {"section": ("tensorflow",)},
        [("tensorflow", "numpy")],
    ),
    (
        "familiarity",
        "Some familiarity with Python is helpful.",
        {"section": ("keras",)},
        [("keras", "python")],
    ),
    (
        "knowledge-level",
        "Ideally, solid Python skills.",
        {"section": ("keras",)},
        [("keras", "python")],
    ),
    (
        "meant-for",
        "This is an introduction geared toward those with at least a minimum of programming.",
        {},
        [("deep-learning", "programming")],
    ),
    (
        "prerequisites-are",
        "Prerequisites: Python and linear algebra.",
        {},
        [("deep-learning", "python"), ("deep-learning", "linear-algebra")],
    ),
    (
        "requires",
        "Backpropagation requires the chain rule.",
        {},
        [("backpropagation", "chain-rule")],
    ),
    (
        "assumes",
        "The book assumes you know Python.",
        {"section": ("keras",)},
        [("keras", "python")],
    ),
    (
        "is-assumed",
        "Linear algebra is crucial for deep learning.",
        {},
        [("deep-learning", "linear-algebra")],
    ),
    ("builds-on", "Keras builds on TensorFlow.", {}, [("keras", "tensorflow")]),
    (
        "is-a-skill",
        "Python is a key skill for machine learning.",
        {},
        [("machine-learning", "python")],
    ),
    (
        "building-block",
        "Backpropagation is a building block of neural networks.",
        {},
        [("neural-networks", "backpropagation")],
    ),
    (
        "prepares-for",
        "Calculus prepares you for backpropagation.",
        {},
        [("backpropagation", "calculus")],
    ),
    (
        "good-to-understand",
        "It is good to understand backpropagation.",
        {"section": ("neural-networks",)},
        [("neural-networks", "backpropagation")],
    ),
    (
        "library-in",
        "I like Keras, a popular neural network library in Python.",
        {},
        [("keras", "python")],
    ),
    (
        "start-with",
        "I suggest starting with Keras.",
        {"following": ("convolutional-networks",)},
        [("convolutional-networks", "keras")],
    ),
]


def test_every_wording_but_the_denial_has_a_case():
    assert [name for name, *_ in CUE_CASES] == [cue.name for cue in _CUES if not cue.denies]


@pytest.mark.parametrize(
    ("rule", "text", "fields", "edges"), CUE_CASES, ids=[case[0] for case in CUE_CASES]
)
def test_each_wording_states_its_prerequisites(rule, text, fields, edges):
    assert [(rule, topic, needs) for topic, needs in edges] == [
        edge for edge in found(text, **fields) if edge[0] == rule
    ]


def test_a_statement_carries_its_evidence_edition_origin_and_confidence():
    [statement], negations = stated([("Keras builds on TensorFlow.", context())], VOCABULARY)
    assert negations == []
    assert (statement.topic, statement.requires) == ("keras", "tensorflow")
    assert (statement.origin, statement.rule, statement.edition) == ("stated", "builds-on", 4)
    assert statement.reason == "Keras builds on TensorFlow"
    assert statement.sentence == "Keras builds on TensorFlow."
    assert 0 < statement.confidence <= 1


def test_once_you_know_x_go_on_to_y():
    assert found("If you already know Python, start with Keras.") == [
        ("conditional", "keras", "python")
    ]


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("You do not need linear algebra to learn Keras.", [("keras", "linear-algebra")]),
        ("Statistics is not required for this guide.", [("deep-learning", "statistics")]),
        ("You can learn deep learning without any calculus.", [("deep-learning", "calculus")]),
    ],
)
def test_a_denied_requirement_is_a_negation_not_an_edge(text, pairs):
    assert denied(text) == pairs


def test_what_requires_falls_back_from_the_sentence_to_the_resource_section_and_subject():
    text = "You need Python."
    assert found(text, section=("keras",), recommended=("tensorflow",)) == [
        ("you-need", "tensorflow", "python")
    ]
    assert found(text, section=("keras",)) == [("you-need", "keras", "python")]
    assert found(text) == [("you-need", "deep-learning", "python")]
    assert found("You need Python to learn Keras.", section=("numpy",)) == [
        ("you-need", "keras", "python")
    ]
    assert found("Before Keras, you need Python.", section=("numpy",)) == [
        ("you-need", "keras", "python")
    ]


def test_the_for_after_what_is_needed_names_what_needs_it():
    assert found("You will need linear algebra and calculus for neural networks.") == [
        ("you-need", "neural-networks", "linear-algebra"),
        ("you-need", "neural-networks", "calculus"),
    ]
    # a "for" in parentheses is a remark: it names neither what needs it nor what is needed
    assert found("You need Python (for NumPy).", section=("keras",)) == [
        ("you-need", "keras", "python")
    ]
    # a list in parentheses is what is needed
    assert found("You need some math (calculus, linear algebra).", section=("keras",)) == [
        ("you-need", "keras", "mathematics"),
        ("you-need", "keras", "calculus"),
        ("you-need", "keras", "linear-algebra"),
    ]


def test_a_section_naming_its_own_requirements_falls_back_to_the_subject():
    assert found(
        "You need Python and machine learning.", section=("python", "machine-learning")
    ) == [
        ("you-need", "deep-learning", "python"),
        ("you-need", "deep-learning", "machine-learning"),
    ]


def test_a_topic_never_requires_itself():
    alone = Context(1, section=("python",), subject=("python",))
    assert stated([("You need Python.", alone)], VOCABULARY) == ([], [])


def test_an_alternative_is_not_an_order():
    text = "If not Keras, I recommend starting with TensorFlow."
    assert found(text, following=("neural-networks",)) == []
    assert found(text[len("If not Keras, ") :], following=("neural-networks",)) != []


def test_a_condition_is_not_a_denial():
    assert (
        stated([("If you are not familiar with NumPy, read this first.", context())], VOCABULARY)[1]
        == []
    )


def test_what_the_reader_will_know_afterwards_is_no_requirement():
    outcome = "After reading the above, you will have a basic understanding of backpropagation."
    assert found(outcome, section=("keras",)) == []
    asked = found("You should have a basic understanding of backpropagation.", section=("keras",))
    assert {(topic, needs) for _, topic, needs in asked} == {("keras", "backpropagation")}
    # "you will have to": a requirement, not an outcome
    assert found("You will have to be familiar with Python to use Keras.") == [
        ("familiarity", "keras", "python")
    ]


def test_sentences_without_a_wording_state_nothing():
    assert found("Python and Keras are both fun.", section=("keras",)) == []


# --- structure ---------------------------------------------------------------------------------


def test_a_prerequisites_column_names_topics_and_other_rows_courses():
    rows = [
        Row("Calculus 1A: Differentiation", ("calculus",), None),
        Row("Linear Algebra", ("linear-algebra",), "Calculus 1A"),
        Row("Deep learning with Keras", ("deep-learning", "keras"), "Python, linear algebra"),
        Row("Statistics", ("statistics",), "none"),
    ]
    statements = from_table(rows, 2, VOCABULARY)
    assert [(s.topic, s.requires) for s in statements] == [
        ("linear-algebra", "calculus"),
        ("deep-learning", "python"),
        ("deep-learning", "linear-algebra"),
        ("keras", "python"),
        ("keras", "linear-algebra"),
    ]
    first = statements[0]
    assert (first.origin, first.rule, first.edition) == ("structure", "prerequisites column", 2)
    assert first.sentence == "Linear Algebra: prerequisites: Calculus 1A"


def test_a_cell_names_another_row_by_some_of_its_words_when_they_are_that_row_s_alone():
    rows = [
        Row("Neural Networks: Design and Analysis, Part I", ("neural-networks",), None),
        Row("Neural Networks: Design and Analysis, Part 2", ("backpropagation",), None),
        Row("Keras in Practice", ("keras",), "Neural Networks Part 2"),
        Row("TensorFlow in Practice", ("tensorflow",), "Design and Analysis Part 1"),
        Row("NumPy in Practice", ("numpy",), "Neural Networks Design"),  # two rows': a topic
    ]
    statements = from_table(rows, 1, VOCABULARY)
    assert [(s.topic, s.requires) for s in statements] == [
        ("keras", "backpropagation"),
        ("tensorflow", "neural-networks"),
        ("numpy", "neural-networks"),
    ]


@pytest.mark.parametrize(
    ("title", "pairs"),
    [
        ("New to Python?", [("deep-learning", "python")]),
        ("No math background for machine learning?", [("machine-learning", "mathematics")]),
        ("Never used NumPy? Start here", [("deep-learning", "numpy")]),
        ("Brush up on linear algebra", [("deep-learning", "linear-algebra")]),
        ("Why Python?", []),
    ],
)
def test_a_conditioning_heading(title, pairs):
    statements = from_heading(title, context(), VOCABULARY, ("numpy",))
    assert [(s.topic, s.requires) for s in statements] == pairs
    assert all(s.rule == "conditioning heading" and s.sentence == title for s in statements)


@pytest.mark.parametrize(
    ("title", "pairs"),
    [
        ("No programming background, no problem!", [("deep-learning", "programming")]),
        ("No math experience required", [("deep-learning", "mathematics")]),
        ("No Python", []),
    ],
)
def test_a_heading_that_denies(title, pairs):
    assert [(n.topic, n.requires) for n in denied_by_heading(title, context(), VOCABULARY)] == pairs


def test_a_prerequisites_section_s_items_are_required_by_its_parent_or_the_subject():
    item = "Python 3 and NumPy"
    under_keras = from_requirements_block(item, context(section=("keras",)), VOCABULARY)
    assert [(s.topic, s.requires, s.rule) for s in under_keras] == [
        ("keras", "python", "prerequisites section"),
        ("keras", "numpy", "prerequisites section"),
    ]
    alone = from_requirements_block(item, context(), VOCABULARY)
    assert [(s.topic, s.requires) for s in alone] == [
        ("deep-learning", "python"),
        ("deep-learning", "numpy"),
    ]


def test_what_an_item_answers_to_what_is_required():
    question = "What skills are needed for machine learning jobs?"
    statements = from_answer(question, "Python, linear algebra and NumPy.", context(), VOCABULARY)
    assert [(s.topic, s.requires, s.rule) for s in statements] == [
        ("machine-learning", "python", "answer to what is required"),
        ("machine-learning", "linear-algebra", "answer to what is required"),
        ("machine-learning", "numpy", "answer to what is required"),
    ]
    assert from_answer("Why machine learning?", "Python.", context(), VOCABULARY) == []


def test_the_tools_of_a_library_section_are_used_from_its_language():
    tools = Vocabulary(
        [*VOCABULARY.entries.values(), E("pandas", "pandas", ("pandas",), kind="tool")], {}
    )
    anchors = ["pandas", "NumPy tutorial", "a post on linear algebra"]
    statements = from_library_section("Python (Libraries)", anchors, context(), tools)
    assert [(s.topic, s.requires, s.rule) for s in statements] == [
        ("pandas", "python", "library section")
    ]
    assert from_library_section("Python (Learning)", anchors, context(), tools) == []


def test_stages_follow_each_other_within_their_parent_and_kind():
    sections = [
        (2, "Week 1: Python", ("python",)),
        (2, "Week 2: NumPy", ("numpy",)),
        (3, "Day 1", ("tensorflow",)),
        (2, "Week 3: Keras", ("keras",)),
        (3, "Day 1: TensorFlow", ("tensorflow",)),  # the days of week 3, not of week 2
        (3, "Day 2: Backprop", ("backpropagation",)),
        (2, "Resources", ("keras",)),  # not a stage
        (2, "Week 4", ()),  # no topic
        (2, "Week 5: CNN", ("convolutional-networks",)),
    ]
    statements = stages(sections, 1, VOCABULARY)
    assert [(s.topic, s.requires) for s in statements] == [
        ("numpy", "python"),
        ("keras", "numpy"),
        ("backpropagation", "tensorflow"),
        ("convolutional-networks", "keras"),
    ]
    first = statements[0]
    assert (first.origin, first.rule) == ("suggested-order", "stage-order")
    assert (
        first.sentence == "Stage \u201cWeek 2: NumPy\u201d comes after \u201cWeek 1: Python\u201d."
    )
    levels = [
        (2, "Beginner: Python", ("python",)),
        (2, "Intermediate: NumPy", ("numpy",)),
        (2, "Advanced: Keras", ("keras",)),
        (2, "Part II: Keras", ("keras",)),  # another kind of stage: no order with the levels
        (2, "Part IV: CNN", ("convolutional-networks",)),
    ]
    assert [(s.topic, s.requires) for s in stages(levels, 1, VOCABULARY)] == [
        ("numpy", "python"),
        ("keras", "numpy"),
        ("convolutional-networks", "keras"),
    ]


# --- acyclic ----------------------------------------------------------------------------------


def test_acyclic_keeps_edges_in_order_and_rejects_the_one_closing_a_cycle():
    kept, rejected = acyclic(
        [("keras", "python")],
        [
            ("tensorflow", "python"),
            ("python", "keras"),  # would close keras -> python -> keras
            ("keras", "python"),  # already there: kept
            ("numpy", "python"),
            ("python", "numpy"),
        ],
    )
    assert kept == [("tensorflow", "python"), ("keras", "python"), ("numpy", "python")]
    assert [(r.topic, r.requires, r.cycle) for r in rejected] == [
        ("python", "keras", ("keras", "python", "keras")),
        ("python", "numpy", ("numpy", "python", "numpy")),
    ]


def test_rejected_message_names_the_cycle_path():
    kept, [rejected] = acyclic([("a", "b"), ("b", "c")], [("c", "a")])
    assert kept == []
    assert str(rejected) == "not stored: c requires a would close the cycle a -> b -> c -> a"


def test_acyclic_checks_candidates_against_each_other():
    kept, rejected = acyclic([], [("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")])
    assert kept == [("a", "b"), ("b", "c"), ("a", "c")]
    assert [r.cycle for r in rejected] == [("a", "b", "c", "a")]


@pytest.mark.parametrize(
    "text",
    [
        "No prior machine learning experience is required.",
        "You don't need to know calculus.",
        "Calculus is optional.",
        "Linear algebra is nice to have but not required.",
        "Statistics is helpful, but not required.",
        "Math: not required.",
        "Zero programming experience needed.",
        "No math background? No problem.",
        "You can skip the statistics part.",
        "Experience with TensorFlow is a plus, not a must.",
    ],
)
def test_what_a_prerequisites_section_says_is_not_needed_is_not_required(text):
    requirements = context(requirements=True, section=("deep-learning",))
    statements, _ = stated([(text, requirements)], VOCABULARY)
    assert statements + from_requirements_block(text, requirements, VOCABULARY) == []


def test_a_prerequisites_section_still_requires_what_it_asks_for():
    requirements = context(requirements=True, section=("deep-learning",))
    text = "Basic Python is enough; no machine learning knowledge is assumed."
    assert [
        (s.topic, s.requires) for s in from_requirements_block(text, requirements, VOCABULARY)
    ] == [("deep-learning", "python")]
    assert found("You need Python, but calculus is optional.") == [
        ("you-need", "deep-learning", "python")
    ]


@pytest.mark.parametrize(
    ("title", "lists_prerequisites"),
    [
        ("Prerequisites", True),
        ("What you'll need", True),
        ("Recommended background", True),
        ("Prior experience", True),
        ("Background", True),
        ("Before you start", True),
        ("Background on transformers", False),  # a section that teaches
        ("No prerequisites", False),
        ("New to Python?", False),
    ],
)
def test_the_headings_of_a_prerequisites_section(title, lists_prerequisites):
    assert bool(PREREQUISITE_HEADING.search(title)) is lists_prerequisites
