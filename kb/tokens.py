"""Secrets handed out once (learners' tokens, maintainers' keys). Only their SHA-256 is stored,
which suffices for 256-bit random values (a slow password hash protects guessable secrets)."""

from __future__ import annotations

import hashlib
import secrets


def new(prefix: str = "") -> str:
    """A fresh secret of 256 random bits, URL-safe, after `prefix`."""
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored of `token`, and what it is looked up by: the stored value is not the
    secret, so comparing it leaks nothing."""
    return hashlib.sha256(token.encode()).hexdigest()
