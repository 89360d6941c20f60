from flask import Blueprint

from api import knowledge
from kb.search import SearchIndex, load_mention_texts

bp = Blueprint("search", __name__)


def search_index() -> SearchIndex:
    return knowledge.derived("search", lambda c, s: SearchIndex.build(c, load_mention_texts(s)))
