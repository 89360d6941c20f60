"""Importer for HTML pages: a blog post saved from the web (or fetched), parsed with lxml.

The page is reduced to its article body, never the site's navigation, share buttons, sidebar or
footer:

1. The container is the first kind of element found among `<article>`, `[itemprop=articleBody]`,
   `<main>` / `[role=main]` and the usual blog-theme containers (`.post-content`, `.entry-content`,
   `.post`, `#content`...); of several candidates of one kind, the one with the most text wins.
   Candidates inside `<nav>`, `<aside>`, `<header>`, `<footer>` or a related/share/comments widget
   are ignored. Without any candidate, paragraph-text density decides (readability-like: each
   `<p>` scores its text length less its link text, the scores add up in every ancestor, and the
   deepest element holding two thirds of the page's score wins). A preferred candidate holding
   less than a quarter of that element's text is taken for a teaser card and passed over.
2. Inside the container, site chrome is skipped: header, nav, footer, aside, form, script, style,
   noscript, iframe, button... and elements whose class, id or role names a widget (share, social,
   related, comments, newsletter, subscribe, footer, sidebar, breadcrumb, nav, menu, widget).
3. Headings become sections (levels relative to the shallowest heading; the title h1 is not a
   section); p, li, blockquote, dd/dt, td/th and loose text become paragraphs in plain text; the
   `<a href>` of those paragraphs become links, resolved against the page URL.

Footnote references (`<sup><a href="#fn:1">1</a></sup>`) and back-references (`↩`) are left out of
the paragraph text, so a footnote number does not stick to the word before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html

from importers.document import Link, Paragraph, ParsedDocument, Section
from importers.sentences import Sentences, normalize_space
from kb.errors import InputError

NO_ARTICLE = "HTML has no article text"

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

# Never article text, wherever they are.
_SKIP_TAGS = frozenset(
    "head title meta link script style noscript template iframe frame frameset object embed "
    "form button input select textarea option label svg canvas dialog menu".split()
)
# Site chrome: skipped inside the article container, and no container is looked for inside them.
_CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
_CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
)
# A class or id token starting with one of these marks a widget, not article text.
_WIDGET_WORDS = (
    "share",
    "sharing",
    "social",
    "related",
    "comment",
    "newsletter",
    "subscri",
    "footer",
    "sidebar",
    "breadcrumb",
    "nav",
    "menu",
    "widget",
    "advert",
    "cookie",
)
# Of those, the ones that also disqualify everything below them when looking for the container
# (a layout wrapper such as "content-sidebar-wrap" must not hide the article inside it).
_WIDGET_WRAPPER_WORDS = ("share", "sharing", "social", "related", "comment", "newsletter", "widget")

# Elements whose content is a block of its own (a paragraph break before and after).
_BLOCK_TAGS = frozenset(
    "address article blockquote caption center dd details dialog div dl dt fieldset figcaption "
    "figure hgroup hr li main ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
_KIND_RANK = {"paragraph": 0, "item": 1, "quote": 2, "footnote": 3}

# Containers blog themes put the post in, by preference.
_CONTAINER_TIERS: tuple[tuple[str, str], ...] = (
    ("article", "//article"),
    ("itemprop=articleBody", "//*[@itemprop='articleBody']"),
    ("main", "//main | //*[@role='main']"),
    (
        "post container",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' post-content ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' article-content ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' article-body ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' post-body ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' post ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' entry ')"
        " or @id='content' or @id='main-content' or @id='main' or @id='post' or @id='article']",
    ),
)
# The density fallback takes the deepest element holding this share of the paragraph text.
_DENSE_SHARE = 0.66
# A preferred container with less than this share of the densest element's text is a teaser card.
_MIN_CONTAINER_SHARE = 0.25

_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "sms:", "about:", "callto:")
_TITLE_SEPARATORS = (" | ", " — ", " – ", " · ", " :: ", " » ", " « ")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# detect(): markers of an HTML document, and the tags that make a fragment look like HTML.
_DOCUMENT_MARKERS = ("<!doctype html", "<html", "<body", "<head>", "<head ")
_HTML_TAG = re.compile(
    r"<(?:p|div|span|a|h[1-6]|ul|ol|li|table|tr|td|article|section|main|header|footer|nav|"
    r"blockquote|pre|code|em|strong|br|img|meta|link|script|style|title)\b[^>]*>",
    re.IGNORECASE,
)


class HtmlImporter:
    format = "html"

    def detect(self, text: str) -> float:
        head = text.lstrip("\ufeff \t\r\n")[:4000].lower()
        if head.startswith(("<!doctype html", "<html")) or (
            head.startswith("<") and any(marker in head for marker in _DOCUMENT_MARKERS)
        ):
            return 0.9
        lowered = text[:200000].lower()
        if "<body" in lowered and "</body>" in lowered:
            return 0.7  # a page behind some leading junk
        sample = text[:20000]
        tags = len(_HTML_TAG.findall(sample))
        lines = [line for line in sample.splitlines() if line.strip()]
        if not lines or tags == 0:
            return 0.05
        tag_lines = sum(1 for line in lines if line.lstrip().startswith("<"))
        if tags >= 5 and tag_lines / len(lines) >= 0.5:
            return 0.9  # a fragment made of tags
        if tags >= 5:
            return 0.4
        return 0.1

    def parse(self, text: str, origin: str) -> ParsedDocument:
        root = _parse_tree(text, origin)
        body = root.find("body")
        if body is None:
            raise InputError(origin, NO_ARTICLE)

        base_url = _base_url(root, origin)
        container, how = _find_container(body)
        if container is None:
            raise InputError(origin, NO_ARTICLE)

        title, title_h1 = _title(root, container)
        walker = _Walker(base_url=base_url, title_h1=title_h1)
        walker.walk(container)
        if walker.prose_chars == 0:
            raise InputError(origin, NO_ARTICLE)

        metadata = {"container": how}
        if base_url:
            metadata["base_url"] = base_url
        site_name = _meta(root, "og:site_name")
        if site_name:
            metadata["site_name"] = site_name
        return ParsedDocument(
            format=self.format,
            title=title,
            author=_author(root, container),
            date=_date(root, container),
            sections=walker.sections(),
            paragraphs=tuple(walker.paragraphs),
            links=tuple(walker.links),
            metadata=metadata,
        )


# --- the tree ---------------------------------------------------------------------------------


def _parse_tree(text: str, origin: str) -> lxml.html.HtmlElement:
    # lxml refuses str input that declares an encoding; the caller already decoded it.
    cleaned = _CONTROL.sub("", _XML_DECLARATION.sub("", text, count=1))
    if not cleaned.strip():
        raise InputError(origin, NO_ARTICLE)
    try:
        return lxml.html.document_fromstring(cleaned)
    except (lxml.etree.ParserError, ValueError) as error:
        raise InputError(origin, f"{NO_ARTICLE} ({error})") from error


def _tag(el) -> str | None:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else None


def _tokens(el) -> list[str]:
    words = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return [token for token in re.split(r"[\s_\-:]+", words) if token]


def _is_widget(el, words: tuple[str, ...] = _WIDGET_WORDS) -> bool:
    return any(token.startswith(words) for token in _tokens(el))


def _is_hidden(el) -> bool:
    if el.get("hidden") is not None:
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _is_skipped(el) -> bool:
    """True for an element whose whole subtree is not article text."""
    tag = _tag(el)
    if tag is None or tag in _SKIP_TAGS or tag in _CHROME_TAGS:
        return True
    if (el.get("role") or "").lower() in _CHROME_ROLES:
        return True
    return _is_hidden(el) or _is_widget(el)


def _text_length(el) -> int:
    """Length of the article-like text under `el`, chrome and widgets left out."""
    total = 0
    stack = [el]
    while stack:
        node = stack.pop()
        total += len(normalize_space(node.text or ""))
        for child in node:
            if not _is_skipped(child):
                stack.append(child)
            total += len(normalize_space(child.tail or ""))
    return total


def _in_chrome(el) -> bool:
    """True when `el` sits in site chrome or a widget, so it cannot be the article container."""
    if _is_widget(el):
        return True
    for ancestor in el.iterancestors():
        tag = _tag(ancestor)
        if tag in _CHROME_TAGS or tag in _SKIP_TAGS:
            return True
        if (ancestor.get("role") or "").lower() in _CHROME_ROLES:
            return True
        if _is_hidden(ancestor) or _is_widget(ancestor, _WIDGET_WRAPPER_WORDS):
            return True
    return False


def _find_container(body) -> tuple[lxml.html.HtmlElement | None, str]:
    densest = _densest(body)
    densest_length = _text_length(densest) if densest is not None else 0
    for name, xpath in _CONTAINER_TIERS:
        candidates = [el for el in body.xpath(xpath) if not _in_chrome(el)]
        scored = [(length, el) for el in candidates if (length := _text_length(el)) > 0]
        if not scored:
            continue
        length, best = max(scored, key=lambda pair: pair[0])
        teaser = (
            densest is not None
            and length < _MIN_CONTAINER_SHARE * densest_length
            and best not in densest.iterdescendants()
        )
        if not teaser:
            return best, name
    if densest is not None and densest_length > 0:
        return densest, "density"
    return (body, "body") if _text_length(body) > 0 else (None, "none")


def _densest(body) -> lxml.html.HtmlElement | None:
    """The deepest element holding most of the page's paragraph text, readability-style.

    Each `<p>` outside chrome scores its text length less its link text; the scores add up in every
    ancestor, and the deepest element with `_DENSE_SHARE` of the page's total wins (those elements
    form one chain of ancestors, as two disjoint elements cannot both hold more than half).
    """
    scores: dict[lxml.html.HtmlElement, float] = {}
    depths: dict[lxml.html.HtmlElement, int] = {}
    total = 0.0
    for p in body.iter("p"):
        if _in_chrome(p) or _is_skipped(p):
            continue
        text = normalize_space(p.text_content())
        if not text:
            continue
        link_text = sum(len(normalize_space(a.text_content())) for a in p.iter("a"))
        score = len(text) - min(link_text, len(text))
        if score <= 0:
            continue
        total += score
        ancestors = [p, *p.iterancestors()]
        for depth, el in enumerate(reversed(ancestors)):
            scores[el] = scores.get(el, 0.0) + score
            depths[el] = depth
    if total <= 0:
        return None
    dense = [el for el, score in scores.items() if score >= _DENSE_SHARE * total]
    best = max(dense, key=lambda el: depths[el])
    # a single paragraph is not a container: take its parent, so lists and headings around it count
    if _tag(best) == "p" and best.getparent() is not None:
        best = best.getparent()
    return best if _tag(best) != "html" else body


# --- metadata ---------------------------------------------------------------------------------


def _meta(root, key: str) -> str | None:
    for el in root.iter("meta"):
        if key in ((el.get("property") or "").strip(), (el.get("name") or "").strip()):
            value = normalize_space(el.get("content") or "")
            if value:
                return value
    return None


def _heading_text(el) -> str:
    parts: list[str] = []
    stack: list[Any] = [el]  # elements to open, or tail strings
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            parts.append(node)
            continue
        for child in reversed(node):
            if child.tail:
                stack.append(child.tail)
            tag = _tag(child)
            skip = tag is None or _is_skipped(child)
            if tag == "a" and (child.get("href") or "").startswith("#"):
                # heading permalinks ("#", "¶") and footnote markers are not part of the title
                skip = skip or not re.search(r"\w", child.text_content()) or _is_note_link(child)
            if not skip:
                stack.append(child)
        if node.text:
            parts.append(node.text)
    return normalize_space("".join(parts))


def _title(root, container) -> tuple[str | None, lxml.html.HtmlElement | None]:
    for h1 in container.iter("h1"):
        text = _heading_text(h1)
        if text and not _in_site_chrome(h1, container):
            return text, h1
    og_title = _meta(root, "og:title") or _meta(root, "twitter:title")
    if og_title:
        return og_title, None
    titles = root.xpath("/html/head/title") or root.xpath("//title")
    if not titles:
        return None, None
    title = normalize_space(titles[0].text_content())
    site_name = _meta(root, "og:site_name") or _meta(root, "application-name")
    for separator in _TITLE_SEPARATORS:
        if separator in title:
            head = title.split(separator)[0].strip()
            if head:
                title = head
                break
    if site_name and title.endswith(f" - {site_name}"):
        title = title[: -len(f" - {site_name}")].strip()
    return title or None, None


def _in_site_chrome(el, container) -> bool:
    """True for an element of the container that sits in a site header, nav, aside or widget.

    A post's own `<header>` (title, byline) is not site chrome; a `role=banner` header, one named
    "site"/"masthead", or one right under `<body>` is.
    """
    for ancestor in el.iterancestors():
        if ancestor is container:
            return False
        tag = _tag(ancestor)
        role = (ancestor.get("role") or "").lower()
        if tag in ("nav", "aside", "footer") or _is_widget(ancestor):
            return True
        if role in _CHROME_ROLES and role != "banner":
            return True
        if tag == "header" or role == "banner":
            parent = ancestor.getparent()
            site_words = ("site", "masthead", "banner", "top")
            if (
                role == "banner"
                or any(token.startswith(site_words) for token in _tokens(ancestor))
                or (parent is not None and _tag(parent) == "body")
            ):
                return True
    return False


def _author(root, container) -> str | None:
    value = _meta(root, "author")
    if value:
        return value
    xpath = (
        ".//*[@itemprop='author' or contains(concat(' ', @rel, ' '), ' author ')"
        " or contains(@class, 'author')]"
    )
    for scope in (container, root):
        for el in scope.xpath(xpath):
            if _tag(el) in ("link", "meta", "img") or (scope is root and _in_chrome(el)):
                continue
            classes = (el.get("class") or "").lower().split()
            is_author = (
                el.get("itemprop") == "author"
                or "author" in (el.get("rel") or "").lower().split()
                or any(
                    c == "author" or c.endswith("-author") or c == "author-name" for c in classes
                )
            )
            if not is_author:
                continue
            names = el.xpath(".//*[@itemprop='name']")
            text = (
                el.get("content")
                or (names[0].get("content") or names[0].text_content() if names else None)
                or el.text_content()
            )
            text = re.sub(r"^(?:by|written by)\s+", "", normalize_space(text), flags=re.I)
            if text:
                return text
    return None


def _date(root, container) -> str | None:
    for time_el in container.iter("time"):
        if time_el.get("datetime"):
            return time_el.get("datetime").strip()
    value = _meta(root, "article:published_time")
    if value:
        return value
    for el in root.xpath("//*[@itemprop='datePublished']"):
        value = el.get("content") or el.get("datetime") or normalize_space(el.text_content())
        if value:
            return value.strip()
    for time_el in root.iter("time"):
        if time_el.get("datetime") and not _in_chrome(time_el):
            return time_el.get("datetime").strip()
    return None


# --- links ------------------------------------------------------------------------------------


def _base_url(root, origin: str) -> str | None:
    page = origin if _is_web_url(origin) else None
    for base in root.iter("base"):
        href = _clean_href(base.get("href"))
        if href:
            resolved = urljoin(page, href) if page else href
            if _is_web_url(resolved):
                return resolved
    if page:
        return page
    # A page saved to disk still names its address.
    for el in root.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split():
            href = _clean_href(el.get("href"))
            if _is_web_url(href):
                return href
    og_url = _meta(root, "og:url")
    return og_url if _is_web_url(og_url) else None


def _is_web_url(value: str | None) -> bool:
    return bool(value) and urlsplit(value).scheme.lower() in ("http", "https")


def _clean_href(href: str | None) -> str:
    # Browsers drop tabs and newlines inside URLs and trim the ends.
    return re.sub(r"[\t\r\n]", "", href or "").strip()


def _is_note_link(a) -> bool:
    """A footnote reference or back-reference: a same-page link whose text is only a marker."""
    fragment = (a.get("href") or "").partition("#")[2].lower()
    role = (a.get("role") or "").lower()
    classes = (a.get("class") or "").lower()
    return (
        fragment.startswith(("fn", "footnote"))
        or role in ("doc-noteref", "doc-backlink")
        or any(word in classes for word in ("footnote", "reversefootnote", "backref"))
        or (a.get("rev") or "").lower() == "footnote"
    )


@dataclass
class _Pending:
    href: str
    start: int  # raw offsets into the paragraph buffer
    end: int


@dataclass
class _Walker:
    base_url: str | None
    title_h1: lxml.html.HtmlElement | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[tuple[str, int]] = field(default_factory=list)
    prose_chars: int = 0  # letters and digits of paragraph text outside links
    _buffer: list[str] = field(default_factory=list)
    _buffer_len: int = 0
    _pending: list[_Pending] = field(default_factory=list)
    _kinds: list[str] = field(default_factory=lambda: ["paragraph"])
    _inline_depth: int = 0

    # -- traversal --
    # An explicit stack rather than recursion: libxml2 nests elements up to 255 levels deep.

    def walk(self, container) -> None:
        stack: list[tuple[str, Any]] = []
        self._open(container, stack)
        while stack:
            action, item = stack.pop()
            if action == "text":
                self._add(item)
            elif action == "visit":
                self._visit(item, stack)
            elif action == "end-block":
                self._flush()
                self._kinds.pop()
            else:  # end-link
                self._end_link(*item)
        self._flush()

    def _open(self, el, stack: list[tuple[str, Any]]) -> None:
        """Add the element's text now; schedule its children and their tails, in document order."""
        for child in reversed(el):
            if child.tail:
                stack.append(("text", child.tail))
            stack.append(("visit", child))
        if el.text:
            self._add(el.text)

    def _visit(self, el, stack: list[tuple[str, Any]]) -> None:
        tag = _tag(el)
        if tag is None or _is_skipped(el):
            return
        if tag in _HEADINGS and self._inline_depth == 0:
            self._flush()
            if el is not self.title_h1:
                text = _heading_text(el)
                if text:
                    self.headings.append((text, _HEADINGS[tag]))
            return
        if tag == "br":
            self._add("\n")
            return
        if tag == "a":
            href = _clean_href(el.get("href"))
            if href and self._same_page(href) and _is_note_link(el):
                return  # the "1" of a footnote reference, the "↩" of a back-reference
            self._inline_depth += 1
            stack.append(("end-link", (el, href, self._buffer_len)))
            self._open(el, stack)
            return
        if tag == "pre" and el.find(".//a") is None:
            self._flush()  # code, not running text
            return
        if tag in _BLOCK_TAGS and self._inline_depth == 0:
            self._flush()
            own = "paragraph"
            if _is_footnote_block(el, tag):
                own = "footnote"
            elif tag == "blockquote":
                own = "quote"
            elif tag in ("li", "dd"):
                own = "item"
            outer = self._kinds[-1]
            self._kinds.append(own if _KIND_RANK[own] > _KIND_RANK[outer] else outer)
            stack.append(("end-block", None))
        self._open(el, stack)

    def _end_link(self, a, href: str, start: int) -> None:
        self._inline_depth -= 1
        if not normalize_space("".join(self._buffer)[start:]):
            alts = [normalize_space(img.get("alt") or "") for img in a.iter("img")]
            alt = next((text for text in alts if text), "")
            if alt:
                self._add(alt)
        if a.get("href") is not None:
            self._pending.append(_Pending(href=href, start=start, end=self._buffer_len))

    def _add(self, text: str) -> None:
        self._buffer.append(text)
        self._buffer_len += len(text)

    # -- output --

    def _current_section(self) -> int | None:
        return len(self.headings) - 1 if self.headings else None

    def _flush(self) -> None:
        raw = "".join(self._buffer)
        pending = self._pending
        self._buffer, self._buffer_len, self._pending = [], 0, []
        text, offsets = _collapse(raw)
        if not text:
            return
        index = len(self.paragraphs)
        section = self._current_section()
        self.paragraphs.append(Paragraph(text=text, section=section, kind=self._kinds[-1]))

        in_links = [False] * len(raw)
        sentences = Sentences(text)
        for link in pending:
            for i in range(link.start, link.end):
                in_links[i] = True
            url = self._resolve(link.href)
            start, end = offsets[link.start], offsets[link.end]
            anchor = text[start:end].strip()
            if url is None or not anchor:
                continue
            start += len(text[start:end]) - len(text[start:end].lstrip())
            self.links.append(
                Link(
                    url=url,
                    anchor=anchor,
                    context=sentences.at(start),
                    section=section,
                    paragraph=index,
                )
            )
        self.prose_chars += sum(
            1 for char, linked in zip(raw, in_links, strict=True) if char.isalnum() and not linked
        )

    def _same_page(self, href: str) -> bool:
        if href.startswith("#"):
            return True
        if not self.base_url:
            return False
        url, fragment = urldefrag(urljoin(self.base_url, href))
        return bool(fragment) and url == urldefrag(self.base_url)[0]

    def _resolve(self, href: str) -> str | None:
        """The absolute URL of a link worth keeping, or None for one to skip."""
        if not href or href.lower().startswith(_SKIPPED_SCHEMES) or self._same_page(href):
            return None
        if self.base_url:
            return urljoin(self.base_url, href)
        if href.startswith("//"):
            return f"https:{href}"
        return href

    def sections(self) -> tuple[Section, ...]:
        if not self.headings:
            return ()
        top = min(level for _, level in self.headings)
        return tuple(
            Section(title=title, level=level - top + 1, position=position)
            for position, (title, level) in enumerate(self.headings)
        )


def _is_footnote_block(el, tag: str) -> bool:
    role = (el.get("role") or "").lower()
    if role in ("doc-endnotes", "doc-footnote", "doc-endnote"):
        return True
    tokens = _tokens(el)
    if any(token in ("footnotes", "endnotes") for token in tokens):
        return True
    element_id = (el.get("id") or "").lower()
    return tag == "li" and element_id.startswith(("fn", "footnote")) and "ref" not in element_id


def _collapse(raw: str) -> tuple[str, list[int]]:
    """Collapse whitespace like normalize_space, with the offset in the result of every raw offset.

    `offsets` has len(raw) + 1 entries, so an end offset maps too.
    """
    out: list[str] = []
    offsets: list[int] = []
    pending_space = False
    for char in raw:
        if char.isspace():
            if out:
                pending_space = True
            offsets.append(len(out) + (1 if pending_space else 0))
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        offsets.append(len(out))
        out.append(char)
    offsets.append(len(out))
    text = "".join(out)
    return text, [min(offset, len(text)) for offset in offsets]
