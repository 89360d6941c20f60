"""kb.extraction.relevance: a resource teaches a topic when its mention says so, each topic with
the rule that decided it; a section's topic alone is not enough."""

import pytest

from importers.document import Paragraph
from kb.extraction.relevance import ANCHOR, IN_PASSING, SECTION_LIST, SENTENCE, URL, of_mention
from kb.extraction.vocabulary import TopicEntry, Vocabulary

VOCABULARY = Vocabulary(
    [
        TopicEntry("linear-algebra", "Linear algebra", ("linear algebra",)),
        TopicEntry("deep-learning", "Deep learning", ("deep learning",)),
        TopicEntry("reinforcement-learning", "Reinforcement learning", ("reinforcement learning",)),
        TopicEntry("keras", "Keras", ("Keras",)),
        TopicEntry("python", "Python", ("Python",)),
    ],
    {},
)
SECTION = ("deep-learning",)


def topics(
    anchor, sentence, *, url="https://example.com/x", kind="paragraph", block_text=None, alone=False
):
    block = Paragraph(block_text if block_text is not None else sentence, 0, kind)
    found = of_mention(
        anchor=anchor,
        url=url,
        sentence=sentence,
        block=block,
        section_topics=SECTION,
        vocabulary=VOCABULARY,
        alone=alone,
    )
    return [(r.slug, r.relevance, r.rule) for r in found]


def test_the_anchor_names_what_it_teaches():
    anchor = "Linear Algebra for Deep Learning"
    assert topics(anchor, f"I recommend {anchor}.") == [
        ("deep-learning", ANCHOR, "anchor"),
        ("linear-algebra", ANCHOR, "anchor"),
    ]


def test_a_title_named_in_passing_is_what_the_work_is_about_not_what_it_teaches():
    sentence = "The title alludes to Linear Algebra Unreasonably Effective, an essay from 1960."
    assert topics("Linear Algebra Unreasonably Effective", sentence) == [
        ("linear-algebra", IN_PASSING, "anchor")
    ]


def test_the_url_s_words_name_it():
    url = "https://example.com/intro-to-reinforcement_learning.html"
    assert topics("this post", "I liked this post.", url=url) == [
        ("reinforcement-learning", URL, "url")
    ]


def test_a_sentence_that_says_what_the_link_teaches():
    sentence = "A great introduction to Keras is this course, in Python."
    assert topics("this course", sentence) == [
        ("keras", SENTENCE, "sentence"),
        ("python", SENTENCE, "sentence"),
    ]


def test_an_aside_in_running_prose_teaches_nothing_of_its_section():
    sentence = "I once met the author of this blog at a conference in Python country."
    assert topics("this blog", sentence) == []


def test_an_item_of_a_list_under_the_topic_s_heading():
    assert topics("Some videos", "Some videos", kind="item") == [
        ("deep-learning", SECTION_LIST, "section list")
    ]


def test_a_citation_is_about_the_work_it_links():
    text = 'LeCun, Bengio and Hinton. "Deep learning." Nature 521 (2015). [pdf] (the survey)'
    assert topics("pdf", "[pdf] (the survey)", block_text=text, alone=True) == [
        ("deep-learning", SENTENCE, "sentence")
    ]
    prose = "I met him in 2015; he said the Python code of this talk was messy, so I skip it."
    assert topics("this talk", "I met him.", block_text=prose, alone=True) == []


def test_a_long_item_with_several_links_is_not_about_one_of_them():
    text = " ".join(["word"] * 40) + " with a link to the page somewhere inside it"
    assert topics("the page", text, kind="item") == []
    assert topics("the page", text, kind="item", alone=True) == [
        ("deep-learning", SECTION_LIST, "section list")
    ]


@pytest.mark.parametrize("kind", ["quote", "footnote"])
def test_quotes_and_footnotes_teach_nothing_of_the_section(kind):
    assert topics("a post", "An introduction to Keras, a post.", kind=kind) == []


def test_a_person_teaches_nothing_but_what_their_name_says():
    sentence = "Read the essays by Douglas R. Hofstadter."
    assert topics("Douglas R. Hofstadter", sentence, kind="item", block_text=sentence) == []
    profile = "https://twitter.com/someone"
    assert topics("Someone", "Follow Someone for deep learning news.", url=profile) == []
