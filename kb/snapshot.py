"""One version of the knowledge base as the use cases read it: the catalog and what is derived
from it (learning graph, path planner, search index), built together, once per version.

A server keeps one per process and replaces it when the version changes (`api.knowledge`);
a command builds one for its run.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from sqlalchemy.orm import Session

from kb import catalog as kb_catalog
from kb import learning_graph, paths
from kb.catalog import Catalog
from kb.errors import InputError, UnknownTopic
from kb.search import SearchIndex, load_mention_texts

SUGGESTIONS = 5


@dataclass(frozen=True)
class Snapshot:
    catalog: Catalog
    graph: nx.DiGraph
    planner: paths.Planner
    search: SearchIndex

    @classmethod
    def load(cls, session: Session) -> Snapshot:
        catalog = kb_catalog.load(session)
        graph = learning_graph.build(catalog)
        search = SearchIndex.build(catalog, load_mention_texts(session))
        return cls(catalog, graph, paths.Planner(catalog, graph), search)

    @property
    def version(self) -> str:
        return self.catalog.version

    def topic(
        self, text: str, unknown: str = "no topic {!r}", *, hinted: bool = True, **extensions
    ) -> str:
        """The slug of the topic `text` names (slug, name or alias, any case); else an
        `UnknownTopic` saying `unknown` (with `text` in it) and, `hinted`, the topics the caller
        may have meant, which its `suggestions` list anyway; `extensions` join its problem
        document."""
        slug = self.catalog.find(text)
        if slug is None:
            suggestions = self.search.suggest(text, limit=SUGGESTIONS)
            said = hinted and suggestions
            hint = f"; did you mean {', '.join(suggestions)}?" if said else ""
            message = unknown.format(text) + hint
            raise UnknownTopic(message, suggestions=suggestions, **extensions)
        return slug

    def topics(self, texts: list[str], field: str) -> list[str]:
        """The slugs of the topics named, in order, once each; an `InputError` for `field`
        names every unknown one."""
        slugs = {text: self.catalog.find(text) for text in texts}
        unknown = [text for text, slug in slugs.items() if slug is None]
        if unknown:
            raise InputError(
                field,
                f"unknown topic(s) {', '.join(map(repr, unknown))}",
                errors=[
                    {"location": "query", "field": field, "message": f"unknown topic {t!r}"}
                    for t in unknown
                ],
            )
        return list(dict.fromkeys(slugs.values()))
