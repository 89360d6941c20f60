"""The generated topic vocabulary, kb/data/vocabulary.json: sound, a superset of the first
vocabulary (whose slugs databases and learners' progress already hold), and holding what study
guides of the field teach and require."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from kb.extraction import build_vocabulary
from kb.extraction.vocabulary import TopicEntry, Vocabulary

KINDS = {"field", "method", "model", "math", "language", "tool", "dataset", "concept", "practice"}
ORIGIN = re.compile(r"curated|tutorialbank-topics:\d+|tutorialbank-taxonomy:\d+")

# Aliases and TutorialBank ids of the first vocabulary that named another topic than their
# entry's, and that now belong to that topic's own entry (Word2Vec is one way to learn word
# embeddings; topic 5 is "Variational Autoencoders"; neither id occurs in the guide's token dump).
MOVED_ALIASES = {("word2vec", "word embeddings"), ("word2vec", "word embedding")}
MOVED_IDS = {("word2vec", 27): "word-embeddings", ("autoencoders", 5): "variational-autoencoders"}


PREVIOUS = Path(__file__).parent / "data" / "previous_topics.json"


def _load(name: str) -> list[dict]:
    return json.loads(resources.files("kb").joinpath(f"data/{name}").read_text("utf-8"))


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    return _load("vocabulary.json")


@pytest.fixture(scope="module")
def by_slug(entries) -> dict[str, dict]:
    return {entry["slug"]: entry for entry in entries}


def key(alias: str) -> str:
    """As the matcher compares: hyphen or space alike; case-insensitive but for short capitals."""
    folded = re.sub(r"[\s-]+", " ", alias.strip())
    return folded if alias.isupper() and len(alias) <= 4 else folded.lower()


def owner_of(entries) -> dict[str, str]:
    return {key(a): e["slug"] for e in entries for a in (e["name"], *e["aliases"])}


def test_every_entry_is_well_formed(entries):
    assert isinstance(entries, list) and len(entries) >= 800
    for entry in entries:
        assert set(entry) - {"token_surface"} == {
            "slug", "name", "aliases", "broader", "kind", "origin", "tutorialbank", "taxonomy"
        }  # fmt: skip
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry["slug"]), entry["slug"]
        assert entry["name"].strip() and entry["kind"] in KINDS, entry["slug"]
        assert all(isinstance(a, str) and a.strip() for a in entry["aliases"]), entry["slug"]


def test_slugs_are_unique(entries):
    slugs = [entry["slug"] for entry in entries]
    assert len(slugs) == len(set(slugs))


def test_every_alias_names_one_entry_only(entries):
    """Names and aliases, as the matcher reads them: case-insensitively except short capital ones
    ("OS", "CNN"), hyphen or space alike, and with a plural "s"/"es" added."""
    owner: dict[str, set[str]] = {}
    for entry in entries:
        for alias in (entry["name"], *entry["aliases"]):
            owner.setdefault(key(alias), set()).add(entry["slug"])
    assert {k: v for k, v in owner.items() if len(v) > 1} == {}
    plurals = {
        (k, k + suffix)
        for k, slugs in owner.items()
        for suffix in ("s", "es")
        if k + suffix in owner and owner[k + suffix] != slugs
    }
    assert plurals == set()


def test_broader_topics_exist_and_form_no_cycle(entries, by_slug):
    for entry in entries:
        assert all(b in by_slug and b != entry["slug"] for b in entry["broader"]), entry["slug"]
    graph = {e["slug"]: e["broader"] for e in entries}
    assert build_vocabulary.find_cycle(graph) is None
    assert build_vocabulary.find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]


def test_lstm_sits_under_the_chain_of_broader_topics(by_slug):
    chain, slug = [], "lstm"
    while slug != "machine-learning":
        nexts = by_slug[slug]["broader"]
        slug = next(n for n in ("recurrent-networks", "neural-networks", "deep-learning",
                                "machine-learning") if n in nexts)  # fmt: skip
        chain.append(slug)
    assert chain == ["recurrent-networks", "neural-networks", "deep-learning", "machine-learning"]


def test_every_entry_says_where_it_came_from(entries):
    for entry in entries:
        assert entry["origin"] and all(ORIGIN.fullmatch(o) for o in entry["origin"]), entry
        ids = {o for o in entry["origin"] if o.startswith("tutorialbank-")}
        assert {f"tutorialbank-topics:{n}" for n in entry["tutorialbank"]} <= ids
        assert {f"tutorialbank-taxonomy:{n}" for n in entry["taxonomy"]} == {
            o for o in ids if o.startswith("tutorialbank-taxonomy:")
        }
    ids = [n for entry in entries for n in entry["tutorialbank"]]
    assert len(ids) == len(set(ids)), "an idNNN token would name two topics"
    origins = {o for entry in entries for o in entry["origin"]}
    assert len({o for o in origins if o.startswith("tutorialbank-topics:")}) == 208


def test_the_first_vocabulary_is_kept_whole(by_slug):
    """Every slug, name, alias, TutorialBank id and token surface of the first vocabulary, on
    the same entry, but for the few that named another topic now in the vocabulary (MOVED_*)."""
    owner = owner_of(by_slug.values())
    for old in json.loads(PREVIOUS.read_text("utf-8")):
        new = by_slug[old["slug"]]
        assert new["name"] == old["name"]
        for alias in old["aliases"]:
            if (old["slug"], alias) in MOVED_ALIASES:
                assert owner[key(alias)] != old["slug"]
            else:
                assert alias in new["aliases"], (old["slug"], alias)
        for number in old.get("tutorialbank", ()):
            moved = MOVED_IDS.get((old["slug"], number))
            assert number in by_slug[moved or old["slug"]]["tutorialbank"], (old["slug"], number)
        assert new.get("token_surface") == old.get("token_surface")
    assert by_slug["convolutional-networks"]["tutorialbank"] == [98]
    assert "CNN" in by_slug["convolutional-networks"]["aliases"]


@pytest.mark.parametrize(
    ("alias", "slug"),
    [
        ("calculus", "calculus"),
        ("differential calculus", "differential-calculus"),
        ("integral calculus", "integral-calculus"),
        ("multivariable calculus", "multivariable-calculus"),
        ("linear algebra", "linear-algebra"),
        ("probability", "probability"),
        ("statistics", "statistics"),
        ("inferential statistics", "inferential-statistics"),
        ("Bayesian statistics", "bayesian-statistics"),
        ("optimisation", "mathematical-optimization"),
        ("optimization", "mathematical-optimization"),
        ("discrete mathematics", "discrete-mathematics"),
        ("information theory", "information-theory"),
        ("SQL", "sql"),
        ("git", "git"),
        ("version control", "version-control"),
        ("the shell", "unix-shell"),
        ("command line", "unix-shell"),
        ("quantum mechanics", "quantum-mechanics"),
        ("quantum computing", "quantum-computing"),
        ("physics", "physics"),
        ("word embeddings", "word-embeddings"),
        ("word vectors", "word-embeddings"),
        ("LSTM", "lstm"),
        ("long short-term memory", "lstm"),
        ("k-means", "k-means-clustering"),
        ("k means", "k-means-clustering"),
        ("kmeans", "k-means-clustering"),
        ("RNN", "recurrent-networks"),
        ("GRU", "gated-recurrent-units"),
        ("NLP", "nlp"),
        ("SVM", "support-vector-machines"),
        ("PCA", "principal-component-analysis"),
        ("GAN", "gan"),
        ("VAE", "variational-autoencoders"),
        ("RL", "reinforcement-learning"),
        ("MDP", "markov-decision-processes"),
        ("DQN", "deep-q-networks"),
        ("PPO", "proximal-policy-optimization"),
        ("A2C", "advantage-actor-critic"),
        ("policy gradients", "policy-gradient-methods"),
        ("actor-critic", "actor-critic-methods"),
        ("OOP", "object-oriented-programming"),
        ("OS", "operating-systems"),
        ("transformers", "transformers"),
        ("attention mechanism", "attention-mechanism"),
        ("BERT", "bert"),
        ("GPT", "gpt"),
        ("LLM", "large-language-models"),
        ("diffusion models", "diffusion-models"),
        ("GloVe", "glove"),
        ("R", "r"),
        ("Golang", "go"),
        ("C++", "cpp"),
        ("Julia", "julia"),
        ("scikit-learn", "scikit-learn"),
        ("sklearn", "scikit-learn"),
        ("pandas", "pandas"),
        ("JAX", "jax"),
        ("Hugging Face Transformers", "hugging-face-transformers"),
        ("Docker", "docker"),
        ("Spark", "apache-spark"),
        ("MNIST", "mnist"),
        ("CIFAR-10", "cifar-10"),
        ("ImageNet", "imagenet"),
    ],
)
def test_the_field_s_staples_are_there_with_their_aliases(by_slug, alias, slug):
    assert owner_of(by_slug.values())[key(alias)] == slug


def test_the_matcher_finds_topics_of_the_vocabulary_in_text(entries):
    vocabulary = Vocabulary(
        [TopicEntry(e["slug"], e["name"], tuple(e["aliases"])) for e in entries], {}
    )
    text = (
        "Before LSTMs and word vectors, learn calculus, some k means, SQL and git at the "
        "command-line; Go on with CNNs in PyTorch, then ask whether the OS matters."
    )
    assert vocabulary.slugs_in(text) == [
        "lstm",
        "word-embeddings",
        "calculus",
        "k-means-clustering",
        "sql",
        "git",
        "unix-shell",
        "convolutional-networks",
        "pytorch",
        "operating-systems",
    ]


def test_the_committed_file_is_what_the_build_makes():
    tutorialbank = build_vocabulary.DEFAULT_TUTORIALBANK
    if not (tutorialbank / "taxonomy.csv").is_file():
        pytest.skip(f"TutorialBank's tables are not in {tutorialbank}")
    curated = _load("curated_topics.json")
    assert build_vocabulary.build(curated, tutorialbank) == _load("vocabulary.json")
