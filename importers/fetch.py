"""Fetch a guide from a URL for `kb import URL`, refusing anything that could reach inside.

A URL given to the importer is untrusted: it could point (directly, through DNS or through a
redirect) at loopback, the local network or a cloud metadata service, or send an endless or
huge body. So every hop is checked before it is requested, the address actually connected to is
checked again (DNS can answer differently the second time), and size and time are bounded.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from kb.errors import InputError

USER_AGENT = "deep-learning-kb/0.1 (+guide importer)"
_CHUNK = 64 * 1024
_MB = 1024 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0  # seconds for the whole fetch: every hop and the body
    max_bytes: int = 20 * _MB
    max_redirects: int = 5
    # CIDRs exempt from the address refusal (tests, configuration), e.g. ("127.0.0.1/32",).
    allowed_networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for cidr in self.allowed_networks:  # a bad entry is a configuration error: fail early
            ipaddress.ip_network(cidr, strict=False)


@dataclass(frozen=True)
class Fetched:
    url: str
    final_url: str
    content: bytes
    content_type: str | None

    @property
    def charset(self) -> str | None:
        """The encoding the server declared in its Content-Type, if any."""
        if not self.content_type:
            return None
        header = Message()
        header["Content-Type"] = self.content_type
        return header.get_content_charset()


class _Failed(Exception):
    """A failure with its reason; fetch() turns it into InputError. Raised inside urllib3 too
    (by a connection to a refused address): not being an OSError, it is not wrapped there."""


def fetch(url: str, *, limits: FetchLimits | None = None) -> Fetched:
    """GET `url`, following at most `max_redirects` redirects; raise InputError on any failure."""
    limits = limits or FetchLimits()
    origin = _redact(url)
    allowed = tuple(ipaddress.ip_network(cidr, strict=False) for cidr in limits.allowed_networks)
    guard = _Guard(allowed)
    # The watchdog shuts the sockets down at the deadline: socket timeouts alone bound each
    # read, not the whole transfer (a server trickling one byte at a time never trips them).
    watchdog = threading.Timer(limits.deadline, guard.expire)
    watchdog.daemon = True
    ends_at = time.monotonic() + limits.deadline
    session = _session(guard)
    timed_out = f"timed out after {limits.deadline:g} s"
    watchdog.start()
    try:
        fetched = _follow(session, url, limits, allowed, ends_at)
    except _Failed as failed:
        raise InputError(origin, str(failed)) from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        if guard.expired or time.monotonic() >= ends_at:
            raise InputError(origin, timed_out) from None
        raise InputError(origin, _describe(exc, limits)) from None
    finally:
        watchdog.cancel()
        watchdog.join()
        session.close()
    if guard.expired:  # a shut-down socket can also read as a clean end of a truncated body
        raise InputError(origin, timed_out)
    return fetched


def _follow(
    session: requests.Session,
    url: str,
    limits: FetchLimits,
    allowed: tuple[IPNetwork, ...],
    ends_at: float,
) -> Fetched:
    current = url
    for hop in range(limits.max_redirects + 1):
        where = f" (redirected to {_redact(current)})" if hop else ""
        _check_form(current, where)  # before requests parses it, for a clear reason
        prepared = session.prepare_request(requests.Request("GET", current))
        _check(prepared.url or "", allowed, where)  # the URL exactly as it will be sent
        remaining = ends_at - time.monotonic()
        if remaining <= 0:
            raise requests.Timeout("deadline")
        timeout = (min(limits.connect_timeout, remaining), min(limits.read_timeout, remaining))
        with session.send(prepared, allow_redirects=False, stream=True, timeout=timeout) as resp:
            target = session.get_redirect_target(resp) if resp.is_redirect else None
            if target is None:
                return Fetched(url, resp.url, _read(resp, limits), resp.headers.get("Content-Type"))
        current = urljoin(resp.url, target)
    raise _Failed("too many redirects")


def _read(resp: requests.Response, limits: FetchLimits) -> bytes:
    if not 200 <= resp.status_code < 300:
        raise _Failed(f"HTTP {resp.status_code} {resp.reason or ''}".rstrip())
    too_large = f"too large: more than {_size(limits.max_bytes)}"
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise _Failed(too_large)
    body = bytearray()
    for chunk in resp.iter_content(_CHUNK):  # decoded bytes, so a compressed bomb is bounded too
        body += chunk
        if len(body) > limits.max_bytes:
            raise _Failed(too_large)
    return bytes(body)


def _check_form(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise _Failed(f"refused: only http and https URLs are allowed{where}")
    if "@" in parts.netloc:
        raise _Failed(f"refused: URLs with credentials are not allowed{where}")


def _check(url: str, allowed: tuple[IPNetwork, ...], where: str) -> None:
    """Refuse `url` unless it is plain http(s) to a host whose every address is public."""
    _check_form(url, where)
    parts = urlsplit(url)
    if not parts.hostname:
        raise _Failed(f"invalid URL: no host{where}")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        # Resolving first also normalises hosts such as 2130706433 or 0x7f.1 to the real address.
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _Failed(f"could not resolve the host {parts.hostname}: {exc}{where}") from None
    for *_, sockaddr in infos:
        reason = _refusal(ipaddress.ip_address(sockaddr[0]), allowed)
        if reason:
            raise _Failed(f"refused: the host resolves to {reason}{where}")


def _refusal(ip: IPAddress, allowed: tuple[IPNetwork, ...]) -> str | None:
    """Why `ip` may not be contacted, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip  # ::ffff:127.0.0.1 connects to 127.0.0.1
    if any(ip in network for network in allowed):
        return None
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            article = "an" if kind == "unspecified" else "a"
            return f"{article} {kind.replace('_', '-')} address {ip}"
    return None if ip.is_global else f"a non-public address {ip}"


class _Guard:
    """Per-fetch state shared with the connections: address policy and the sockets opened."""

    def __init__(self, allowed: tuple[IPNetwork, ...]) -> None:
        self.allowed = allowed
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def opened(self, sock: socket.socket) -> socket.socket:
        # urllib3 resolved the name again; check where it really connected before sending.
        reason = _refusal(ipaddress.ip_address(sock.getpeername()[0]), self.allowed)
        if reason:
            sock.close()
            raise _Failed(f"refused: the host connected to {reason}")
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                sock.shutdown(socket.SHUT_RDWR)
        return sock

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # wakes up a blocked read at once
                except OSError:
                    pass  # already closed


class _GuardedConnection:
    """Mixin for urllib3 connections that hands every new socket to the fetch's _Guard."""

    guard: _Guard

    def _new_conn(self) -> socket.socket:
        return self.guard.opened(super()._new_conn())  # type: ignore[misc]


def _session(guard: _Guard) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc credentials from the environment
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=0)
    pools = {}
    for scheme, pool in (("http", HTTPConnectionPool), ("https", HTTPSConnectionPool)):
        connection = type("Guarded", (_GuardedConnection, pool.ConnectionCls), {"guard": guard})
        pools[scheme] = type("GuardedPool", (pool,), {"ConnectionCls": connection})
    adapter.poolmanager.pool_classes_by_scheme = pools
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _describe(exc: Exception, limits: FetchLimits) -> str:
    root = _root(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return f"timed out: could not connect within {limits.connect_timeout:g} s"
    if isinstance(exc, requests.ReadTimeout) or isinstance(root, TimeoutError):
        return f"timed out: no data for {limits.read_timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect: {root}"
    if isinstance(exc, ValueError):  # requests.InvalidURL, urllib3's LocationParseError...
        return f"invalid URL: {exc}"
    return f"download failed: {root}"


def _root(exc: BaseException) -> BaseException:
    """The innermost cause, e.g. "[Errno 111] Connection refused" rather than urllib3's wrappers."""
    seen = {id(exc)}
    while (cause := exc.__cause__ or exc.__context__) is not None and id(cause) not in seen:
        seen.add(id(cause))
        exc = cause
    return exc


def _redact(url: str) -> str:
    """`url` with any password hidden, so error messages do not leak it."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return url


def _size(n: int) -> str:
    return f"{n // _MB} MB" if n % _MB == 0 else f"{n} bytes"
