"""Classify a learning resource into one controlled vocabulary of kinds, and guess its access.

`classify` takes at most one verdict from each source of evidence and keeps the most
confident (on equal confidence the earlier source wins), so these tiers are the precedence:

    0.9   unambiguous URL pattern (YouTube video/playlist/channel, arXiv abs/pdf, GitHub
          repository or awesome list, ``.ipynb``, slide decks and lecture PDFs, tweet, forum
          thread, docs site, Wikipedia, manning.com/books, course platforms, an image, ...)
    0.8   a word in the anchor text ("book", "slides", "video series", "10 best courses", ...)
    0.7   a likely URL pattern (gist, Amazon product, distill.pub article, a blog's front page
          or tag page, a podcast host)
    0.6   a word in the sentence around the link (also a citation, or a course's "8 weeks")
    0.5   a loose URL hint (other GitHub pages, a PDF on a university host, "tutorial" in
          the path, ...)
    0.4   the section heading ("Datasets" -> dataset, "Frameworks" -> library)
    0.3   default "article" for a blog-like URL (medium.com, blog.*, dated paths, post slugs)
    0.125-0.25  the learned model (`kind_model`), where no rule decides: its probability
          times 0.25
    0.1   default "other", also where the model is less than 50% sure

So a precise URL beats what the author called it (a Kaggle notebook *about* datasets is a
notebook), while the author's own word in the anchor beats a loose URL guess. Within one text
the word table is read top-down, so specific phrases ("video series", "cheat sheet", "book")
beat generic ones ("video", "interactive").

The model ranks below every rule because, measured on the annotated study guides, every rule
was right more often than it: it learned TutorialBank, a lecture-heavy NLP corpus whose labels
cover only 8 of our kinds, and ranked just below the unambiguous URL patterns it agreed with
the experts on 70% of the guides' links, against 90% at the bottom. So it decides the links
that no rule knows, instead of "other". Where the two disagree, the rules follow the guides:
TutorialBank's PDFs on university hosts are mostly lecture notes (86%), the guides' mostly
papers, so such a PDF is a paper by a loose URL hint only, and lecture notes when its path says
"slides" or "lecture".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote, urlsplit

from kb.extraction import kind_model
from kb.extraction.titles import is_meaningless
from kb.urls import add_missing_scheme
from kb.values import ACCESS, KINDS

__all__ = ["ACCESS", "KINDS", "KindDecision", "classify", "classify_access"]


URL_STRONG = 0.9
ANCHOR_WORDS = 0.8
URL_LIKELY = 0.7
CONTEXT_WORDS = 0.6
URL_HINT = 0.5
SECTION = 0.4
BLOG_DEFAULT = 0.3
DEFAULT = 0.1
MODEL_WEIGHT = 0.25  # the model's confidence is its probability times this: below every rule
MODEL_MIN_PROBABILITY = 0.5


@dataclass(frozen=True)
class KindDecision:
    kind: str
    rule: str  # stable, human-readable name of the deciding rule, e.g. "url:*.ipynb"
    confidence: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside [0, 1]")


@dataclass(frozen=True)
class _Url:
    host: str  # lower-case, without "www."
    segments: tuple[str, ...]  # decoded, non-empty path segments, lower-case
    path: str  # decoded path, lower-case

    def on(self, *domains: str) -> bool:
        """The host is one of `domains` or a subdomain of one."""
        return not self.domains.isdisjoint(domains)

    @cached_property
    def domains(self) -> frozenset[str]:
        """The host and each domain above it: "a.b.org", "b.org", "org"."""
        labels = self.host.split(".")
        return frozenset(".".join(labels[i:]) for i in range(len(labels)))

    def first(self, *segments: str) -> bool:
        return bool(self.segments) and self.segments[0] in segments

    def words(self) -> set[str]:
        return set(re.split(r"[^a-z0-9]+", self.path))


def _parse(url: str) -> _Url | None:
    """Host and path of a link; a relative link has an empty host but its path still counts."""
    try:
        parts = urlsplit(add_missing_scheme(url.strip()))
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return None
    path = unquote(parts.path).lower()
    return _Url(host, tuple(s for s in path.split("/") if s), path)


def _split(words: str) -> tuple[str, ...]:
    return tuple(words.split())


# Homepages of libraries (exact hosts); any other page on them is their documentation.
_LIBRARY_SITES = _split(
    """keras.io tensorflow.org pytorch.org torch.ch caffe.berkeleyvision.org scikit-learn.org
    numpy.org scipy.org pandas.pydata.org jupyter.org mxnet.apache.org"""
)
# Publishers whose pages are papers (arXiv has its own rule: its listings are not papers).
_PAPER_HOSTS = _split(
    """openreview.net aclanthology.org aclweb.org papers.nips.cc papers.neurips.cc
    proceedings.neurips.cc proceedings.mlr.press jmlr.org biorxiv.org dl.acm.org"""
)
_CODE_EXTENSIONS = _split(".py .r .jl .lua .js .ts .c .cc .cpp .h .hpp .cu .java .scala .go .rs")
_BLOG_HOSTS = _split(
    "medium.com hackernoon.com towardsdatascience.com blogspot.com wordpress.com substack.com"
)
_DATE_PATH = re.compile(r"/(?:19|20)\d\d/\d\d?/")
_IMAGE_EXTENSIONS = _split(".png .jpg .jpeg .gif .svg .webp")
_SLIDE_HOSTS = _split("slideshare.net speakerdeck.com slides.com")
_SLIDE_EXTENSIONS = _split(".pdf .ppt .pptx .key")
# "slides", "lecture3", "lec-05", "notes", "handout": in TutorialBank, 89% of the PDFs whose path
# says so are lecture notes (the rest mostly tutorial slides).
_LECTURE_PATH = re.compile(
    r"(?<![a-z])(?:slides?|lectures?|lec|notes|handouts?|lecturenotes)(?:[\d_-]|(?![a-z]))"
)
# The last segment of a post's path: three or more words ("how-to-learn-machine-learning"),
# perhaps with a page extension or an id ("...-e90ceda5a4bc").
_POST_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}(?:\.html?|\.php)?")
_PODCAST_HOSTS = _split("soundcloud.com anchor.fm podcasts.apple.com podcasts.google.com")
_QA_SITES = _split("quora.com stackoverflow.com stackexchange.com")


def _url_decision(u: _Url | None) -> KindDecision | None:
    """The verdict of the first URL rule that matches; the order of the rules matters."""
    if u is None:
        return None
    path, segments = u.path, u.segments
    labels = u.host.split(".")

    if path.endswith(_IMAGE_EXTENSIONS):  # a picture, however it is captioned
        return KindDecision("other", "url:image", URL_STRONG)

    # Notebooks, wherever they are hosted (a .ipynb on GitHub is a notebook, not a repository).
    if path.endswith(".ipynb"):
        return KindDecision("notebook", "url:*.ipynb", URL_STRONG)
    if u.on("nbviewer.jupyter.org", "nbviewer.org", "colab.research.google.com"):
        return KindDecision("notebook", "url:nbviewer/colab", URL_STRONG)
    if u.on("kaggle.com"):
        if {"code", "kernels"} & set(segments):
            return KindDecision("notebook", "url:kaggle notebook", URL_STRONG)
        if u.first("datasets"):
            return KindDecision("dataset", "url:kaggle datasets", URL_STRONG)
        if u.first("learn"):
            return KindDecision("course", "url:kaggle learn", URL_STRONG)
    if u.on("huggingface.co") and u.first("datasets"):
        return KindDecision("dataset", "url:huggingface.co datasets", URL_STRONG)

    # Videos: a channel is a video series too.
    if u.on("youtube.com"):
        if u.first("watch", "embed", "shorts"):
            return KindDecision("video", "url:youtube.com/watch", URL_STRONG)
        if u.first("playlist"):
            return KindDecision("video", "url:youtube.com/playlist", URL_STRONG)
        if u.first("user", "channel", "c") or (segments and segments[0].startswith("@")):
            return KindDecision("video", "url:youtube.com channel", URL_STRONG)
    if u.on("youtu.be", "videolectures.net") or (u.on("vimeo.com") and path[1:].isdigit()):
        return KindDecision("video", "url:video host", URL_STRONG)

    # Slides: decks on slide hosts, and PDFs or slide files whose path says slides or lecture.
    if u.on(*_SLIDE_HOSTS) and segments:
        return KindDecision("lecture notes", "url:slide host", URL_STRONG)
    if path.endswith(_SLIDE_EXTENSIONS) and _LECTURE_PATH.search(path):
        return KindDecision("lecture notes", "url:lecture slides", URL_STRONG)

    # Papers.
    if u.on("arxiv.org") and u.first("abs", "pdf"):
        return KindDecision("paper", "url:arxiv abs/pdf", URL_STRONG)
    if u.on(*_PAPER_HOSTS) and segments:
        return KindDecision("paper", "url:paper host", URL_STRONG)

    # GitHub: an awesome list, a repository or a source file in one (notebooks were handled).
    if u.host == "github.com" and len(segments) >= 2:
        if segments[1].startswith("awesome"):
            return KindDecision("link collection", "url:github.com awesome list", URL_STRONG)
        if len(segments) == 2 or segments[2] == "tree":
            return KindDecision("code repository", "url:github.com repository", URL_STRONG)
        if segments[2] == "blob" and path.endswith(_CODE_EXTENSIONS):
            return KindDecision("code repository", "url:github.com source file", URL_STRONG)

    # Social posts: threads, forums and chat communities; an answer on a Q&A site is an article.
    if u.on("twitter.com", "x.com") and "status" in segments:
        return KindDecision("social post", "url:twitter.com status", URL_STRONG)
    if u.on(*_QA_SITES) and ("answer" in segments or u.first("a")):
        return KindDecision("article", "url:Q&A answer", URL_STRONG)
    if u.on(*_QA_SITES) and segments:
        return KindDecision("social post", "url:Q&A question", URL_STRONG)
    if (u.on("reddit.com") and "comments" in segments) or u.on("news.ycombinator.com"):
        return KindDecision("social post", "url:forum thread", URL_STRONG)
    if (
        (u.on("reddit.com") and u.first("r"))
        or u.on("discord.gg", "discord.com")
        or labels[0] in ("forum", "forums", "discuss", "discourse", "community")
    ):
        return KindDecision("social post", "url:forum", URL_STRONG)

    if u.on("wikipedia.org"):  # an encyclopedia entry
        return KindDecision("article", "url:wikipedia", URL_STRONG)

    # Books and courses sold or hosted by their publishers.
    if (u.on("manning.com") and u.first("books")) or (
        u.on("oreilly.com") and u.first("library", "product")
    ):
        return KindDecision("book", "url:book publisher", URL_STRONG)
    if (
        (
            u.on("coursera.org")
            and u.first("learn", "specializations", "course", "professional-certificates")
        )
        or (u.on("edx.org") and u.first("course", "courses", "learn"))
        or (u.on("udacity.com", "udemy.com") and u.first("course", "courses"))
        or (u.on("khanacademy.org") and segments)
        or labels[0] in ("course", "courses")
    ):
        return KindDecision("course", "url:course platform", URL_STRONG)

    # Libraries and their documentation.
    if u.on("pypi.org") and u.first("project"):
        return KindDecision("library", "url:pypi.org project", URL_STRONG)
    if u.host in _LIBRARY_SITES and not segments:
        return KindDecision("library", "url:library homepage", URL_STRONG)
    docs_site = (u.host.startswith("docs.") and u.host != "docs.google.com") or u.on(
        "readthedocs.io", "readthedocs.org"
    )
    if docs_site or u.host in _LIBRARY_SITES:
        if "tutorial" in path:
            return KindDecision("tutorial", "url:docs tutorial", URL_STRONG)
        return KindDecision("documentation", "url:docs site", URL_STRONG)

    # Likely, but the author's words in the anchor may know better.
    if u.on("gist.github.com"):
        return KindDecision("code repository", "url:gist.github.com", URL_LIKELY)
    if u.on("youtube.com") and segments:
        return KindDecision("video", "url:youtube.com page", URL_LIKELY)
    if u.on("distill.pub") and segments:  # a peer-reviewed journal
        return KindDecision("paper", "url:distill.pub article", URL_LIKELY)
    if labels[0] == "amazon" or u.host == "amzn.to":  # a DL guide links books there
        return KindDecision("book", "url:amazon product", URL_LIKELY)
    if _is_listing(u):
        return KindDecision("link collection", "url:listing page", URL_LIKELY)
    if u.on(*_PODCAST_HOSTS) or (u.on("open.spotify.com") and u.first("show", "episode")):
        # audio: a kind our vocabulary lacks
        return KindDecision("other", "url:podcast host", URL_LIKELY)

    # Hints only: any sentence around the link says more.
    academic = "edu" in labels or labels[-2:-1] == ["ac"]
    if path.endswith(".pdf") and academic:
        # Papers in study guides, though lecture notes in TutorialBank's course-heavy corpus.
        return KindDecision("paper", "url:academic pdf", URL_HINT)
    if academic and any(_COURSE_PAGE.fullmatch(part) for part in (*labels[:-2], *segments)):
        return KindDecision("course", "url:academic course page", URL_HINT)
    if u.host == "github.com" and path.endswith((".md", ".markdown")):  # a README's list of links
        return KindDecision("link collection", "url:github.com markdown", URL_HINT)
    if u.on("github.com", "gitlab.com", "bitbucket.org"):
        return KindDecision("code repository", "url:code host", URL_HINT)
    if u.on("twitter.com", "x.com", "reddit.com", "facebook.com", "linkedin.com"):
        return KindDecision("social post", "url:social site", URL_HINT)
    words = u.words()
    for kind, path_words in _PATH_WORDS:
        if words & path_words:
            return KindDecision(kind, f"url:path '{kind}'", URL_HINT)
    return None


def _is_listing(u: _Url) -> bool:
    """A blog's or publication's front page, or a tag or topic page: a list of posts."""
    if u.first("search"):
        return True
    if u.first("tag", "tags", "topic", "topics", "category", "categories"):
        return not _POST_SLUG.fullmatch(u.segments[-1])
    blog = u.on(*_BLOG_HOSTS) or u.host.startswith("blog.")
    return blog and (not u.segments or (u.on("medium.com") and len(u.segments) == 1))


_PATH_WORDS = (
    ("tutorial", {"tutorial", "tutorials"}),
    ("course", {"course", "courses", "syllabus", "bootcamp", "masterclass"}),
    ("book", {"book", "books", "textbook", "textbooks"}),
    ("dataset", {"dataset", "datasets"}),
    ("link collection", {"roadmap", "roadmaps"}),
)


# The alternatives of each pattern `_words` made, for the quick test of a `_RuleSet`.
_WORD_LISTS: dict[re.Pattern[str], str] = {}


def _words(*patterns: str) -> re.Pattern[str]:
    alternatives = "|".join(patterns)
    pattern = re.compile(r"\b(?:" + alternatives + r")\b", re.IGNORECASE)
    _WORD_LISTS[pattern] = alternatives
    return pattern


# "16 New Must Watch Tutorials, Courses on ...", "Top YouTube Videos on ...": a list of
# resources, not one of them.
_LISTICLE = re.compile(
    r"\b(?:\d+|top|best)\s+(?:[\w-]+\s+){0,4}"
    r"(?:videos|tutorials|courses|books|resources|papers|links|blogs)\b",
    re.IGNORECASE,
)
# "[1] Hinton, G. et al. "A fast learning algorithm..." Neural computation 18.7 (2006)"
_CITATION = re.compile(
    r'"[^"]{10,}"[^"]{0,100}\b(?:19|20)\d\d\b|\bet al\.|\bproceedings of\b'
    r"|\b(?:springer|acm|ieee)\b[^.]{0,40}\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_RESOURCES = _words(
    "awesome",
    "curated",
    r"list of (?:\w+ ){0,3}(?:resources|links)",
    "reading lists?",
    "roadmaps?",
    "learning paths?",
    "study plans?",
    "resources",
    "gallery of",
)
# A host label or path segment of a university's course page: its code ("cs229", "stat110",
# "18.06"), its term ("fall16", "wi22", "19sp", "2019fall") or the folder of its classes.
_COURSE_PAGE = re.compile(
    r"(?:cs|cse|csc|cis|cos|comp|ee|eecs|stat|stats|math|ece)[-_]?\d{2,4}[a-z]?|\d{1,2}\.\d{2,3}\w*"
    r"|(?:fall|spring|summer|winter|fa|sp|su|wi|f|s)[-_]?(?:\d{2}|\d{4})|(?:\d{4})?(?:fall|spring)"
    r"|\d{2}(?:fa|sp|su|wi|au)"
    r"|class|classes|courses?|teaching",
    re.I,
)
_COURSE_CODE = re.compile(
    r"\b(?:CS|CSE|CSC|CIS|COS|COMP|EE|STATS?)\s?\d{2,4}[a-z]?\b|\b6\.S?\d{3}\b"
)


_Rule = tuple[str, re.Pattern[str], str]  # label used in the rule name, pattern, kind

# Read top-down: the first match decides.
_WORD_RULES: tuple[_Rule, ...] = (
    ("slides", _words("slides?", "slide decks?", "lecture notes", "course notes"), "lecture notes"),
    ("list", _LISTICLE, "link collection"),
    ("resources", _RESOURCES, "link collection"),
    ("video series", _words("video series", "series of videos"), "video"),
    ("lecture videos", _words("lecture videos?", "video lectures?", "recorded lectures?"), "video"),
    ("youtube", _words("youtube", "playlists?"), "video"),
    ("cheat sheet", _words("cheat ?sheets?"), "article"),
    ("review", re.compile(r"\breview\s*$", re.IGNORECASE), "article"),  # "Coursera ML review"
    ("book", _words("books?", "textbooks?", "e-?books?"), "book"),
    # not "of course"; a course also by its platform, its code ("CS 229") or its length
    (
        "course",
        _words(
            "(?<!of )courses?",
            "moocs?",
            "lectures",
            "class",
            "nano ?degree",
            "bootcamps?",
            "master ?class(?:es)?",
        ),
        "course",
    ),
    ("course platform", _words("coursera", "edx", "udacity"), "course"),
    ("course code", _COURSE_CODE, "course"),
    ("course length", _words(r"\d+(?:\s?[-–]\s?\d+)?\s+weeks", r"hours\s?/\s?week"), "course"),
    ("paper", _words("papers?", "preprints?"), "paper"),
    ("citation", _CITATION, "paper"),
    ("dataset", _words("datasets?", "data sets?", "corpus", "corpora"), "dataset"),
    (
        "tutorial",
        _words("tutorials?", "step-by-step", "walkthrough", "cookbooks?", "installing"),
        "tutorial",
    ),
    ("documentation", _words("documentation", "docs", "api reference"), "documentation"),
    ("demo", _words("demos?", "playground"), "interactive demo"),
    ("notebook", _words("notebooks?", "ipynb", "jupyter"), "notebook"),
    (
        "library",
        _words(
            "librar(?:y|ies)",
            "frameworks?",
            "packages?",
            "toolkits?",
            "toolbox(?:es)?",
            "(?:programming|systems|functional|scripting) languages?",
        ),
        "library",
    ),
    (
        "source code",
        _words("source code", "implementation", "repositor(?:y|ies)"),
        "code repository",
    ),
    ("tweet", _words("tweets?"), "social post"),
    ("forum", _words("forums?", "subreddit", "discord", "study group"), "social post"),
    # kinds of their own that our vocabulary lacks
    ("podcast", _words("podcasts?", "podcaster"), "other"),
    ("newsletter", _words("newsletters?", "weekly", "roundup"), "other"),
    ("event", _words("conferences?", "tournaments?"), "other"),
    ("video", _words("videos?", "screencasts?"), "video"),
    # the annotated guides' "guides" are explainers, not step-by-step tutorials
    ("article", _words("articles?", "blog posts?", "blog", "essay", "guides?"), "article"),
    ("in your browser", _words("in (?:your|a|the) browser"), "interactive demo"),
    ("interactive", _words("interactive"), "interactive demo"),
    # last: a link called just "[pdf]" follows a reference, as reading lists cite papers
    ("pdf", re.compile(r"^\W*pdf\W*$", re.IGNORECASE), "paper"),
)
# Titles of lists; read in the anchor only, since a sentence that says "resources" or "10
# courses" usually introduces the links it holds, each of them one resource.
_LIST_RULES = {"resources", "list"}
# A URL in the text, from its scheme: "(Tutorial)[http://..." keeps "(Tutorial)". A scheme is
# read from where a run of scheme characters starts, so a long run is read once.
_URL_IN_TEXT = re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://\S*", re.I)


class _Quick:
    """A pattern searched faster where it can be: a pattern that ignores case and has no
    capitals matches a lower-cased ASCII text without the engine's case folding just as it
    matches the text itself with it, at a fifth of the cost."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._lowered = None
        if pattern.flags & re.IGNORECASE and pattern.pattern == pattern.pattern.lower():
            self._lowered = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)

    def search(self, text: str) -> bool:
        if self._lowered is not None and text.isascii():
            return self._lowered.search(text.lower()) is not None
        return self.pattern.search(text) is not None


class _RuleSet:
    """Word rules read top-down, with a quick test of whether a text holds any of them: most
    texts hold none, and one search of all the word lists behind a shared word boundary costs
    a small part of one search per rule."""

    def __init__(self, rules: tuple[_Rule, ...]) -> None:
        self.rules = rules
        words = "|".join(_WORD_LISTS[p] for _, p, _ in rules if p in _WORD_LISTS)
        others = [p for _, p, _ in rules if p not in _WORD_LISTS]
        self._tests = [_Quick(p) for p in (re.compile(rf"\b(?:{words})\b", re.IGNORECASE), *others)]

    def decision(self, text: str, prefix: str, confidence: float) -> KindDecision | None:
        """The first rule whose words the text holds."""
        text = _URL_IN_TEXT.sub(" ", text)  # words inside a URL are not the author's description
        if not any(test.search(text) for test in self._tests):
            return None
        for label, pattern, kind in self.rules:
            if pattern.search(text):
                return KindDecision(kind, f"{prefix}:'{label}'", confidence)
        return None


_ANCHOR_RULES = _RuleSet(_WORD_RULES)
_CONTEXT_RULES = _RuleSet(tuple(rule for rule in _WORD_RULES if rule[0] not in _LIST_RULES))


_SECTION_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_words("datasets?", "data"), "dataset"),
    (_words("frameworks?", "librar(?:y|ies)", "tools?", "software"), "library"),
    (_words("courses?"), "course"),
    (_words("books?"), "book"),
    (_words("videos?", "talks?", "lectures?"), "video"),
    (_words("papers?", "research"), "paper"),
    (_words("tutorials?"), "tutorial"),
    (_words("notebooks?"), "notebook"),
    (_words("demos?", "play"), "interactive demo"),
    (_words("documentation", "docs"), "documentation"),
    (_words("forums?"), "social post"),
    (_words("podcasts?", "conferences?", "newsletters?", "games?"), "other"),  # not in KINDS
)


def _section_decision(section: str | None) -> KindDecision | None:
    section = (section or "").strip()
    for pattern, kind in _SECTION_RULES:
        if pattern.search(section):
            return KindDecision(kind, f"section:'{section}'", SECTION)
    return None


def _is_blog_like(u: _Url | None) -> bool:
    if u is None or u.path.endswith(".pdf"):
        return False
    return (
        u.on(*_BLOG_HOSTS)
        or u.host.startswith("blog.")
        or (u.on("github.io") and bool(u.segments))
        or bool({"blog", "posts", "post", "articles", "article", "news"} & set(u.segments))
        or bool(_DATE_PATH.search(u.path))
        or (bool(u.segments) and bool(_POST_SLUG.fullmatch(u.segments[-1])))
    )


def _looks_like_url(text: str) -> bool:
    text = text.strip()
    return "://" in text or add_missing_scheme(text) != text


@dataclass(frozen=True)
class Mentioned:
    """What `classify` reads of one mention: the URL, the link text (`anchor`), the sentence
    around it (`context`) and the heading above it (`section`)."""

    url: str
    anchor: str
    context: str
    section: str | None = None


def classify(url: str, anchor: str, context: str, section: str | None = None) -> KindDecision:
    """The kind of the resource at `url`, with the rule that decided and how sure it is.

    Rules are named "url:...", "words:'...'" (anchor), "context:'...'", "section:'...'",
    "default:blog-like", "model" (the learned model, where no rule decides) or "default".

    A precise URL beats the section heading; the author's word in the anchor decides a URL that
    says nothing:

    >>> classify("https://arxiv.org/abs/1512.03385", "ResNet", "", section="Datasets")
    KindDecision(kind='paper', rule='url:arxiv abs/pdf', confidence=0.9)
    >>> classify("https://example.org/notes", "Deep Learning book", "A classic.")
    KindDecision(kind='book', rule="words:'book'", confidence=0.8)
    """
    return classify_all([Mentioned(url, anchor, context, section)])[0]


def classify_all(mentions: Sequence[Mentioned]) -> list[KindDecision]:
    """`classify` of each mention; the model, where no rule decides, runs once for all of them
    (a prediction alone costs milliseconds, one of a batch a few microseconds)."""
    decided = [_by_rules(m) for m in mentions]
    undecided = [i for i, decision in enumerate(decided) if decision is None]
    if undecided:
        urls = [mentions[i].url for i in undecided]
        titles = [_title(mentions[i]) for i in undecided]
        for i, (kind, probability) in zip(
            undecided, kind_model.load().predict_all(urls, titles), strict=True
        ):
            sure = probability >= MODEL_MIN_PROBABILITY
            model = KindDecision(kind, "model", round(MODEL_WEIGHT * probability, 3))
            decided[i] = model if sure else KindDecision("other", "default", DEFAULT)
    return decided


def _title(mention: Mentioned) -> str:
    """What the model reads as the title: the anchor, unless it says nothing of the resource
    (a bare URL, "here", "alternative"), then its sentence."""
    anchor = mention.anchor
    return mention.context if _looks_like_url(anchor) or is_meaningless(anchor) else anchor


def _by_rules(mention: Mentioned) -> KindDecision | None:
    u = _parse(mention.url)
    # A bare link repeats the URL; its "words" describe nothing.
    anchor = "" if _looks_like_url(mention.anchor) else mention.anchor
    by_url = _url_decision(u)
    by_anchor = _ANCHOR_RULES.decision(anchor, "words", ANCHOR_WORDS)
    if (
        by_url
        and by_url.kind == "code repository"
        and by_anchor
        and by_anchor.kind == "link collection"
    ):
        by_url = None  # a repository whose link text names a list of resources is that list
    if by_url is not None and by_url.confidence >= URL_STRONG:
        return by_url
    candidates = [
        by_url,
        by_anchor,
        _CONTEXT_RULES.decision(mention.context, "context", CONTEXT_WORDS),
        _section_decision(mention.section),
    ]
    if _is_blog_like(u):
        candidates.append(KindDecision("article", "default:blog-like", BLOG_DEFAULT))
    decided = [d for d in candidates if d is not None]
    # max() keeps the first of equals
    return max(decided, key=lambda d: d.confidence) if decided else None


_PAID_HOSTS = _split("manning.com oreilly.com packtpub.com packt.com udemy.com pluralsight.com")
_FREE_HOSTS = _PAPER_HOSTS + _split(
    """arxiv.org github.com github.io githubusercontent.com youtube.com youtu.be wikipedia.org
    distill.pub kaggle.com nbviewer.jupyter.org nbviewer.org colab.research.google.com
    readthedocs.io stackoverflow.com stackexchange.com"""
)
# "free trial" / "free chapter" advertise something paid; "feel free" and "free parameters"
# are not about price at all.
_FREE_WORDS = _Quick(
    re.compile(
        r"(?<!feel )\bfree(?:ly)?\b(?!\s+(?:trial|chapters?|sample|preview|parameters?|variables?))"
        r"|\bopen[- ]access\b",
        re.IGNORECASE,
    )
)
_PAID_WORDS = _Quick(re.compile(r"\bpaywall(?:ed)?\b|\(paid\)", re.IGNORECASE))


def classify_access(url: str, anchor: str, context: str) -> str:
    """Return "free", "paid" or "unknown": known hosts first, then anchor words, then context.

    >>> classify_access("https://www.manning.com/books/deep-learning-with-python", "DLwP", "")
    'paid'
    >>> classify_access("https://example.org/course", "A course", "Start a free trial.")
    'unknown'
    """
    u = _parse(url)
    if u is not None:
        # amazon.com, amazon.co.uk, ... are shops; aws.amazon.com is not.
        if u.on(*_PAID_HOSTS) or u.host.split(".")[0] == "amazon":
            return "paid"
        if u.on(*_FREE_HOSTS):
            return "free"
    for text in (anchor, context):
        text = _URL_IN_TEXT.sub(" ", text)
        if _PAID_WORDS.search(text):
            return "paid"
        if _FREE_WORDS.search(text):
            return "free"
    return "unknown"
