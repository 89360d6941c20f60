"""GET /search: topics and resources ranked together (TF-IDF over names, titles and sentences)."""

from __future__ import annotations

from flask import Blueprint

from api import knowledge
from api.http import Encoded, operation
from api.schemas.common import TopicRef
from api.schemas.search import ResourceHit, SearchHit, SearchQuery, SearchResults
from kb.snapshot import Snapshot

bp = Blueprint("search", __name__)


@operation(
    bp,
    "GET",
    "/search",
    query=SearchQuery,
    response=SearchResults,
    summary="Search topics and resources",
    tags=["search"],
)
def search(query: SearchQuery) -> Encoded:
    """Best matches first; a topic named by its name or any alias comes before what mentions it.
    Case and plural do not matter ("CNNs", "cnn")."""
    return knowledge.remembered(_answer, query.q, query.limit, query.type)


def _answer(snapshot: Snapshot, q: str, limit: int, type_: str | None) -> Encoded:
    catalog, items = snapshot.catalog, []
    for hit in snapshot.search.search(q, limit=limit, kinds={type_} if type_ else None):
        if hit.type == "topic":
            items.append(
                SearchHit(type="topic", score=hit.score, topic=TopicRef.of(catalog, hit.key))
            )
        else:
            r = catalog.resources[int(hit.key)]
            resource = ResourceHit(id=r.id, url=r.url, title=r.title, kind=r.kind)
            items.append(SearchHit(type="resource", score=hit.score, resource=resource))
    return Encoded(SearchResults(query=q, items=items))
