"""URL canonicalisation: one key per learning resource, however a guide happened to spell it.

`normalize_url` builds the deduplication key. Its choices, in short:

* scheme: `http` and `https` are one resource; the key always says `https`;
* host: lower-case, IDN in punycode (``xn--``), no leading ``www.``, no trailing dot,
  IP addresses in their compressed form; default ports 80 and 443 dropped;
* path: percent-escapes normalised (unreserved and harmless characters decoded, other escapes
  upper-cased, e.g. ``Skynet_%28Terminator%29`` == ``Skynet_(Terminator)``), dot segments
  resolved, trailing slash dropped except for the root ("/"); its case is kept;
* query: well-known tracking parameters removed, the rest sorted by name, empty ``?`` dropped;
  its case is kept;
* fragment: dropped (it only scrolls the page) unless it is client-side routing
  (``#!...`` or ``#/...``).

`url_case_key` lower-cases that key, to match links from a dump that lost its case.
Everything here is pure: no network, no database.
"""

from __future__ import annotations

import ipaddress
import re
import string
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "add_missing_scheme",
    "best_display_url",
    "is_web_url",
    "normalize_url",
    "url_case_key",
]

_WEB_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = frozenset({80, 443})

# Only parameters that never change what a page shows; `ref`, `source` etc. can be real input.
_TRACKING_PARAMS = frozenset(
    "fbclid gclid dclid msclkid mc_cid mc_eid igshid _hsenc _hsmi ref_src yclid".split()
)

_UNRESERVED = string.ascii_letters + string.digits + "-._~"
_SUB_DELIMS = "!$&'()*+,;="

# Characters left literal when re-quoting a component (plus "%", so existing escapes survive).
_PATH_SAFE = _SUB_DELIMS + ":@/"
_QUERY_SAFE = "!$'()*,;:@/?+="  # inside one name or value: "&" separates pairs
_FRAGMENT_SAFE = _SUB_DELIMS + ":@/?"

# Escapes decoded back to literals: never a character with structural meaning in the component
# ("/" in a path; "&", "=", "+", ";" in a query), since %2F and "/" are different URLs.
_PATH_DECODE = frozenset(_UNRESERVED + "!$&'()*+,;=:@")
_QUERY_DECODE = frozenset(_UNRESERVED + "!$'()*,:@/?")
_FRAGMENT_DECODE = frozenset(_UNRESERVED + "!$'()*,:@")

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

# A schemeless link that starts with a host name: labels, a dot, a TLD of letters (or punycode),
# an optional port, then the end or a path/query/fragment.
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_HOST_PREFIX = re.compile(
    rf"(?:{_LABEL}\.)+(?P<tld>[^\W\d_]{{2,24}}|xn--[a-z0-9-]{{1,59}})(?::\d{{1,5}})?(?=[/?#]|$)",
    re.IGNORECASE,
)
# "notes.html" looks like a host name with TLD "html"; these endings are files, not TLDs.
_FILE_EXTENSIONS = frozenset(
    """html htm xhtml php asp aspx jsp cgi md markdown rst txt pdf png jpg jpeg gif svg webp ico
    py ipynb js mjs ts css json xml yml yaml csv tsv zip gz tgz bz tar mov avi wav doc docx ppt
    pptx xls xlsx tex bib sh exe dmg jl lua cpp hpp java rb go""".split()
)


def add_missing_scheme(url: str) -> str:
    """Prefix ``http://`` to a link written without a scheme that starts with a host name.

    ``p.migdal.pl/2017/01/06/x.html`` and ``//cdn.example.com/a`` gain a scheme; relative paths
    (``/imgs/a.png``, ``notes.html``), fragments, ``mailto:`` and full URLs are returned as given.
    Hosts written as bare IP addresses are not recognised (a TLD must be letters).

    >>> add_missing_scheme("p.migdal.pl/2017/01/06/x.html")
    'http://p.migdal.pl/2017/01/06/x.html'
    """
    text = url.strip()
    rest = text[2:] if text.startswith("//") else text
    match = _HOST_PREFIX.match(rest)
    if match is None or match["tld"].lower() in _FILE_EXTENSIONS:
        return url
    return "http://" + rest


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() in _WEB_SCHEMES and bool(parts.hostname)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False


def normalize_url(url: str) -> str:
    """The canonical key of a web resource (see the module docstring for every rule).

    A schemeless link that starts with a host name is treated as ``http://``. Anything that is
    not an http(s) URL (relative paths, ``mailto:``) is returned stripped but otherwise as is:
    without a base URL there is nothing safe to canonicalise.

    >>> normalize_url("HTTP://www.Example.com:80/a/../b/?utm_source=x&b=2&a=1#top")
    'https://example.com/b?a=1&b=2'
    """
    text = add_missing_scheme(url.strip())
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        return text
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.hostname:
        return text

    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = (userinfo + "@" if userinfo else "") + _normalize_host(parts.hostname)
    if port is not None and port not in _DEFAULT_PORTS:
        netloc += f":{port}"

    key = "https://" + netloc + _normalize_path(parts.path)
    query = _normalize_query(parts.query)
    if query:
        key += "?" + query
    if parts.fragment.startswith(("!", "/")):  # hashbang / SPA routing selects content
        key += "#" + _normalize_component(parts.fragment, _FRAGMENT_SAFE, _FRAGMENT_DECODE)
    return key


def url_case_key(url: str) -> str:
    """`normalize_url`, then lower-cased: matches a link whose case was lost (lower-cased dumps).

    >>> url_case_key("https://en.wikipedia.org/wiki/Skynet_%28Terminator%29")
    'https://en.wikipedia.org/wiki/skynet_(terminator)'
    """
    return normalize_url(url).lower()


def best_display_url(candidates: Iterable[str]) -> str:
    """Among original spellings of one resource, the one to show; deterministic.

    Preference, in order:

    1. a spelling whose path/query carries upper-case letters over an all-lower-case one: the
       lower-cased copy may be a broken link (YouTube ids are case-sensitive), so this goes
       before the scheme;
    2. https over http (http links nearly always redirect, but https is what people copy now);
    3. fewer things the key drops (a scroll-only fragment, tracking parameters);
    4. shorter;
    5. lexicographically first.

    >>> best_display_url(["http://youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=aBc"])
    'https://www.youtube.com/watch?v=aBc'
    """
    forms = sorted({c.strip() for c in candidates})
    if not forms:
        raise ValueError("best_display_url() needs at least one candidate")
    return min(
        forms,
        key=lambda u: (
            not _carries_case(u),
            not u.lower().startswith("https:"),
            _noise(u),
            len(u),
            u,
        ),
    )


def _normalize_host(host: str) -> str:
    host = host.rstrip(".")  # `hostname` is already lower-case
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:  # not valid IDNA 2003: keep the lower-case Unicode form
            pass
    if host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    return host


def _normalize_path(path: str) -> str:
    path = _normalize_component(path, _PATH_SAFE, _PATH_DECODE)
    path = _remove_dot_segments(path).rstrip("/")
    return path or "/"


def _remove_dot_segments(path: str) -> str:
    # Browsers resolve "." and ".." before sending a request, so "/a/../b" is "/b".
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    return "/".join(out)


def _normalize_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        if not pair or _is_tracking(name):
            continue
        name = _normalize_component(name, _QUERY_SAFE, _QUERY_DECODE)
        pairs.append((name, sep + _normalize_component(value, _QUERY_SAFE, _QUERY_DECODE)))
    # Stable sort by name only: the order of repeated names (a=2&a=1) can matter to a server.
    pairs.sort(key=lambda p: p[0])
    return "&".join(name + rest for name, rest in pairs)


def _is_tracking(name: str) -> bool:
    name = unquote(name).lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS


def _normalize_component(text: str, safe: str, decodable: frozenset[str]) -> str:
    # First escape what may not appear literally (spaces, non-ASCII, brackets), then give every
    # escape one spelling: decoded where harmless, upper-case hex otherwise.
    text = quote(text, safe=safe + "%")

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match[1], 16))
        return char if char in decodable else "%" + match[1].upper()

    return _ESCAPE.sub(fix, text)


def _carries_case(url: str) -> bool:
    # Case of scheme and host means nothing, nor does the case of hex digits in escapes.
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    rest = _ESCAPE.sub("", parts.path + parts.query + parts.fragment)
    return any(c.isupper() for c in rest)


def _noise(url: str) -> int:
    """How many things `normalize_url` would throw away: a scroll-only fragment, trackers."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return 0
    dropped_fragment = bool(parts.fragment) and not parts.fragment.startswith(("!", "/"))
    trackers = sum(_is_tracking(p.partition("=")[0]) for p in parts.query.split("&") if p)
    return int(dropped_fragment) + trackers
