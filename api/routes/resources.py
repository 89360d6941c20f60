"""Learning resources: filtered lists, and one resource with every place the guide mentions it."""

from __future__ import annotations

from flask import Blueprint

from api import knowledge
from api.http import operation, paginate
from api.schemas.resources import ResourceDetail, ResourcePage, ResourceQuery, ResourceSummary
from api.services import resources

bp = Blueprint("resources", __name__)


@operation(
    bp,
    "GET",
    "/resources",
    query=ResourceQuery,
    response=ResourcePage,
    summary="List resources",
    tags=["resources"],
)
def list_resources(query: ResourceQuery) -> ResourcePage:
    """Resources in id order, filtered by topic, kinds and access, a page at a time."""
    matching = resources.filtered(
        knowledge.snapshot(),
        topic=query.topic,
        kinds=query.kind,
        access=query.access,
        after=query.cursor if query.cursor is not None else -1,
    )
    page, next_cursor = paginate(matching, query.limit, lambda view: view.id)
    return ResourcePage(items=[ResourceSummary.of(view) for view in page], next_cursor=next_cursor)


@operation(
    bp,
    "GET",
    "/resources/<int:resource_id>",
    response=ResourceDetail,
    summary="Get a resource and its mentions",
    tags=["resources"],
)
def get_resource(resource_id: int) -> ResourceDetail:
    """The resource, how its kind was decided, and every mention in every edition."""
    view = resources.get(knowledge.snapshot(), resource_id)
    return ResourceDetail.of(view, resources.mentions(knowledge.session(), resource_id))
