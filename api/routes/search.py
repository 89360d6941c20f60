"""GET /search: topics and resources ranked together (TF-IDF over names, titles and sentences)."""

from __future__ import annotations

import functools
from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api import knowledge
from api.http import Encoded, operation
from api.schemas import TopicRef
from kb.catalog import Catalog
from kb.search import SearchIndex, load_mention_texts

bp = Blueprint("search", __name__)


def _build(catalog: Catalog, session: Session) -> SearchIndex:
    return SearchIndex.build(catalog, load_mention_texts(session))


knowledge.register_derived("search", _build)


def search_index() -> SearchIndex:
    """The index of the current knowledge-base version, built once per version and process."""
    return knowledge.derived("search", _build)


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=200, description="words, in any case or number")
    limit: int = Field(default=20, ge=1, le=100)
    type: Literal["topic", "resource"] | None = Field(default=None, description="only this type")


class ResourceHit(BaseModel):
    id: int
    url: str
    title: str
    kind: str


class SearchHit(BaseModel):
    type: Literal["topic", "resource"]
    score: float = Field(description="cosine similarity, 0 to 1")
    topic: TopicRef | None = None
    resource: ResourceHit | None = None


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]


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
    return knowledge.derived("searcher", _searcher)(query.q, query.limit, query.type)


def _searcher(catalog: Catalog, _session: Session):
    """`answer(q, limit, type)`, remembered for the catalog's version."""
    index = search_index()

    @functools.lru_cache(maxsize=knowledge.ANSWERS_KEPT)  # popular ones come back
    def answer(q: str, limit: int, type_: str | None) -> Encoded:
        items = []
        for hit in index.search(q, limit=limit, kinds={type_} if type_ else None):
            if hit.type == "topic":
                topic = TopicRef.of(catalog, hit.key)
                items.append(SearchHit(type="topic", score=hit.score, topic=topic))
            else:
                r = catalog.resources[int(hit.key)]
                resource = ResourceHit(id=r.id, url=r.url, title=r.title, kind=r.kind)
                items.append(SearchHit(type="resource", score=hit.score, resource=resource))
        return Encoded(SearchResults(query=q, items=items))

    return answer


knowledge.register_derived("searcher", _searcher)
