"""Domain layer: models, sessions, graph algorithms and the rules that turn guides into a graph."""
