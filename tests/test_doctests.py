"""The examples in the docstrings of kb's pure functions (URLs, kinds, paths) run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["kb.urls", "kb.extraction.kinds", "kb.paths"]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_hold(name):
    module = importlib.import_module(name)
    # A failing example is printed (captured, and shown by pytest) before the assertion fails.
    results = doctest.testmod(module, report=False)
    assert results.attempted >= 1, f"{name} has no docstring example"
    assert results.failed == 0, f"{results.failed} of {results.attempted} examples failed in {name}"
