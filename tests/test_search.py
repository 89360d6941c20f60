"""Search over the imported guide: topics first when named, tolerant of case, plural and hyphens."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select

from api.app import create_app, engine_of
from kb import catalog, db
from kb.catalog import Catalog, ResourceView, TopicView
from kb.models import Mention
from kb.search import SearchIndex, _analysed, _chunk_terms, _TermSpace, load_mention_texts


@pytest.fixture(scope="module")
def guide(make_guide_database):
    """The imported guide's catalog and mention texts, read once per backend."""
    engine = db.make_engine(make_guide_database())
    with db.session_factory(engine)() as session:
        yield catalog.load(session), load_mention_texts(session), session
    engine.dispose()


@pytest.fixture(scope="module")
def index(guide) -> SearchIndex:
    loaded, mention_texts, _ = guide
    return SearchIndex.build(loaded, mention_texts)


def first(index: SearchIndex, q: str) -> tuple[str, str]:
    hit = index.search(q)[0]
    return hit.type, hit.key


def resource_keys(index: SearchIndex, q: str, limit: int = 20) -> list[str]:
    return [hit.key for hit in index.search(q, limit, kinds={"resource"})]


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("Keras", "keras"),
        ("keras", "keras"),
        ("cnns", "convolutional-networks"),
        ("CNN", "convolutional-networks"),
        ("Convolutional networks", "convolutional-networks"),
        ("convolutional neural network", "convolutional-networks"),
        ("datasets", "datasets"),
        ("dataset", "datasets"),
        ("cifar", "cifar-10"),
        ("CIFAR-10", "cifar-10"),
        ("cifar 10", "cifar-10"),
        ("CIFAR10", "cifar-10"),
    ],
)
def test_a_query_naming_a_topic_finds_it_first(index, q, slug):
    assert first(index, q) == ("topic", slug)
    assert index.search(q)[0].score == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("finetuning", "transfer-learning"),
        ("logloss", "loss-functions"),
        ("unet", "image-segmentation"),
    ],
)
def test_a_hyphenated_name_is_found_written_as_one_word(index, q, slug):
    assert first(index, q) == ("topic", slug)


def test_resources_follow_the_topic_they_are_about(index, guide):
    loaded, _, _ = guide
    keras = [hit for hit in index.search("keras")[1:] if hit.type == "resource"]
    assert keras and all("keras" in hit.name.lower() for hit in keras[:5])
    dataset = next(
        r for r in loaded.resources.values() if r.kind == "dataset" and "CIFAR-10" in r.title
    )
    for q in ("cifar", "CIFAR-10", "cifar10"):
        assert str(dataset.id) in resource_keys(index, q, limit=5)


def test_a_phrase_only_a_mention_sentence_has_finds_its_resource(index, guide):
    loaded, _, session = guide
    phrase = "uncharted waters"
    mentioned = set(
        session.scalars(select(Mention.resource_id).where(Mention.context.contains(phrase)))
    )
    assert mentioned
    assert all(phrase not in loaded.resources[i].title.lower() for i in mentioned)
    hits = index.search(phrase)
    assert hits and int(hits[0].key) in mentioned and hits[0].type == "resource"


def test_hits_are_ranked_by_score_then_topics_then_key(index):
    for q in ("deep learning", "keras tensorflow", "neural networks", "image"):
        hits = index.search(q, limit=50)
        assert len(hits) > 10
        order = [
            (-h.score, h.type != "topic", h.key if h.type == "topic" else int(h.key)) for h in hits
        ]
        assert order == sorted(order)
        assert index.search(q, limit=50) == hits
        assert index.search(q, limit=7) == hits[:7]


def test_ties_go_to_topics_then_slugs_then_resource_ids():
    def resource(id_: int, title: str) -> ResourceView:
        return ResourceView(id_, f"https://example.org/{id_}", title, "article", "", 1.0, "free",
                            (), 1, 1, None, id_)  # fmt: skip

    topics = {
        slug: TopicView(i, slug, "Gradients", (), i) for i, slug in enumerate(["zeta", "alpha"])
    }
    resources = {
        10: resource(10, "Gradient"),
        9: resource(9, "gradient"),
        11: resource(11, "Other"),
    }
    index = SearchIndex.build(Catalog("v1", topics, [], resources, 1), {})
    hits = index.search("gradient")
    assert [(hit.type, hit.key) for hit in hits] == [
        ("topic", "alpha"), ("topic", "zeta"), ("resource", "9"), ("resource", "10")
    ]  # fmt: skip
    assert len({hit.score for hit in hits}) == 1
    assert index.search("gradient", limit=3) == hits[:3]


def test_building_twice_gives_the_same_answers(index, guide):
    loaded, mention_texts, _ = guide
    again = SearchIndex.build(loaded, mention_texts)
    for q in ("cnns", "deep learning", "cifar 10 dataset", "python"):
        assert again.search(q, limit=100) == index.search(q, limit=100)


def test_kinds_restrict_the_hits_and_keep_their_order(index):
    everything = index.search("image classification", limit=100)
    for kind in ("topic", "resource"):
        only = index.search("image classification", limit=100, kinds={kind})
        assert only and only == [hit for hit in everything if hit.type == kind]
    assert index.search("keras", kinds=set()) == []
    with pytest.raises(ValueError, match="unknown hit types: video"):
        index.search("keras", kinds={"video"})


@pytest.mark.parametrize("q", ["", "   ", "!!! ???", "zzqxv", "C++"])
def test_a_query_without_known_words_finds_nothing(index, q):
    assert index.search(q) == []


def test_suggestions_are_near_spellings_of_topic_names(index):
    assert "keras" in index.suggest("kears")
    assert index.suggest("cifar")[0] == "cifar-10"
    assert index.suggest("backpropagaton")[0] == "backpropagation"
    assert index.suggest("Convolutional netwroks")[0] == "convolutional-networks"
    assert len(index.suggest("learning")) > 2
    assert index.suggest("learning", limit=2) == index.suggest("learning")[:2]
    assert index.suggest("xyzzy qqq") == []
    assert index.suggest("") == []


def test_mention_texts_are_each_resources_distinct_sentences_and_anchors(guide):
    loaded, mention_texts, session = guide
    expected: dict[int, set[str]] = {}
    for resource_id, context, anchor in session.execute(
        select(Mention.resource_id, Mention.context, Mention.anchor)
    ):
        expected.setdefault(resource_id, set()).update(t for t in (context, anchor) if t.strip())
    assert {i: set(texts) for i, texts in mention_texts.items()} == expected
    assert all(len(texts) == len(set(texts)) for texts in mention_texts.values())
    assert set(mention_texts) <= set(loaded.resources)


def test_the_term_space_is_what_tfidf_vectorizer_computes(guide):
    loaded, mention_texts, _ = guide
    documents = [
        "\n".join((r.title, *mention_texts.get(r.id, ()))) for r in loaded.resources.values()
    ]
    space = _TermSpace.build(documents, _chunk_terms)
    vectorizer = TfidfVectorizer(analyzer=lambda d: _analysed(d, _chunk_terms), sublinear_tf=True)
    expected = vectorizer.fit_transform(documents).toarray()
    columns = [space.vocabulary[term] for term in vectorizer.get_feature_names_out()]
    assert sorted(space.vocabulary) == sorted(vectorizer.vocabulary_)
    np.testing.assert_allclose(space.matrix.toarray()[:, columns], expected, atol=1e-6)


def test_search_through_the_api(guide_database_url):
    app = create_app({"DATABASE_URL": guide_database_url, "TESTING": True, "RATELIMIT_DEFAULT": ""})
    try:
        client = app.test_client()
        body = client.get("/api/v1/search?q=cnns").get_json()
        assert body["query"] == "cnns"
        top = body["items"][0]
        assert top["type"] == "topic" and top["resource"] is None
        assert top["topic"]["slug"] == "convolutional-networks"
        resources = client.get("/api/v1/search?q=cifar&type=resource&limit=3").get_json()["items"]
        assert len(resources) == 3
        assert all(item["type"] == "resource" and item["resource"]["url"] for item in resources)
        assert any(item["resource"]["kind"] == "dataset" for item in resources)
        assert client.get("/api/v1/search?q=").status_code == 422
        assert client.get("/api/v1/search?q=keras&limit=0").status_code == 422
    finally:
        engine_of(app).dispose()
