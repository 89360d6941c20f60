"""Which post an imported document is an edition of, by how much of the text they share.

Texts are compared as TF-IDF vectors of their skeleton words (lower-case ASCII), so a lower-cased
dump and a reprint without links still meet the original draft.
"""

from __future__ import annotations

import re

from kb.extraction.vocabulary import TOKEN

# Editions of one post measured 0.4-0.6 between them; two posts on one subject 0.1-0.2.
SAME_POST = 0.3


def _words(text: str) -> str:
    # Any script counts; the placeholder word keeps a text of symbols alone comparable.
    return " ".join(re.findall(r"\w+", TOKEN.sub(" ", text.lower()))) or "untitled"


def group_editions(existing: dict[int, list[str]], new: list[str]) -> list[int]:
    """For each new text, the id of the existing source it belongs to; new texts that belong to
    no existing source get a negative number, the same for texts of one new post."""
    # Imported here: scikit-learn takes a second to load, which only imports need to pay.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    sources = sorted(existing)
    texts = [t for s in sources for t in existing[s]] + new
    owners: list[int] = [s for s in sources for _ in existing[s]] + [
        -1 - i for i in range(len(new))
    ]
    vectors = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(
        [_words(t) for t in texts]
    )
    similarity = cosine_similarity(vectors)
    offset = len(texts) - len(new)
    # Union-find over the new texts; each joins its most similar match above the threshold.
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(offset, len(texts)):
        for j in range(len(texts)):
            if j != i and similarity[i, j] >= SAME_POST:
                a, b = sorted((root(i), root(j)))
                parent[b] = a  # the smaller index, an existing edition if there is one, leads
    return [owners[root(i)] for i in range(offset, len(texts))]
