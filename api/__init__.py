"""The edges of the system: the `kb` command (and the HTTP API) wire the packages together."""
