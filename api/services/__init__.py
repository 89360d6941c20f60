"""The use cases, each written once, for the routes and the `kb` command alike.

Each takes the caller's session (and, where it reads the knowledge base, its snapshot); those
that change something say whether they commit. An edge parses its input, makes one call here,
and renders the result; errors are `kb.errors.KBError`s, which both edges render themselves.
"""
