"""A resource's title: its best description among what the guides write of it.

The anchor an author wrote most often wins, but not one that says where rather than what
("here", "this", "[pdf]", "blog post", "video"), nor a lone word or a bare person's name when a
better one is at hand: another mention's anchor, the title the guide quotes beside the link
(a citation's "Deep residual learning for image recognition"), or the words of the URL. A
mention keeps its anchor exactly as written; only the resource's title is chosen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# Link texts that say where or what sort, not what: never a title of their own.
_MEANINGLESS = re.compile(
    r"^\W*(?:here|this|that|link|links|pdf|html|source|code|this one|click here|more|see|"
    r"read more|read it here|available here|website|site|homepage|home page|web ?page|page|"
    r"blog|blog post|post|article|video|videos|paper|slides|book|course|tutorial|notes|"
    r"repo|repository|github|github repo|docs|documentation|online|download|demo|"
    r"part \d+|\d+|[ivx]+|arxiv|pdf here|free|free version|official site|alternative|mirror)\W*$",
    re.I,
)
# Link texts that lean on their sentence ("its videos", "and for videos!"): a title only when
# no mention has a better one.
_WEAK = re.compile(r"^(?:its|their|his|her|my|our|and|or|also|e\.g\.|for|with|by)\b", re.I)
_PERSON = re.compile(r"^(?:[A-Z][a-z'\-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z'\-]+|[A-Z]\.)){1,3}$")
_QUOTED = re.compile(r"[\"\u201c]\s*([^\"\u201c\u201d]{12,200}?)\s*[\"\u201d]")


LONGEST_GUESS_WORDS = 8  # an inferred anchor longer than this is more likely the sentence


@dataclass(frozen=True)
class Named:
    """What one mention says of its resource: its anchor, its sentence, whether the anchor's
    end was guessed (a text dump marks none)."""

    anchor: str
    context: str
    inferred: bool = False


def is_meaningless(anchor: str) -> bool:
    return not anchor.strip() or bool(_MEANINGLESS.match(anchor))


def best_title(mentions: Sequence[Named], url: str) -> str:
    """The anchor the author wrote most often: self-standing anchors first, then exact before
    inferred ones, descriptive before lone words and names, then the most frequent, then the
    longest; else a title the guide quotes beside the link; else the URL's words."""
    counts = Counter(m.anchor for m in mentions if m.anchor and not is_meaningless(m.anchor))
    exact = {m.anchor for m in mentions if not m.inferred}
    quoted = next(filter(None, (_quoted(m.context) for m in mentions)), None)

    def rank(anchor: str):
        return (
            anchor.startswith(("http://", "https://")),
            bool(_WEAK.match(anchor)),
            anchor not in exact,
            _thin(anchor),
            -counts[anchor],
            -len(anchor),
            anchor,
        )

    ranked = sorted(counts, key=rank)
    best = ranked[0] if ranked else None
    if best is not None and best not in exact and len(best.split()) > LONGEST_GUESS_WORDS:
        best = None  # a text dump's guess at where an anchor ends, and a long one: unsure
    if best is not None and not _thin(best) and not best.startswith(("http://", "https://")):
        return best
    better = quoted or _words_of(url)
    if best is None or best.startswith(("http://", "https://")):
        return better or _host(url)
    return better if better and _thin(best) and len(better.split()) > 1 else best


def _thin(anchor: str) -> bool:
    """A lone word ("Keras") or a bare person's name ("Andrej Karpathy") says little of what
    a resource is, when something better is at hand."""
    return len(anchor.split()) < 2 or bool(_PERSON.match(anchor))


def _quoted(context: str) -> str | None:
    found = _QUOTED.search(context)
    return found.group(1).strip(" .,") if found else None


def _words_of(url: str) -> str | None:
    """The last path segment's words, with the site: ".../how-to-read-papers/" -> "how to read
    papers (site.org)"; None when the path says nothing in words."""
    parts = urlsplit(url)
    segments = [w for w in unquote(parts.path).split("/") if w]
    tail = re.sub(r"\.\w{1,5}$", "", segments[-1]) if segments else ""
    tail = re.sub(r"[-_+]+", " ", tail).strip()
    if len(re.findall(r"[A-Za-z]{2,}", tail)) < 2:
        return None
    return f"{tail} ({_host(url)})"


def _host(url: str) -> str:
    return urlsplit(url).hostname or url
