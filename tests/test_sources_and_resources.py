"""kb.sources.group_editions (which post a text is an edition of) and kb.resources (what the
knowledge base says about a resource from all its mentions)."""

import pytest

from kb.extraction.relevance import Relevance
from kb.resources import MentionView, describe
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


# --- describe ---------------------------------------------------------------------------------


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


def test_describe_a_video_with_a_certain_and_an_uncertain_url():
    facts = describe(
        "https://youtube.com/watch?v=abc",
        [
            mention("video", "https://www.youtube.com/watch?v=abc", uncertain=True),
            mention("3blue1brown video on neural networks", "https://www.youtube.com/watch?v=aBc"),
        ],
    )
    assert facts.url == "https://www.youtube.com/watch?v=aBc"
    assert facts.url_case_uncertain is False
    assert facts.title == "3blue1brown video on neural networks"
    assert facts.kind == "video" and facts.kind_confidence >= 0.9
    assert facts.access == "free"


def test_describe_flags_the_url_case_only_when_no_url_is_certain():
    facts = describe(
        "https://youtube.com/watch?v=abc",
        [mention("some thing", "https://www.youtube.com/watch?v=abc", uncertain=True)],
    )
    assert facts.url == "https://www.youtube.com/watch?v=abc"
    assert facts.url_case_uncertain is True


def test_describe_teaches_each_topic_as_surely_as_its_best_mention_says():
    facts = describe(
        "https://example.com/x",
        [
            mention("a thing", topics=[Relevance("keras", 0.5, "section list")]),
            mention("Keras", topics=[Relevance("keras", 0.9, "anchor")]),
            mention("a thing", topics=[Relevance("python", 0.6, "sentence")]),
        ],
    )
    assert facts.topics == (Relevance("keras", 0.9, "anchor"), Relevance("python", 0.6, "sentence"))


def test_describe_keeps_a_topic_only_one_edition_s_list_gives_only_if_most_mentions_do():
    listed = [Relevance("mathematics", 0.5, "section list")]
    lone = describe("https://example.com/x", [mention("a", topics=listed)] + [mention("a")] * 3)
    assert lone.topics == ()
    shared = describe("https://example.com/x", [mention("a", topics=listed)] * 2 + [mention("a")])
    assert shared.topics == tuple(listed)


@pytest.mark.parametrize(
    ("url", "context", "access"),
    [
        ("https://www.manning.com/books/deep-learning-with-python", "", "paid"),
        ("https://example.com/book", "the book is free online", "free"),
        ("https://example.com/book", "feel free to skip it", "unknown"),
    ],
)
def test_describe_access(url, context, access):
    facts = describe(url, [mention("Deep Learning with Python", url, context=context)])
    assert facts.access == access


def test_describe_paid_wins_over_free_among_mentions():
    facts = describe(
        "https://example.com/course",
        [
            mention("The course", "https://example.com/course", context="it is free"),
            mention("The course", "https://example.com/course", context="(paid) sadly"),
        ],
    )
    assert facts.access == "paid"


def test_describe_names_the_resource_by_its_links_not_by_mentions_by_name():
    facts = describe(
        "https://example.com/book",
        [
            mention("Deep Learning with Keras", None),
            mention("the free book", "https://example.com/book", context="it is free online"),
        ],
    )
    assert facts.title == "the free book"
    assert facts.kind == "book"


def test_describe_a_resource_known_only_by_name():
    facts = describe("https://example.com/book", [mention("Keras guide", None)])
    assert facts.url == "https://example.com/book"
    assert facts.url_case_uncertain is True  # no edition's link says how it is written
    assert facts.title == "Keras guide"
