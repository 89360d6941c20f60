"""A learned guess of a resource's kind from its URL and title, trained on TutorialBank.

TutorialBank (Fabbri et al., ACL 2018; `../shared/data/tutorialbank/resources.tsv`) labels
about 16,000 resources by hand with a `medium`. `MEDIUM_KINDS` maps each medium to one of our
kinds, once, here:

    =============== ================ ================================================
    medium          kind             why
    =============== ================ ================================================
    Lectures        lecture notes    slides and notes of university courses
    Tutorials       tutorial
    Resources       article          blog posts and explainers (see below)
    Libraries       library
    Papers          paper
    Surveys         paper            a survey is a paper (our vocabulary has no survey)
    Corpora         dataset
    Books, book     book             the corpus spells it both ways
    NACLO Problems  other            linguistics-olympiad exercise problems: neither a
                                     paper nor a tutorial, and we have no exercise kind
    Other           other
    =============== ================ ================================================

TutorialBank's README calls "Resources" collections, lists and sites, but the rows say
otherwise: most are single blog posts (medium.com and towardsdatascience.com alone are 600 of
the 1,715) and fewer than one in forty is a list of links. Learning "link collection" from them
would call every blog post a link collection, so they teach the model "article"; link
collections are recognised by the rules of `kb.extraction.kinds`. Rows whose medium is none of these
(a few malformed ones) are skipped.

Features: TF-IDF of character 3-5-grams of the URL (without scheme and "www."), of its words
and word pairs, of its shape (host and the domains above it, file extension, path depth), and
of the title's words and word pairs; a multinomial logistic regression on them gives a
probability per kind. The settings were chosen by cross-validation on the training part, and
``--validate`` measures them on a fifth of it. About a fifth of the rows, chosen by a stable
hash of the canonical URL (`kb.urls.normalize_url`), is held out: never trained on, only
measured.

The model ships as plain JSON (`kb/data/kind_model.json`: the vectorisers' settings,
vocabularies and idf, the coefficients, intercepts and classes), not as a pickle, which breaks
across scikit-learn versions. Rebuild it with ``make kind-model``, that is::

    python -m kb.extraction.kind_model --tutorialbank ../shared/data/tutorialbank/resources.tsv

which trains, prints the held-out accuracy and confusion table, and writes the JSON. Nothing
reads `../shared` at run time.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix

from kb.urls import normalize_url

__all__ = [
    "MEDIUM_KINDS",
    "Example",
    "KindModel",
    "is_held_out",
    "load",
    "read_tutorialbank",
    "train",
]

MEDIUM_KINDS = {
    "Lectures": "lecture notes",
    "Tutorials": "tutorial",
    "Resources": "article",  # mostly blog posts, not lists: see the module docstring
    "Libraries": "library",
    "Papers": "paper",
    "Surveys": "paper",
    "Corpora": "dataset",
    "Books": "book",
    "book": "book",
    "NACLO Problems": "other",  # exercise problems of a linguistics olympiad: no kind of ours
    "Other": "other",
}

FORMAT = 1
MODEL_FILE = "data/kind_model.json"
DEFAULT_TUTORIALBANK = (
    Path(__file__).resolve().parents[3] / "shared/data/tutorialbank/resources.tsv"
)
HELD_OUT_SHARE = 0.2
C = 10.0  # inverse regularisation: 5, 10 and 20 were within noise in cross-validation
KEPT_FEATURES = 20_000  # as accurate as 35,000 in cross-validation; the file is 1-2 MB

_SCHEME_AND_WWW = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//(?:www\.)?")


def _url_text(url: str) -> str:
    return _SCHEME_AND_WWW.sub("", url.strip().lower())


def _url_shape(url: str) -> str:
    """The host and each domain above it, the file extension and the path depth, as whole
    tokens: "web.stanford.edu/class/x.pdf" is "h:web.stanford.edu h:stanford.edu h:edu x:pdf
    d:1", so that a host's habits (a university's PDFs are lecture notes) are one weight."""
    text = _url_text(url).split("?")[0].split("#")[0]
    host, _, path = text.partition("/")
    labels = host.split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels))]
    last = path.rsplit("/", 1)[-1]
    extension = last.rsplit(".", 1)[-1] if "." in last else "none"
    depth = min(path.count("/"), 6)
    return " ".join([f"h:{d}" for d in domains] + [f"x:{extension}", f"d:{depth}"])


def _url_of(url: str, title: str) -> str:
    return _url_text(url)


def _shape_of(url: str, title: str) -> str:
    return _url_shape(url)


def _title_of(url: str, title: str) -> str:
    return title


# Per field: the text it reads, and how that is analysed. The analysis is stored in the JSON,
# so that loading analyses the same way; the field names tie it to these functions.
_FIELDS: dict[str, tuple[Callable[[str, str], str], dict]] = {
    "url chars": (_url_of, {"analyzer": "char_wb", "ngram_range": [3, 5], "sublinear_tf": True}),
    "url words": (
        _url_of,
        {"token_pattern": r"[a-z0-9]+", "ngram_range": [1, 2], "sublinear_tf": True},
    ),
    "url shape": (_shape_of, {"token_pattern": r"\S+", "lowercase": False}),
    "title words": (_title_of, {"ngram_range": [1, 2], "sublinear_tf": True}),
}


def _field_texts(field: str, urls: Sequence[str], titles: Sequence[str]) -> list[str]:
    text_of = _FIELDS[field][0]
    return [text_of(url, title) for url, title in zip(urls, titles, strict=True)]


def _vectorizer(analysis: dict, **options) -> TfidfVectorizer:
    settings = {**analysis}
    if "ngram_range" in settings:  # a list in JSON, a tuple for scikit-learn
        settings["ngram_range"] = tuple(settings["ngram_range"])
    return TfidfVectorizer(**settings, **options)


@dataclass(frozen=True)
class Example:
    url: str
    title: str
    kind: str


def read_tutorialbank(path: Path) -> list[Example]:
    """The labelled rows of `resources.tsv`, skipping those whose medium is not a known one."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Example(row["url"], row["title"], MEDIUM_KINDS[row["medium"]])
            for row in rows
            if row.get("medium") in MEDIUM_KINDS and row.get("url")
        ]


def is_held_out(url: str) -> bool:
    """Whether a URL belongs to the held-out part: a stable hash, so a rebuild never trains on
    it, and every spelling of one resource falls on the same side."""
    return _share(url, salt="") < HELD_OUT_SHARE


def _share(url: str, salt: str) -> float:
    digest = hashlib.sha256((salt + normalize_url(url)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class KindModel:
    """Vectorisers per field, then a linear model: probabilities are the softmax of its scores."""

    vectorizers: dict[str, TfidfVectorizer]
    coef: np.ndarray  # classes x features
    intercept: np.ndarray
    classes: tuple[str, ...]

    def features(self, urls: Sequence[str], titles: Sequence[str]) -> sparse.csr_matrix:
        blocks = [
            vectorizer.transform(_field_texts(field, urls, titles))
            for field, vectorizer in self.vectorizers.items()
        ]
        return sparse.hstack(blocks, format="csr")

    def probabilities(self, urls: Sequence[str], titles: Sequence[str]) -> np.ndarray:
        scores = self.features(urls, titles) @ self.coef.T + self.intercept
        return softmax(scores, axis=1)

    def predict(self, url: str, title: str) -> tuple[str, float]:
        """The most probable kind and its probability."""
        return self.predict_all([url], [title])[0]

    def predict_all(self, urls: Sequence[str], titles: Sequence[str]) -> list[tuple[str, float]]:
        """`predict` of each (url, title), in one pass."""
        probabilities = self.probabilities(urls, titles)
        best = np.argmax(probabilities, axis=1)
        return [
            (self.classes[int(b)], float(row[int(b)]))
            for b, row in zip(best, probabilities, strict=True)
        ]

    def to_json(self) -> dict:
        fields = []
        for field, vectorizer in self.vectorizers.items():
            fields.append(
                {
                    "field": field,
                    "analysis": _FIELDS[field][1],
                    "terms": _terms(vectorizer),
                    "idf": _rounded(vectorizer.idf_),
                }
            )
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "fields": fields,
            "coef": [_rounded(row) for row in self.coef],
            "intercept": _rounded(self.intercept),
        }

    @classmethod
    def from_json(cls, data: dict) -> KindModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"kind model format {data.get('format')!r}, expected {FORMAT}")
        vectorizers = {}
        for entry in data["fields"]:
            if entry["field"] not in _FIELDS:
                raise ValueError(f"kind model field {entry['field']!r} is not known here")
            vectorizer = _vectorizer(entry["analysis"], vocabulary=entry["terms"])
            vectorizer.idf_ = np.asarray(entry["idf"])
            vectorizers[entry["field"]] = vectorizer
        return cls(
            vectorizers=vectorizers,
            coef=np.asarray(data["coef"]),
            intercept=np.asarray(data["intercept"]),
            classes=tuple(data["classes"]),
        )


def _rounded(values: np.ndarray) -> list[float]:
    """Five significant digits: the predictions do not change, the file is half the size."""
    return [float(f"{v:.5g}") for v in values]


def train(examples: Sequence[Example], kept_features: int = KEPT_FEATURES) -> KindModel:
    """Fit on every term seen twice, keep the `kept_features` terms that weigh most for some
    kind, and fit again on those alone (so that the shipped vocabulary is exactly the one the
    coefficients were fitted with, idf and normalisation included)."""
    urls = [e.url for e in examples]
    titles = [e.title for e in examples]
    kinds = [e.kind for e in examples]
    vectorizers, matrix = _vectorize(urls, titles, vocabularies=None)
    regression = LogisticRegression(C=C, max_iter=3000).fit(matrix, kinds)
    vocabularies = _strongest_terms(vectorizers, regression.coef_, kept_features)
    vectorizers, matrix = _vectorize(urls, titles, vocabularies)
    regression = LogisticRegression(C=C, max_iter=3000).fit(matrix, kinds)
    return KindModel(
        vectorizers=vectorizers,
        coef=regression.coef_,
        intercept=regression.intercept_,
        classes=tuple(str(c) for c in regression.classes_),
    )


def _vectorize(
    urls: Sequence[str], titles: Sequence[str], vocabularies: dict[str, list[str]] | None
) -> tuple[dict[str, TfidfVectorizer], sparse.csr_matrix]:
    vectorizers = {}
    blocks = []
    for field, (_, analysis) in _FIELDS.items():
        if vocabularies is None:
            vectorizer = _vectorizer(analysis, min_df=2)
        else:
            vectorizer = _vectorizer(analysis, vocabulary=vocabularies[field])
        blocks.append(vectorizer.fit_transform(_field_texts(field, urls, titles)))
        vectorizers[field] = vectorizer
    return vectorizers, sparse.hstack(blocks, format="csr")


def _strongest_terms(
    vectorizers: dict[str, TfidfVectorizer], coef: np.ndarray, count: int
) -> dict[str, list[str]]:
    """Per field, its terms among the `count` with the largest coefficient for any kind."""
    terms = [(field, term) for field, v in vectorizers.items() for term in _terms(v)]
    strongest = np.argsort(-np.abs(coef).max(axis=0), kind="stable")[:count]
    kept: dict[str, list[str]] = {field: [] for field in vectorizers}
    for i in sorted(strongest):
        field, term = terms[i]
        kept[field].append(term)
    return kept


def _terms(vectorizer: TfidfVectorizer) -> list[str]:
    """The vocabulary in column order."""
    return vectorizer.get_feature_names_out().tolist()


@cache
def load() -> KindModel:
    """The shipped model, read once per process."""
    text = resources.files("kb").joinpath(MODEL_FILE).read_text("utf-8")
    return KindModel.from_json(json.loads(text))


def evaluate(model: KindModel, examples: Sequence[Example]) -> tuple[float, str]:
    """Accuracy on `examples` and a confusion table (rows: TutorialBank's kind, columns: ours)."""
    truth = [e.kind for e in examples]
    probabilities = model.probabilities([e.url for e in examples], [e.title for e in examples])
    predicted = [model.classes[i] for i in np.argmax(probabilities, axis=1)]
    labels = list(model.classes)
    table = confusion_matrix(truth, predicted, labels=labels)
    width = max(len(label) for label in labels)
    lines = [" " * width + " " + " ".join(f"{label[:7]:>7}" for label in labels)]
    lines += [
        f"{label:>{width}} " + " ".join(f"{n:>7}" for n in row)
        for label, row in zip(labels, table, strict=True)
    ]
    return accuracy_score(truth, predicted), "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m kb.extraction.kind_model", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--tutorialbank", type=Path, default=DEFAULT_TUTORIALBANK)
    parser.add_argument(
        "--output", type=Path, default=Path(str(resources.files("kb").joinpath(MODEL_FILE)))
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="train on four fifths of the training part, measure on the rest; write nothing",
    )
    args = parser.parse_args(argv)
    examples = read_tutorialbank(args.tutorialbank)
    training = [e for e in examples if not is_held_out(e.url)]
    if args.validate:
        is_validation = [_share(e.url, salt="validation") < HELD_OUT_SHARE for e in training]
        measured = [e for e, v in zip(training, is_validation, strict=True) if v]
        training = [e for e, v in zip(training, is_validation, strict=True) if not v]
        name = "validation"
    else:
        measured = [e for e in examples if is_held_out(e.url)]
        name = "held-out"
    model = train(training)
    accuracy, table = evaluate(model, measured)
    print(f"trained on {len(training)} rows; {name} accuracy {accuracy:.2%} on {len(measured)}")
    print(table)
    if not args.validate:
        args.output.write_text(json.dumps(model.to_json(), separators=(",", ":")) + "\n")
        print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
