"""Hours a learner may need, by resource kind: estimates, and said to be estimates wherever shown.

They are round figures for a first pass through a resource of that kind, not measurements; a
topic whose resources are unknown gets TOPIC_WITHOUT_RESOURCES.
"""

HOURS_BY_KIND = {
    "course": 20.0,
    "lecture notes": 1.5,
    "book": 25.0,
    "video": 1.0,
    "tutorial": 2.0,
    "article": 0.5,
    "paper": 3.0,
    "code repository": 1.5,
    "notebook": 1.0,
    "library": 1.0,
    "dataset": 1.0,
    "interactive demo": 0.5,
    "documentation": 1.0,
    "social post": 0.1,
    "link collection": 0.5,
    "other": 0.5,
}
TOPIC_WITHOUT_RESOURCES = 2.0
NOTE = (
    "Hours are estimates: a first pass through a resource of each kind (course 20 h, book 25 h,"
    " paper 3 h, tutorial 2 h, video 1 h, article 0.5 h, ...), or 2 h for a topic without"
    " resources."
)


def resource_hours(kind: str) -> float:
    return HOURS_BY_KIND.get(kind, HOURS_BY_KIND["other"])
