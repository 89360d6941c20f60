"""The OpenAPI 3.1 document, built from the operations' pydantic models, and a reference page.

Served at /api/openapi.json and, for people, /api/docs (plain HTML, no scripts: works offline).
"""

from __future__ import annotations

import json
import re
from importlib import metadata
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.http import JSON, OPERATIONS, Operation, is_list
from api.problems import MEDIA_TYPE as PROBLEM_JSON
from api.schemas.problems import Problem

TITLE = "Deep-learning knowledge base API"
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Each role's bearer secret, as a security scheme: its name and what it is.
SECURITY_SCHEMES = {
    "learner": ("learnerToken", "a learner's token, returned once by POST /api/v1/learners"),
    "maintainer": ("maintainerKey", "a maintainer's key (kbm_...), from `kb maintainers add`"),
}
_PATH_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_CONVERTER_SCHEMAS = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number", "minimum": 0},
}

bp = Blueprint("reference", __name__)


@bp.get("/api/openapi.json")
def openapi_json():
    return current_app.response_class(
        json.dumps(document(current_app), ensure_ascii=False), mimetype=JSON
    )


@bp.get("/api/docs")
def reference_page():
    spec = document(current_app)
    base = request.host_url.rstrip("/")
    schemas = spec["components"]["schemas"]
    return render_template(
        "reference.html",
        spec=spec,
        operations=_readable(spec, base),
        schemas=[_fields(name, schemas) for name in sorted(schemas)],
    )


@bp.get("/")
def home():
    return redirect("/api/docs")


def document(app: Flask) -> dict[str, Any]:
    """The app's document, built on first use (every blueprint is registered by then)."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build(app)
    return app.extensions["openapi"]


def build(app: Flask) -> dict[str, Any]:
    routed = [(op, rule) for op in OPERATIONS for rule in _rules(app, op)]
    inputs = {m for op, _ in routed for m in (op.query, op.body) if m is not None}
    outputs = {op.response for op, _ in routed if op.response is not None} | {Problem}
    keys = [(m, "validation") for m in sorted(inputs, key=_name)]
    keys += [(m, "serialization") for m in sorted(outputs, key=_name)]
    refs, schemas = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    components = schemas.get("$defs", {})

    paths: dict[str, dict[str, Any]] = {}
    for op, rule in sorted(routed, key=lambda r: (r[1], METHOD_ORDER.index(r[0].method))):
        path = _PATH_PARAMETER.sub(r"{\2}", rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, rule, refs, components)
    # Query models are documented as parameters; their own schemas would only be noise.
    queries = {op.query for op, _ in routed} - {op.body for op, _ in routed} - outputs
    for model in queries - {None}:
        del components[_ref_name(refs[(model, "validation")])]
    tags = sorted({tag for op, _ in routed for tag in op.tags})
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": _version()},
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                scheme: {"type": "http", "scheme": "bearer", "description": description}
                for scheme, description in SECURITY_SCHEMES.values()
            },
        },
    }


def _rules(app: Flask, op: Operation) -> list[str]:
    """Where the app mounts the operation; none where its blueprint is not registered."""
    if app.blueprints.get(op.blueprint.name) is not op.blueprint:
        return []
    return [rule.rule for rule in app.url_map.iter_rules(op.endpoint) if op.method in rule.methods]


def _operation(op: Operation, rule: str, refs, components) -> dict[str, Any]:
    spec: dict[str, Any] = {"operationId": op.endpoint, "summary": op.summary}
    if op.description:
        spec["description"] = op.description
    if op.tags:
        spec["tags"] = list(op.tags)
    parameters = _path_parameters(rule)
    if op.query is not None:
        parameters += _query_parameters(op.query, refs[(op.query, "validation")], components)
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        schema = refs[(op.body, "validation")]
        spec["requestBody"] = {"required": True, "content": {JSON: {"schema": schema}}}
    success: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        success["content"] = {JSON: {"schema": refs[(op.response, "serialization")]}}
    elif op.media_type != JSON:
        success["content"] = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    problem = refs[(Problem, "serialization")]
    spec["responses"] = {
        str(op.status): success,
        "default": {
            "description": "An error, as an RFC 9457 problem",
            "content": {PROBLEM_JSON: {"schema": problem}},
        },
    }
    if op.roles:
        spec["security"] = [{SECURITY_SCHEMES[role][0]: []} for role in op.roles]
        spec["x-roles"] = list(op.roles)
    return spec


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _CONVERTER_SCHEMAS.get(converter, {"type": "string"}),
        }
        for converter, name in _PATH_PARAMETER.findall(rule)
    ]


def _query_parameters(model: type[BaseModel], ref: dict, components) -> list[dict[str, Any]]:
    schema = components[_ref_name(ref)]
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        prop = _query_value(schema["properties"][key])
        parameter = {"name": key, "in": "query", "required": key in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        if is_list(field.annotation):
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter)
    return parameters


def _query_value(schema: dict) -> dict:
    """A field's schema as a query parameter's: a query string cannot say null, only omit it."""
    value = {k: v for k, v in schema.items() if k not in ("title", "anyOf", "default")}
    options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
    if len(options) == 1:
        value |= options[0]
    elif options:
        value["anyOf"] = options
    if schema.get("default") is not None:
        value["default"] = schema["default"]
    return value


def _ref_name(ref: dict) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _name(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


def _version() -> str:
    try:
        return metadata.version("deep-learning-kb")
    except metadata.PackageNotFoundError:
        return "1"


# The reference page: the same document, flattened for a template.


def _readable(spec: dict[str, Any], base: str) -> list[dict[str, Any]]:
    components = spec["components"]["schemas"]
    operations = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get(JSON, {}).get("schema")
            success = next(code for code in op["responses"] if code != "default")
            content = op["responses"][success].get("content", {}).get(JSON, {})
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "auth": "security" in op,
                    "parameters": [
                        {**p, "type": type_name(p["schema"])} for p in op.get("parameters", [])
                    ],
                    "body": _fields(_ref_name(body), components) if body else None,
                    "status": success,
                    "response": _fields(_ref_name(content["schema"]), components)
                    if content
                    else None,
                    "curl": _curl(base, method.upper(), path, op, body, components),
                }
            )
    return operations


def _fields(name: str, components: dict) -> dict[str, Any]:
    """A model's name, description and fields (name, type, whether required, description)."""
    model = components[name]
    required = set(model.get("required", ()))
    return {
        "name": name,
        "description": model.get("description", ""),
        "fields": [
            {
                "name": key,
                "type": type_name(prop),
                "required": key in required,
                "description": prop.get("description", ""),
            }
            for key, prop in model.get("properties", {}).items()
        ],
    }


def type_name(schema: dict) -> str:
    if "$ref" in schema:
        return _ref_name(schema)
    if "anyOf" in schema:
        return " or ".join(type_name(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(value) for value in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if schema.get("type") == "array":
        return f"array of {type_name(schema.get('items', {}))}"
    return schema.get("type", "any")


def _curl(base: str, method: str, path: str, op: dict, body: dict | None, components) -> str:
    # Path parameters become upper-case placeholders: curl would read {...} as a URL pattern.
    url = base + re.sub(r"\{(\w+)\}", lambda m: m.group(1).upper(), path)
    words = ["curl"] + ([] if method == "GET" else ["-X", method]) + [f"'{url}'"]
    if op.get("security"):
        words += ["-H", "'Authorization: Bearer TOKEN'"]
    if body is not None:
        example = _example(components[_ref_name(body)])
        words += ["-H", f"'Content-Type: {JSON}'", "-d", f"'{json.dumps(example)}'"]
    return " ".join(words)


def _example(model: dict) -> dict[str, Any]:
    """The model's first declared example, else its required fields with placeholders."""
    if model.get("examples"):
        return model["examples"][0]
    placeholders = {"string": "...", "integer": 1, "number": 1.0, "boolean": True, "array": []}
    properties = model.get("properties", {})
    return {
        key: placeholders.get(properties[key].get("type"), "...")
        for key in model.get("required", ())
    }
