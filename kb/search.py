"""Search over topics and resources together: one TF-IDF space, ranked by cosine similarity.

A topic is matched by its name, its aliases and its slug. Each of these is a short document of
its own and the topic scores by its best one, so that a query naming a topic by any alias scores
as high as its name does, however many aliases dilute the rest. A resource is matched by its
title and by the sentences and link texts the guide mentions it with.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.catalog import Catalog, TopicView
from kb.models import Mention

HitType = Literal["topic", "resource"]
HIT_TYPES: frozenset[str] = frozenset({"topic", "resource"})

# A word is a run of letters, digits and "_", or several joined by "-" ("cifar-10", "r-cnn");
# its parts are its runs of letters and of digits.
_WORD = re.compile(r"\w+(?:-\w+)*")
_PART = re.compile(r"[^\W\d_]+|\d+")

SUGGEST_CUTOFF = 0.6  # difflib's ratio below which a name is too far off to suggest


def terms(text: str) -> list[str]:
    """The analyzer of documents and queries alike: lower-cased words, singular, with compounds
    split and joined, so that "CIFAR-10", "cifar 10" and "CIFAR10" share their terms."""
    found: list[str] = []
    for word in _WORD.findall(text.lower()):
        found.extend(_word_terms(word))
    return found


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, ...]:
    parts = _PART.findall(word)
    # Lone letters are possessive "s" and initials; a compound keeps them in its joined form.
    kept = [_singular(part) for part in parts if len(part) > 1 or part.isdigit()]
    if len(parts) > 1:
        kept.append(_singular("".join(parts)))
    return tuple(kept)


def _singular(term: str) -> str:
    """A light plural folding: it only has to agree with itself, not to be good English."""
    if len(term) <= 3 or not term.isalpha():
        return term
    if term.endswith("ies"):
        return term[:-3] + "y"
    if term.endswith("sses"):
        return term[:-2]
    if term.endswith("s") and not term.endswith(("ss", "us", "is")):
        return term[:-1]
    return term


def _tf_idf(documents: list[str]) -> tuple[dict[str, int], np.ndarray, sparse.csc_array]:
    """The TF-IDF matrix of `documents` under `terms`, with its vocabulary and idf.

    `terms` works word by word, so words are counted first and each distinct word is analysed
    once, which makes building several times faster than analysing every occurrence."""
    if not documents:  # an empty knowledge base, which the vectorizers refuse
        return {}, np.zeros(0), sparse.csc_array((0, 0), dtype=np.float32)
    counter = CountVectorizer(token_pattern=_WORD.pattern, dtype=np.float32)
    word_counts = counter.fit_transform(documents)
    vocabulary: dict[str, int] = {}
    words, columns = [], []
    for word, word_column in counter.vocabulary_.items():
        for term in _word_terms(word):
            words.append(word_column)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
    # Word-by-term counts; a word that yields a term twice ("32x32") counts it twice.
    word_terms = sparse.csr_array(
        (np.ones(len(words), dtype=np.float32), (words, columns)),
        shape=(len(counter.vocabulary_), len(vocabulary)),
    )
    weighting = TfidfTransformer(sublinear_tf=True)
    matrix = weighting.fit_transform(sparse.csr_array(word_counts) @ word_terms)
    return vocabulary, weighting.idf_, sparse.csc_array(matrix)


def load_mention_texts(session: Session) -> dict[int, list[str]]:
    """Each resource's distinct mention sentences, then its distinct link texts."""
    texts: dict[int, dict[str, None]] = defaultdict(dict)
    for column in (Mention.context, Mention.anchor):
        rows = session.execute(
            select(Mention.resource_id, column).distinct().order_by(Mention.resource_id, column)
        )
        for resource_id, text in rows:
            if text.strip():
                texts[resource_id][text] = None
    return {resource_id: list(found) for resource_id, found in texts.items()}


@dataclass(frozen=True, slots=True)
class Hit:
    type: HitType
    key: str  # a topic's slug or a resource's id
    name: str  # a topic's name or a resource's title
    score: float


class SearchIndex:
    """Answers queries from a TF-IDF matrix built once per knowledge-base version.

    Its rows are topic labels (grouped by topic, topics in slug order), then resources in id
    order. It is kept by column, so that a query reads only the rows that have one of its terms.
    """

    def __init__(
        self,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        matrix: sparse.csc_array,
        label_starts: list[int],
        keys: list[str],
        names: list[str],
        suggester: _Suggester,
    ) -> None:
        self._vocabulary = vocabulary
        self._idf = idf.astype(np.float64)
        self._matrix = matrix
        self._topics = len(label_starts) - 1
        self._labels = label_starts[-1]
        self._topic_of_label = np.repeat(np.arange(self._topics), np.diff(label_starts))
        self._keys = keys  # by document: topics, then resources
        self._names = names
        self._suggester = suggester

    @classmethod
    def build(cls, catalog: Catalog, mention_texts: dict[int, list[str]]) -> SearchIndex:
        topics = sorted(catalog.topics.values(), key=lambda topic: topic.slug)
        resources = sorted(catalog.resources.values(), key=lambda resource: resource.id)
        documents: list[str] = []
        label_starts = [0]
        for topic in topics:
            labels = (topic.name, *topic.aliases, topic.slug.replace("-", " "))
            # One row per distinct wording: a topic named three times is no more relevant.
            distinct = {tuple(terms(label)): label for label in labels}
            documents.extend(distinct.values())
            label_starts.append(len(documents))
        for resource in resources:
            documents.append("\n".join((resource.title, *mention_texts.get(resource.id, ()))))
        vocabulary, idf, matrix = _tf_idf(documents)
        return cls(
            vocabulary,
            idf,
            matrix,
            label_starts,
            keys=[topic.slug for topic in topics] + [str(resource.id) for resource in resources],
            names=[topic.name for topic in topics] + [resource.title for resource in resources],
            suggester=_Suggester(topics),
        )

    def search(self, q: str, limit: int = 20, kinds: set[str] | None = None) -> list[Hit]:
        """The best `limit` hits: by score, then topics before resources, then by key."""
        wanted = HIT_TYPES if kinds is None else kinds
        if unknown := set(wanted) - HIT_TYPES:
            raise ValueError(f"unknown hit types: {', '.join(sorted(unknown))}")
        query = self._query(q)
        if query is None or limit <= 0 or not wanted:
            return []
        rows, scores = _matching_rows(self._matrix, *query)
        documents, found = [], []
        if "topic" in wanted:
            labels = rows < self._labels
            topics, label_scores = self._topic_of_label[rows[labels]], scores[labels]
            # Rows are sorted, so a topic's labels are adjacent; it scores by its best one.
            firsts = np.flatnonzero(np.diff(topics, prepend=-1))
            documents.append(topics[firsts])
            found.append(np.maximum.reduceat(label_scores, firsts))
        if "resource" in wanted:
            resources = rows >= self._labels
            documents.append(rows[resources] - self._labels + self._topics)
            found.append(scores[resources])
        return self._best(np.concatenate(documents), np.concatenate(found), limit)

    def suggest(self, q: str, limit: int = 5) -> list[str]:
        """Slugs of the topics whose name, alias or slug is spelled closest to `q`."""
        return self._suggester.suggest(q, limit)

    def _query(self, q: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The query's known terms and their weights, weighed as the matrix's rows are."""
        counts = Counter(term for term in terms(q) if term in self._vocabulary)
        if not counts:
            return None
        columns = np.fromiter((self._vocabulary[term] for term in counts), dtype=np.int64)
        tf = np.fromiter((1 + math.log(n) for n in counts.values()), dtype=np.float64)
        weights = tf * self._idf[columns]
        return columns, weights / np.linalg.norm(weights)

    def _best(self, documents: np.ndarray, scores: np.ndarray, limit: int) -> list[Hit]:
        if len(scores) > limit:
            # Keep all that tie with the last one in, so that the tie-break below decides
            # between them, not argpartition's arbitrary order.
            last = np.argpartition(-scores, limit - 1)[limit - 1]
            kept = scores >= scores[last]
            documents, scores = documents[kept], scores[kept]
        # Documents are numbered topics by slug, then resources by id: the tie-break.
        order = np.lexsort((documents, -scores))[:limit]
        return [self._hit(int(documents[i]), float(scores[i])) for i in order]

    def _hit(self, document: int, score: float) -> Hit:
        kind: HitType = "topic" if document < self._topics else "resource"
        return Hit(kind, self._keys[document], self._names[document], score)


def _matching_rows(
    matrix: sparse.csc_array, columns: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows that have any of `columns`, in order, and their dot product with `weights`,
    reading those columns only."""
    starts, ends = matrix.indptr[columns], matrix.indptr[columns + 1]
    rows = np.concatenate([matrix.indices[s:e] for s, e in zip(starts, ends, strict=True)])
    values = np.concatenate(
        [matrix.data[s:e] * w for s, e, w in zip(starts, ends, weights, strict=True)]
    )
    sums = np.bincount(rows, weights=values, minlength=matrix.shape[0])
    # Sorting the rows read is cheaper than scanning all, unless they are most of them.
    found = np.unique(rows) if len(rows) * 8 < matrix.shape[0] else np.flatnonzero(sums)
    return found, sums[found]


class _Suggester:
    """Near spellings of topic names: character n-grams find candidates, difflib ranks them."""

    CANDIDATES = 50

    def __init__(self, topics: list[TopicView]) -> None:
        labels = {
            label.lower(): topic.slug
            for topic in topics
            for label in (topic.slug, topic.name, *topic.aliases)
        }
        self._labels = list(labels)
        self._slugs = list(labels.values())
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))
        self._matrix = (
            sparse.csc_array(self._vectorizer.fit_transform(self._labels)) if labels else None
        )

    def suggest(self, q: str, limit: int) -> list[str]:
        text = " ".join(q.lower().split())
        if not text or self._matrix is None or limit <= 0:
            return []
        grams = self._vectorizer.transform([text])
        if not grams.nnz:
            return []
        candidates, similarity = _matching_rows(self._matrix, grams.indices, grams.data)
        if len(candidates) > self.CANDIDATES:
            candidates = candidates[
                np.argpartition(-similarity, self.CANDIDATES)[: self.CANDIDATES]
            ]
        closeness: dict[str, float] = {}
        for label in candidates:
            ratio = difflib.SequenceMatcher(None, text, self._labels[label]).ratio()
            slug = self._slugs[label]
            if ratio >= SUGGEST_CUTOFF and ratio > closeness.get(slug, 0.0):
                closeness[slug] = ratio
        return sorted(closeness, key=lambda slug: (-closeness[slug], slug))[:limit]
