"""kb.extraction.vocabulary: topics found by their names, aliases and tokens, word by word."""

import pytest

from kb.extraction.vocabulary import TopicEntry, Vocabulary

E = TopicEntry
VOCABULARY = Vocabulary(
    [
        E("deep-learning", "Deep learning", ("deep learning", "DL")),
        E("machine-learning", "Machine-learning basics", ("machine learning", "ML")),
        E("python", "Python", ("Python",)),
        E("linear-algebra", "Linear algebra", ("linear algebra",), (202,)),
        E("keras", "Keras", ("Keras",)),
        E("neural-networks", "Neural networks", ("neural networks", "neural network", "NN")),
        E(
            "convolutional-networks",
            "Convolutional neural networks",
            ("convolutional neural networks", "convolutional neural network", "CNN", "convnet"),
            (98,),
            "cnn",
        ),
        E("chain-rule", "Chain rule", ("chain rule",)),
    ],
    {},
)


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
        ("keras-tqdm, scikit-learn-contrib, non-linear algebra", []),  # parts of other names
        ("Python-based tools, CNN-related papers", ["python", "convolutional-networks"]),
        ("pythonic code and mathematical", []),  # whole words only
    ],
)
def test_vocabulary_slugs_in(text, slugs):
    assert VOCABULARY.slugs_in(text) == slugs


def test_a_broader_topic_counts_where_it_introduces_its_parts():
    vocabulary = Vocabulary(
        [
            TopicEntry("mathematics", "Mathematics", ("math",)),
            TopicEntry("algebra", "Algebra", ("algebra",), broader=("mathematics",)),
            TopicEntry("mnist", "MNIST", ("MNIST",), broader=("datasets",)),
            TopicEntry("datasets", "Datasets", ("dataset",)),
        ],
        {},
    )
    assert vocabulary.narrowest_in("the MNIST dataset and math with algebra") == [
        "mnist",
        "algebra",
    ]
    assert vocabulary.narrowest_in("math, including algebra") == ["mathematics", "algebra"]


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
