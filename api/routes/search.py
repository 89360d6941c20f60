"""GET /search: topics and resources ranked together (TF-IDF over names, titles and sentences)."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api import knowledge
from api.http import operation
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
def search(query: SearchQuery) -> SearchResults:
    """Best matches first; a topic named by its name or any alias comes before what mentions it.
    Case and plural do not matter ("CNNs", "cnn")."""
    catalog = knowledge.catalog()
    types = {query.type} if query.type else None
    items = []
    for hit in search_index().search(query.q, limit=query.limit, kinds=types):
        if hit.type == "topic":
            items.append(
                SearchHit(type="topic", score=hit.score, topic=TopicRef.of(catalog, hit.key))
            )
        else:
            r = catalog.resources[int(hit.key)]
            resource = ResourceHit(id=r.id, url=r.url, title=r.title, kind=r.kind)
            items.append(SearchHit(type="resource", score=hit.score, resource=resource))
    return SearchResults(query=query.q, items=items)
