"""kb.prerequisites (stated rules, section order, the acyclic graph) and vocabulary matching,
on a vocabulary built here."""

import pytest

from kb.extraction.vocabulary import TopicEntry, Vocabulary
from kb.prerequisites import RULES, SentenceInContext, acyclic, stated, suggested_order

E = TopicEntry
VOCABULARY = Vocabulary(
    [
        E("deep-learning", "Deep learning", ("deep learning", "DL")),
        E("machine-learning", "Machine-learning basics", ("machine learning", "ML")),
        E("programming", "Programming basics", ("programming",)),
        E("python", "Python", ("Python",)),
        E("mathematics", "Mathematics", ("mathematics", "math")),
        E("linear-algebra", "Linear algebra", ("linear algebra",), (202,)),
        E("keras", "Keras", ("Keras",)),
        E("tensorflow", "TensorFlow", ("TensorFlow",)),
        E("numpy", "NumPy", ("NumPy",)),
        E("neural-networks", "Neural networks", ("neural networks", "neural network", "NN")),
        E(
            "convolutional-networks",
            "Convolutional neural networks",
            ("convolutional neural networks", "convolutional neural network", "CNN", "convnet"),
            (98,),
            "cnn",
        ),
        E("backpropagation", "Backpropagation", ("backpropagation", "backprop")),
        E("image-classification", "Image classification", ("image classification",)),
        E("chain-rule", "Chain rule", ("chain rule",)),
    ],
    {},
)
MAIN = ("deep-learning",)


def found(text, context=(), following=(), main=MAIN):
    sentence = SentenceInContext(text, 4, tuple(context), tuple(following), tuple(main))
    return [(s.rule, s.topic, s.requires) for s in stated([sentence], VOCABULARY)]


# --- one case per rule ------------------------------------------------------------------------

RULE_CASES = [
    (
        "all-you-need",
        "To start, all you need is really basic programming, very simple mathematics and "
        "knowledge of a few machine learning concepts.",
        (),
        [
            ("deep-learning", "programming"),
            ("deep-learning", "mathematics"),
            ("deep-learning", "machine-learning"),
        ],
    ),
    ("you-need", "You need basic knowledge of Python.", ("keras",), [("keras", "python")]),
    (
        "good-to-understand",
        "It is good to understand backpropagation, which is a building block of neural networks.",
        ("keras",),
        [("neural-networks", "backpropagation")],
    ),
    (
        "crucial-for",
        "Linear algebra is crucial for deep learning.",
        (),
        [("deep-learning", "linear-algebra")],
    ),
    (
        "as-requirement",
        "I list Python and NumPy as requirements.",
        ("tensorflow",),
        [("tensorflow", "python"), ("tensorflow", "numpy")],
    ),
    (
        "before-you",
        "Before you start Keras, you need to understand Python.",
        (),
        [("keras", "python")],
    ),
    (
        "x-before-y",
        "Learn NumPy before moving on to TensorFlow.",
        (),
        [("tensorflow", "numpy")],
    ),
    (
        "requires",
        "Backpropagation requires the chain rule.",
        (),
        [("backpropagation", "chain-rule")],
    ),
    (
        "library-in",
        "I like Keras, a popular neural network library in Python.",
        (),
        [("keras", "python")],
    ),
    (
        "start-with",
        "I suggest starting with Keras.",
        (),
        [("convolutional-networks", "keras"), ("neural-networks", "keras")],
    ),
]


def test_every_rule_has_a_case():
    assert [name for name, *_ in RULE_CASES] == [rule.name for rule in RULES]


@pytest.mark.parametrize(
    ("rule", "text", "context", "edges"), RULE_CASES, ids=[case[0] for case in RULE_CASES]
)
def test_each_rule_states_its_prerequisites(rule, text, context, edges):
    following = ("convolutional-networks", "neural-networks")
    assert found(text, context, following) == [(rule, topic, needs) for topic, needs in edges]


def test_statement_carries_reason_sentence_edition_and_origin():
    sentence = SentenceInContext("Keras builds on TensorFlow.", 9, (), (), MAIN)
    [statement] = stated([sentence], VOCABULARY)
    assert statement.topic == "keras"
    assert statement.requires == "tensorflow"
    assert statement.origin == "stated"
    assert statement.rule == "requires"
    assert statement.reason == "Keras requires TensorFlow"
    assert statement.sentence == "Keras builds on TensorFlow."
    assert statement.edition == 9


def test_good_to_understand_without_building_block_uses_the_section_topic():
    assert found("It is good to understand linear algebra.", context=("keras",)) == [
        ("good-to-understand", "keras", "linear-algebra")
    ]


def test_rule_without_learner_falls_back_to_the_main_topic():
    assert found("You need basic knowledge of Python.") == [("you-need", "deep-learning", "python")]


def test_start_with_without_following_topics_uses_the_context():
    assert found("I recommend starting with Keras.", context=("image-classification",)) == [
        ("start-with", "image-classification", "keras")
    ]


def test_a_topic_never_requires_itself():
    assert found("You need basic knowledge of Python.", context=("python",), main=("python",)) == []


@pytest.mark.parametrize(
    "text",
    [
        "If not Keras, I recommend starting with TensorFlow.",
        "if not keras, you need basic knowledge of Python.",
    ],
)
def test_a_sentence_starting_if_not_states_nothing(text):
    assert found(text, following=("neural-networks",)) == []
    # The same sentence without its "If not" opening does state something.
    assert found(text[len("if not ") :], following=("neural-networks",)) != []


def test_section_naming_both_requirements_falls_back_to_the_main_topic():
    text = "You need basics of Python and machine learning."
    assert found(text, context=("python", "machine-learning")) == [
        ("you-need", "deep-learning", "python"),
        ("you-need", "deep-learning", "machine-learning"),
    ]
    # A section about something else is what requires them.
    assert found(text, context=("keras", "python")) == [
        ("you-need", "keras", "python"),
        ("you-need", "keras", "machine-learning"),
    ]


def test_sentences_without_a_rule_state_nothing():
    assert found("Python and Keras are both fun.", context=("keras",)) == []


def test_one_statement_per_rule_topic_and_requirement():
    assert found("Keras requires Python; Keras builds on Python.") == [
        ("requires", "keras", "python")
    ]


# --- suggested order --------------------------------------------------------------------------


def test_suggested_order_follows_the_outline():
    sections = [
        (1, ("python",)),
        (2, ()),  # a section without topics is skipped
        (2, ("numpy",)),
        (1, ("keras", "python")),  # covers python again: no edge from the python section
        (2, ("tensorflow",)),
        (1, ("deep-learning",)),
    ]
    titles = ["Python", "Setup", "NumPy", "Keras", "TF", "Deep learning"]
    statements = suggested_order(sections, 3, titles, VOCABULARY)
    assert [(s.topic, s.requires) for s in statements] == [
        ("numpy", "python"),
        ("tensorflow", "keras"),
        ("tensorflow", "python"),
        ("deep-learning", "keras"),
        ("deep-learning", "python"),
    ]
    first = statements[0]
    assert (first.origin, first.rule, first.edition) == ("suggested-order", "section-order", 3)
    assert first.sentence == "Section \u201cNumPy\u201d comes after \u201cPython\u201d."
    assert first.reason == "the guide covers Python before NumPy"


def test_suggested_order_ignores_deeper_earlier_sections():
    sections = [(2, ("numpy",)), (1, ("keras",))]
    assert suggested_order(sections, 1, ["NumPy", "Keras"], VOCABULARY) == []


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


# --- vocabulary -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("I love KERAS and keras and Keras.", ["keras"]),  # aliases are case-insensitive
        ("Chain-Rule and the chain   rule", ["chain-rule"]),  # hyphen and space variants
        ("Convolutional-Neural-Networks", ["convolutional-networks"]),
        ("a neural network, two neural networks", ["neural-networks"]),  # plural
        ("convnets", ["convolutional-networks"]),
        ("A CNN, two CNNs", ["convolutional-networks"]),  # short capitals, with a plural
        ("a cnn or a Cnn", []),  # short capitals match only in capitals
        ("ML and DL", ["machine-learning", "deep-learning"]),
        ("html, xml, dl, the NNs", ["neural-networks"]),  # not inside words, not lower-case
        ("id98s and id202", ["convolutional-networks", "linear-algebra"]),  # tokens
        ("mnist_id98.py and r-id98", ["convolutional-networks"]),  # tokens bounded by _ and -
        ("id98x, xid98 and id7", []),  # not tokens, or tokens of no topic
        ("Python's syntax", ["python"]),
        ("pythonic code and mathematical", []),  # whole words only
    ],
)
def test_vocabulary_slugs_in(text, slugs):
    assert VOCABULARY.slugs_in(text) == slugs


def test_vocabulary_prefers_the_longest_match():
    hits = VOCABULARY.find("convolutional neural networks and neural networks")
    assert [(h.slug, h.start, h.end) for h in hits] == [
        ("convolutional-networks", 0, 29),
        ("neural-networks", 34, 49),
    ]


def test_token_text():
    assert VOCABULARY.token_text(98, False) == "cnn"
    assert VOCABULARY.token_text(98, True) == "cnns"
    assert VOCABULARY.token_text(202, False) == "linear algebra"  # no surface, no table name
    assert VOCABULARY.token_text(5, False) is None


def test_vocabulary_without_short_capital_aliases():
    vocabulary = Vocabulary([TopicEntry("keras", "Keras", ("Keras",))], {})
    assert vocabulary.slugs_in("I use Keras.") == ["keras"]
