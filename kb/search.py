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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.catalog import Catalog, TopicView
from kb.models import Mention
from kb.values import HIT_TYPES, HitType

# A word is a run of letters, digits and "_", or several joined by "-" ("cifar-10", "r-cnn");
# its parts are its runs of letters and of digits.
_WORD = re.compile(r"\w+(?:-\w+)*")
_PART = re.compile(r"[^\W\d_]+|\d+")


@lru_cache(maxsize=65_536)
def _chunk_terms(chunk: str) -> tuple[str, ...]:
    """The terms of a lower-cased piece of text between white space, such as "(cifar-10),":
    its words, singular, with compounds split and joined, so that "CIFAR-10", "cifar 10" and
    "CIFAR10" share their terms."""
    found: list[str] = []
    for word in _WORD.findall(chunk):
        parts = _PART.findall(word)
        # Lone letters are possessive "s" and initials; a compound keeps them in its joined form.
        found += [_singular(part) for part in parts if len(part) > 1 or part.isdigit()]
        if len(parts) > 1:
            found.append(_singular("".join(parts)))
    return tuple(found)


def _analysed(text: str, analyse: Callable[[str], tuple[str, ...]]) -> list[str]:
    return [term for chunk in text.lower().split() for term in analyse(chunk)]


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


def _bigrams(chunk: str) -> tuple[str, ...]:
    """Character pairs of a chunk, edges included: what a spelling mistake leaves mostly intact."""
    padded = f" {chunk} "
    return tuple(padded[i : i + 2] for i in range(len(padded) - 1))


@dataclass(frozen=True)
class _TermSpace:
    """Documents as TF-IDF rows (scikit-learn's weighting, sublinear tf, unit length) over the
    terms that `analyse` finds in each lower-cased, white-space separated chunk of them.

    Chunks are counted first and each distinct chunk is analysed once, not at each occurrence:
    this gives what TfidfVectorizer gives with the same analyzer, several times faster, as its
    per-token Python loop took most of the time. The matrix is kept by column, so that a query
    reads only the rows that have one of its terms.
    """

    analyse: Callable[[str], tuple[str, ...]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    matrix: sparse.csc_array

    @classmethod
    def build(cls, documents: list[str], analyse: Callable[[str], tuple[str, ...]]) -> _TermSpace:
        chunks, chunk_counts = _count(document.lower().split() for document in documents)
        vocabulary, chunk_terms = _count(analyse(chunk) for chunk in chunks)
        if not vocabulary:  # nothing to search, which the weighting refuses
            empty = sparse.csc_array((len(documents), 0), dtype=np.float32)
            return cls(analyse, {}, np.zeros(0), empty)
        weighting = TfidfTransformer(sublinear_tf=True)
        matrix = weighting.fit_transform(chunk_counts @ chunk_terms)
        return cls(analyse, vocabulary, weighting.idf_, sparse.csc_array(matrix, dtype=np.float32))

    def similar(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows that share a term with `text`, in order, and their cosine similarity to it."""
        counts = Counter(term for term in _analysed(text, self.analyse) if term in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        columns = np.fromiter((self.vocabulary[term] for term in counts), dtype=np.int64)
        weights = self.idf[columns] * [1 + math.log(n) for n in counts.values()]
        weights /= np.linalg.norm(weights)
        starts, ends = self.matrix.indptr[columns], self.matrix.indptr[columns + 1]
        rows = np.concatenate([self.matrix.indices[s:e] for s, e in zip(starts, ends, strict=True)])
        values = np.concatenate(
            [self.matrix.data[s:e] * w for s, e, w in zip(starts, ends, weights, strict=True)]
        )
        sums = np.bincount(rows, weights=values, minlength=self.matrix.shape[0])
        # One more pass over the sums, as bincount made: cheaper than sorting the rows read.
        found = np.flatnonzero(sums)
        return found, sums[found]


def _count(sequences: Iterable[Sequence[str]]) -> tuple[dict[str, int], sparse.csr_array]:
    """The distinct items of `sequences`, numbered as first seen, and a matrix of how often each
    sequence has each item."""
    number: defaultdict[str, int] = defaultdict()
    number.default_factory = number.__len__  # a new item gets the next number
    numbers: list[int] = []
    ends = [0]
    for sequence in sequences:
        numbers.extend(map(number.__getitem__, sequence))  # no Python code runs per item
        ends.append(len(numbers))
    number.default_factory = None  # from now on, an unknown item is not added but missing
    # An item a sequence has twice is in its row twice, which products with the matrix add up.
    counts = sparse.csr_array(
        (np.ones(len(numbers), dtype=np.float32), np.array(numbers, dtype=np.int32), ends),
        shape=(len(ends) - 1, len(number)),
    )
    return number, counts


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
    """Answers queries from a TF-IDF space built once per knowledge-base version.

    Its rows are topic labels (grouped by topic, topics in slug order), then resources in id
    order. Hits are numbered the same way: topics, then resources.
    """

    def __init__(
        self,
        space: _TermSpace,
        label_starts: list[int],
        keys: list[str],
        names: list[str],
        suggester: _Suggester,
    ) -> None:
        self._space = space
        self._topics = len(label_starts) - 1
        self._labels = label_starts[-1]
        self._topic_of_label = np.repeat(np.arange(self._topics), np.diff(label_starts))
        self._keys = keys
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
            # One row per distinct wording: a name repeated as alias and slug would otherwise
            # count as three documents and lower its words' idf.
            wordings = {tuple(_analysed(label, _chunk_terms)): label for label in labels}
            documents.extend(wordings.values())
            label_starts.append(len(documents))
        for resource in resources:
            documents.append("\n".join((resource.title, *mention_texts.get(resource.id, ()))))
        return cls(
            _TermSpace.build(documents, _chunk_terms),
            label_starts,
            keys=[topic.slug for topic in topics] + [str(resource.id) for resource in resources],
            names=[topic.name for topic in topics] + [resource.title for resource in resources],
            suggester=_Suggester(topics),
        )

    def search(self, q: str, limit: int = 20, kinds: set[str] | None = None) -> list[Hit]:
        """The best `limit` hits: by score, then topics before resources, then by key."""
        wanted = HIT_TYPES if kinds is None else kinds
        if unknown := set(wanted) - set(HIT_TYPES):
            raise ValueError(f"unknown hit types: {', '.join(sorted(unknown))}")
        if limit <= 0:
            return []
        rows, scores = self._space.similar(q)
        hits, found = [], []
        if "topic" in wanted:
            labels = rows < self._labels
            topics, label_scores = self._topic_of_label[rows[labels]], scores[labels]
            # Rows are sorted, so a topic's labels are adjacent; it scores by its best one.
            firsts = np.flatnonzero(np.diff(topics, prepend=-1))
            hits.append(topics[firsts])
            found.append(np.maximum.reduceat(label_scores, firsts))
        if "resource" in wanted:
            resources = rows >= self._labels
            hits.append(rows[resources] - self._labels + self._topics)
            found.append(scores[resources])
        if not hits:
            return []
        return self._best(np.concatenate(hits), np.concatenate(found), limit)

    def suggest(self, q: str, limit: int = 5) -> list[str]:
        """Slugs of the topics whose name, alias or slug is spelled closest to `q`."""
        return self._suggester.suggest(q, limit)

    def _best(self, hits: np.ndarray, scores: np.ndarray, limit: int) -> list[Hit]:
        if len(scores) > limit:
            # Keep all that tie with the last one in, so that the tie-break below decides
            # between them, not argpartition's arbitrary order.
            last = np.argpartition(-scores, limit - 1)[limit - 1]
            kept = scores >= scores[last]
            hits, scores = hits[kept], scores[kept]
        # Hits are numbered topics by slug, then resources by id: the tie-break.
        order = np.lexsort((hits, -scores))[:limit]
        return [self._hit(int(hits[i]), float(scores[i])) for i in order]

    def _hit(self, number: int, score: float) -> Hit:
        kind: HitType = "topic" if number < self._topics else "resource"
        return Hit(kind, self._keys[number], self._names[number], score)


class _Suggester:
    """Near spellings of topic names: shared character pairs find candidates, difflib ranks them."""

    CANDIDATES = 30
    CUTOFF = 0.6  # difflib's ratio below which a name is too far off to suggest

    def __init__(self, topics: list[TopicView]) -> None:
        labels = {
            " ".join(label.lower().split()): topic.slug
            for topic in topics
            for label in (topic.slug, topic.name, *topic.aliases)
        }
        self._labels = list(labels)
        self._slugs = list(labels.values())
        self._space = _TermSpace.build(self._labels, _bigrams)

    def suggest(self, q: str, limit: int) -> list[str]:
        text = " ".join(q.lower().split())
        if limit <= 0:
            return []
        candidates, similarity = self._space.similar(text)
        if len(candidates) > self.CANDIDATES:
            candidates = candidates[
                np.argpartition(-similarity, self.CANDIDATES)[: self.CANDIDATES]
            ]
        matcher = difflib.SequenceMatcher(b=text)  # difflib caches what it learns of `b`
        closeness: dict[str, float] = {}
        for label in candidates:
            matcher.set_seq1(self._labels[label])
            if matcher.quick_ratio() < self.CUTOFF:  # an upper bound of ratio(), cheaper
                continue
            ratio, slug = matcher.ratio(), self._slugs[label]
            if ratio >= self.CUTOFF and ratio > closeness.get(slug, 0.0):
                closeness[slug] = ratio
        return sorted(closeness, key=lambda slug: (-closeness[slug], slug))[:limit]
