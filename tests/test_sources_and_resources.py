"""kb.sources.group_editions (which post a text is an edition of) and kb.resources (what the
knowledge base says about a resource from all its mentions)."""

import pytest

from kb.extraction.vocabulary import TopicEntry, Vocabulary
from kb.resources import MentionView, best_title, describe
from kb.sources import group_editions

ORIGINAL = (
    "I teach deep learning both for a living and as part of my volunteering. Don't be afraid of "
    "artificial neural networks - it is easy to start! In fact, my biggest regret is delaying "
    "learning it, because of the perceived difficulty. To start, all you need is really basic "
    "programming, very simple mathematics and knowledge of a few machine learning concepts. I "
    "suggest starting with image recognition tasks in Keras, a popular neural network library in "
    "Python."
)
# The lynx dump's kind of edition: lower-cased, topic phrases replaced by `idNNN` tokens.
DUMP = (
    ORIGINAL.lower()
    .replace("artificial neural networks", "id158s")
    .replace("image recognition", "id161")
)
UNRELATED = (
    "Gardening in spring: plant tomatoes after the last frost, water them every morning, and "
    "mulch the beds with straw so the soil keeps its moisture through the summer heat."
)


# --- group_editions ---------------------------------------------------------------------------


def test_two_editions_of_one_text_group_and_an_unrelated_text_gets_its_own_id():
    assert group_editions({}, [ORIGINAL, DUMP, UNRELATED]) == [-1, -1, -3]


def test_new_edition_joins_an_existing_source():
    assert group_editions({5: [ORIGINAL]}, [DUMP, UNRELATED]) == [5, -2]


def test_new_edition_joins_the_right_one_of_several_sources():
    assert group_editions({5: [UNRELATED], 9: [ORIGINAL]}, [DUMP]) == [9]
    assert group_editions({5: [ORIGINAL], 9: [UNRELATED]}, [DUMP]) == [5]


def test_unrelated_new_texts_get_distinct_negative_ids():
    assert group_editions({5: [UNRELATED]}, [ORIGINAL, DUMP]) == [-1, -1]
    assert group_editions({}, [UNRELATED, ORIGINAL]) == [-1, -2]


def test_no_new_text():
    assert group_editions({5: [ORIGINAL]}, []) == []


def test_text_without_ascii_words_gets_its_own_source():
    assert group_editions({}, ["\u6df1\u5ea6\u5b66\u4e60\u5165\u95e8\u6307\u5357"]) == [-1]


# --- best_title -------------------------------------------------------------------------------


def mention(
    anchor,
    url="https://example.com/x",
    *,
    inferred=False,
    uncertain=False,
    context="",
    section=None,
    topics=(),
):
    return MentionView(anchor, context, url, uncertain, inferred, section, tuple(topics))


PLAYLIST = "https://www.youtube.com/playlist?list=PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi"


@pytest.mark.parametrize(
    ("mentions", "url", "title"),
    [
        # An exact anchor beats an inferred one, even one seen more often.
        (
            [
                mention("neural networks by 3blue1brown", inferred=True),
                mention("neural networks by 3blue1brown", inferred=True),
                mention("Neural Networks"),
            ],
            PLAYLIST,
            "Neural Networks",
        ),
        # An anchor some edition wrote exactly is exact, also where another inferred it.
        (
            [
                mention("Deep Learning", inferred=True),
                mention("Deep Learning"),
                mention("The Deep Learning Book", inferred=True),
                mention("The Deep Learning Book", inferred=True),
                mention("The Deep Learning Book", inferred=True),
            ],
            PLAYLIST,
            "Deep Learning",
        ),
        # Then the most frequent, then the longest, then the first alphabetically.
        ([mention("Keras"), mention("Keras"), mention("Keras docs")], PLAYLIST, "Keras"),
        ([mention("Keras"), mention("Keras docs")], PLAYLIST, "Keras docs"),
        ([mention("B title"), mention("A title")], PLAYLIST, "A title"),
        # "here" never wins, however often; a weak anchor loses to a real title.
        (
            [mention("here"), mention("here"), mention("Deep Book", inferred=True)],
            PLAYLIST,
            "Deep Book",
        ),
        (
            [mention("its videos"), mention("Neural Networks Demystified", inferred=True)],
            PLAYLIST,
            "Neural Networks Demystified",
        ),
        ([mention("and for videos!"), mention("Demystified")], PLAYLIST, "Demystified"),
        ([mention("its videos")], PLAYLIST, "its videos"),  # weak, but better than nothing
        # The URL's words when no anchor says what the resource is.
        (
            [mention("here"), mention("click here"), mention("PDF")],
            "https://example.com/deep-learning_book.pdf",
            "deep learning book (example.com)",
        ),
        ([], "https://keras.io/", "keras.io"),
        (
            [mention("https://example.com/my-notes.html")],
            "https://example.com/my-notes.html",
            "my notes (example.com)",
        ),
    ],
)
def test_best_title(mentions, url, title):
    assert best_title(mentions, url) == title


# --- describe ---------------------------------------------------------------------------------

VOCABULARY = Vocabulary(
    [
        TopicEntry("keras", "Keras", ("Keras",)),
        TopicEntry("python", "Python", ("Python",)),
        TopicEntry("neural-networks", "Neural networks", ("neural networks", "NN")),
    ],
    {},
)


def test_describe_a_video_with_a_certain_and_an_uncertain_url():
    facts = describe(
        "https://youtube.com/watch?v=abc",
        [
            mention("video", "https://www.youtube.com/watch?v=abc", uncertain=True),
            mention("3blue1brown video on neural networks", "https://www.youtube.com/watch?v=aBc"),
        ],
        VOCABULARY,
    )
    assert facts.url == "https://www.youtube.com/watch?v=aBc"
    assert facts.url_case_uncertain is False
    assert facts.title == "3blue1brown video on neural networks"
    assert (facts.kind, facts.kind_rule, facts.kind_confidence) == (
        "video",
        "url:youtube.com/watch",
        0.9,
    )
    assert facts.access == "free"
    assert facts.topics == ("neural-networks",)


def test_describe_flags_the_url_case_only_when_no_url_is_certain():
    facts = describe(
        "https://youtube.com/watch?v=abc",
        [mention("some thing", "https://www.youtube.com/watch?v=abc", uncertain=True)],
        VOCABULARY,
    )
    assert facts.url == "https://www.youtube.com/watch?v=abc"
    assert facts.url_case_uncertain is True


def test_describe_kind_from_the_section_and_topics_from_the_sections():
    facts = describe(
        "https://example.com/x",
        [
            mention("a thing", section="Datasets", topics=("datasets", "python")),
            mention("a thing", section="Datasets", topics=("keras",)),
        ],
        VOCABULARY,
    )
    assert (facts.kind, facts.kind_rule, facts.kind_confidence) == (
        "dataset",
        "section:'Datasets'",
        0.4,
    )
    assert facts.access == "unknown"
    assert facts.topics == ("datasets", "keras", "python")


def test_describe_topics_named_in_anchors_win_over_section_topics():
    facts = describe(
        "https://keras.io",
        [mention("Keras", "https://keras.io/", context="a free library", topics=("frameworks",))],
        VOCABULARY,
    )
    assert (facts.kind, facts.kind_rule) == ("library", "url:library homepage")
    assert facts.topics == ("keras",)


@pytest.mark.parametrize(
    ("url", "context", "access"),
    [
        ("https://www.manning.com/books/deep-learning-with-python", "", "paid"),
        ("https://example.com/book", "the book is free online", "free"),
        ("https://example.com/book", "feel free to skip it", "unknown"),
    ],
)
def test_describe_access(url, context, access):
    facts = describe(url, [mention("Deep Learning with Python", url, context=context)], VOCABULARY)
    assert facts.access == access


def test_describe_paid_wins_over_free_among_mentions():
    facts = describe(
        "https://example.com/course",
        [
            mention("The course", "https://example.com/course", context="it is free"),
            mention("The course", "https://example.com/course", context="(paid) sadly"),
        ],
        VOCABULARY,
    )
    assert facts.access == "paid"


def test_describe_uses_linked_mentions_and_ignores_mentions_by_name():
    facts = describe(
        "https://example.com/book",
        [
            mention("Deep Learning with Keras", None),
            mention("the book", "https://example.com/book", context="it is free online"),
        ],
        VOCABULARY,
    )
    assert facts.title == "the book"
    assert (facts.kind, facts.kind_rule) == ("book", "words:'book'")
    assert facts.topics == ()


def test_describe_a_resource_known_only_by_name():
    facts = describe("https://example.com/book", [mention("Keras guide", None)], VOCABULARY)
    assert facts.url == "https://example.com/book"
    assert facts.url_case_uncertain is True  # no edition's link says how it is written
    assert facts.title == "Keras guide"
    assert facts.topics == ("keras",)
