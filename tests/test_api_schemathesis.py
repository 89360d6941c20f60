"""Every operation of the OpenAPI document, fuzzed in-process: no server error, and every answer
(errors included) has a documented status, content type and shape."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import routes
from api.app import create_app, engine_of
from api.http import OPERATIONS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# One backend is enough to fuzz the API: the guide database of conftest, on SQLite only.
pytestmark = pytest.mark.parametrize("template", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def api_schema(make_guide_database):
    app = create_app(
        {"DATABASE_URL": make_guide_database(), "TESTING": True, "RATELIMIT_DEFAULT": ""}
    )
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    engine_of(app).dispose()


def _operation_ids() -> list[str]:
    """Every operation the API's blueprints declare; known without a database, so that each is
    a test of its own."""
    mounted = routes.BLUEPRINTS
    return sorted(op.endpoint for op in OPERATIONS if op.blueprint in mounted)


@pytest.mark.parametrize("operation_id", _operation_ids())
def test_every_operation_answers_as_documented(api_schema, operation_id):
    operation = api_schema.find_operation_by_id(operation_id)
    # Valid requests, and invalid ones where the operation has any input that can be invalid.
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def answers_as_documented(case):
        # Uncompressed: the in-process client hands the body over as sent, unlike an HTTP
        # client, which would undo the gzip (tested in test_api_framework).
        case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})

    answers_as_documented()
