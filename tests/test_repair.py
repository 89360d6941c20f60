"""kb.repair: restoring case, accents and `idNNN` tokens of a damaged edition from reference texts
and links of the other editions. The vocabulary is built here, not read from the shared CSV."""

import pytest

from kb.extraction.vocabulary import TopicEntry, Vocabulary, default_vocabulary
from kb.repair import Restorer, is_case_damaged, skeleton

VOCABULARY = Vocabulary(
    [
        TopicEntry("linear-algebra", "Linear algebra", ("linear algebra",), (202,)),
        TopicEntry(
            "recurrent-networks", "Recurrent neural networks", ("RNN",), (56,), token_surface="rnn"
        ),
        TopicEntry("convolutional-networks", "Convolutional neural networks", ("CNN",), (98,)),
    ],
    # The table's names: 56 is "recursive" there, though the text's token stood for "rnn".
    {202: "linear algebra", 56: "recursive neural network", 7: "support vector machine"},
)
REFERENCES = [
    "See the tweet by Fran\u00e7ois Chollet, the creator of Keras.",
    "Getting started with Linear Algebra for deep learning is easy.",
    "We use Keras and TensorFlow in Python. Then Keras again, and Python too.",
]
REFERENCE_URLS = [
    "https://www.youtube.com/watch?v=aircAruvnKk",
    "http://karpathy.github.io/2015/05/21/rnn-effectiveness/",
]


@pytest.fixture(scope="module")
def restorer() -> Restorer:
    return Restorer(REFERENCES, REFERENCE_URLS, VOCABULARY)


# --- phrases found in a reference -------------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "restored"),
    [
        ("fran  ois chollet", "Fran\u00e7ois Chollet"),  # lost "\u00e7" and case
        ("tweet by fran  ois", "tweet by Fran\u00e7ois"),
        ("(fran  ois chollet)", "(Fran\u00e7ois Chollet)"),  # surrounding punctuation kept
        ("the creator of keras", "the creator of Keras"),
        (
            "getting started with id202 for deep learning",
            "Getting started with Linear Algebra for deep learning",
        ),
        ("keras and id98 in python", "Keras and TensorFlow in Python"),  # the other's words win
    ],
)
def test_phrase_found_in_a_reference_takes_its_case_accents_and_words(restorer, damaged, restored):
    assert restorer.phrase(damaged) == (restored, True)


# --- phrases no reference has -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "restored"),
    [
        ("id7 with python", "Support vector machine with Python"),  # table name, word case
        ("id202 basics", "Linear Algebra basics"),  # words cased as the references write them
        ("id56s and keras again later", "RNNs and Keras again later"),  # curated surface
        ("id98 models", "Convolutional neural networks models"),  # no table name: the topic's
        ("id999 stays", "Id999 stays"),  # unknown token
        ("python tensorflows", "Python TensorFlows"),  # plural of a cased word
    ],
)
def test_phrase_without_reference_falls_back_to_topic_words_and_word_case(
    restorer, damaged, restored
):
    assert restorer.phrase(damaged) == (restored, False)


def test_word_case_does_not_count_sentence_starts():
    restorer = Restorer(["Lower words. Words here and words there."], [], VOCABULARY)
    # "Words" starts a sentence: the word is otherwise written "words".
    assert restorer.phrase("some words") == ("Some words", False)


@pytest.mark.parametrize("damaged", ["tart", "arted wit", "ear"])
def test_short_phrase_is_not_aligned_inside_a_longer_word(restorer, damaged):
    # "tart" is inside "started": not at word bounds; "ear" is below the minimum skeleton.
    repaired, found = restorer.phrase(damaged)
    assert found is False
    assert repaired == damaged[:1].upper() + damaged[1:]


def test_a_phrase_too_short_to_align_gets_word_case(restorer):
    assert restorer.phrase("tf") == ("Tf", False)
    # A token alone has no literal letters to align: the table's words, cased by the references.
    assert restorer.phrase("id202") == ("Linear Algebra", False)


def test_leading_token_matches_only_the_words_it_replaced():
    restorer = Restorer(
        ["Some intro words. Linear Algebra for deep learning is easy."], [], VOCABULARY
    )
    assert restorer.phrase("id202 for deep learning") == ("Linear Algebra for deep learning", True)


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "restored"),
    [
        # The exact case of a reference link, whatever the damaged scheme, host and slash.
        (
            "https://www.youtube.com/watch?v=aircaruvnkk",
            "https://www.youtube.com/watch?v=aircAruvnKk",
        ),
        ("http://youtube.com/watch?v=aircaruvnkk", "https://www.youtube.com/watch?v=aircAruvnKk"),
        (
            "http://karpathy.github.io/2015/05/21/rnn-effectiveness",
            "http://karpathy.github.io/2015/05/21/rnn-effectiveness/",
        ),
        # A token matched to the reference URL's words.
        (
            "http://karpathy.github.io/2015/05/21/id56-effectiveness/",
            "http://karpathy.github.io/2015/05/21/rnn-effectiveness/",
        ),
    ],
)
def test_url_found_in_the_references(restorer, damaged, restored):
    assert restorer.url(damaged) == (restored, True)


@pytest.mark.parametrize(
    ("damaged", "restored", "certain"),
    [
        ("https://example.com/some/page", "https://example.com/some/page", False),
        ("https://example.com/?q=abc", "https://example.com/?q=abc", False),
        ("https://example.com/2017/01/", "https://example.com/2017/01/", True),
        ("https://example.com/", "https://example.com/", True),
        ("https://example.com/?id=12", "https://example.com/?id=12", False),
        ("http://example.com/id56-intro/", "http://example.com/rnn-intro/", False),
        (
            "http://example.com/r-id98/",
            "http://example.com/r-convolutional-neural-networks/",
            False,
        ),
    ],
)
def test_url_without_reference_is_certain_only_without_letters(
    restorer, damaged, restored, certain
):
    assert restorer.url(damaged) == (restored, certain)


# --- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "damaged"),
    [
        ("a" * 201, True),
        ("a" * 200, False),  # too little text to tell
        ("A" + "a" * 999, False),  # one capital in a thousand letters is enough
        ("A" + "a" * 1001, True),
        ("Normal Text. " * 40, False),
        ("lower-cased dump with 123 digits. " * 20, True),
    ],
)
def test_is_case_damaged(text, damaged):
    assert is_case_damaged(text) is damaged


def test_skeleton_keeps_ascii_letters_and_digits_with_their_positions():
    assert skeleton("Fran\u00e7ois C-3") == ("franoisc3", [0, 1, 2, 3, 5, 6, 7, 9, 11])


def test_default_vocabulary_token_98_is_cnn():
    vocabulary = default_vocabulary()
    assert vocabulary.token_text(98, False) == "cnn"
    assert vocabulary.token_text(98, True) == "cnns"
    restorer = Restorer([], [], vocabulary)
    assert restorer.phrase("id98s for images") == ("CNNs for images", False)
