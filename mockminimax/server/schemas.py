"""What a route tells the OpenAPI document about itself, declared next to its `RouteSpec`.

A route names its query and header parameters (`Param`), its request body (`Body`), its
success answers and the errors it adds to its surface's own (`Answer`), and the calls its
answers lead to (`Link`). Schemas are plain JSON Schema 2020-12 dicts, the dialect OpenAPI
3.1 uses; `server/openapi.py` assembles them with each surface's error shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "NO_CONTENT",
    "Answer",
    "Body",
    "Link",
    "Param",
    "Schema",
    "any_of",
    "array",
    "download_link_params",
    "integer",
    "nullable",
    "number",
    "obj",
    "string",
]

#: A JSON Schema (2020-12) as a dict.
Schema = dict[str, Any]
#: An answer with headers only (HEAD, 416).
NO_CONTENT: Mapping[str, Schema] = {}


@dataclass(frozen=True)
class Param:
    """A query or header parameter (path parameters come from the path itself)."""

    name: str
    where: Literal["query", "header", "path"]
    schema: Schema
    description: str
    required: bool = False


@dataclass(frozen=True)
class Body:
    """The request body: its schema under each media type it is read as."""

    schema: Schema
    description: str
    media_type: str = "application/json"
    required: bool = True


@dataclass(frozen=True)
class Answer:
    """One HTTP status of a route: its body per media type and the headers it carries.

    Where a route and its surface both describe a status (the official surface answers
    errors with HTTP 200, as successes), the document offers either body (`anyOf`).
    """

    description: str
    content: Mapping[str, Schema] = field(default_factory=dict)
    #: Header name -> description; each is a string and always sent.
    headers: Mapping[str, str] = field(default_factory=dict)

    def merged(self, other: Answer) -> Answer:
        content = dict(self.content)
        for media, schema in other.content.items():
            content[media] = any_of(content[media], schema) if media in content else schema
        description = self.description
        if other.description not in description:
            description = f"{description}; or {other.description}"
        # Only the headers both answers carry are always there.
        headers = {k: v for k, v in self.headers.items() if k in other.headers}
        return Answer(description, content, headers)


@dataclass(frozen=True)
class Link:
    """A call the answer leads to: its target operation and where each parameter comes from.

    `target` is `surface_route` (add `_head` for a HEAD operation); parameters (and `body`'s
    fields) map a name to an OpenAPI runtime expression such as `$response.body#/task_id`.
    """

    name: str
    target: str
    parameters: Mapping[str, str]
    description: str
    status: int = 200
    #: The target's JSON body, each value a runtime expression (for a POST target).
    body: Mapping[str, str] | None = None


def string(description: str = "", **keywords: Any) -> Schema:
    return _with({"type": "string", **keywords}, description)


def integer(description: str = "", **keywords: Any) -> Schema:
    return _with({"type": "integer", **keywords}, description)


def number(description: str = "", **keywords: Any) -> Schema:
    return _with({"type": "number", **keywords}, description)


def array(items: Schema, description: str = "", **keywords: Any) -> Schema:
    return _with({"type": "array", "items": items, **keywords}, description)


def nullable(schema: Schema) -> Schema:
    """`schema` or null."""
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {**schema, "type": [kind, "null"]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [schema, {"type": "null"}]}


def obj(
    required: Mapping[str, Schema],
    optional: Mapping[str, Schema] | None = None,
    description: str = "",
) -> Schema:
    """An object with these properties; others may appear (the APIs add fields over time)."""
    schema: Schema = {"type": "object", "properties": {**required, **(optional or {})}}
    if required:
        schema["required"] = list(required)
    return _with(schema, description)


def any_of(*schemas: Schema) -> Schema:
    flat: list[Schema] = []
    for schema in schemas:
        flat.extend(schema["anyOf"] if set(schema) == {"anyOf"} else [schema])
    return {"anyOf": flat}


def _with(schema: Schema, description: str) -> Schema:
    if description:
        schema["description"] = description
    return schema


def download_link_params(pointer: str, folder: str) -> dict[str, str]:
    """The CDN download route's parameters read out of a signed URL in an answer (`pointer`,
    e.g. `$response.body#/file/download_url`), for a link to `/inference_output/{folder}/...`."""
    source = f"{pointer}#regex:"
    return {
        "day": source + rf"/{folder}/([^/]+)/",
        "key": source + rf"/{folder}/[^/]+/([^/]+)/",
        "Expires": source + r"[?&]Expires=([^&]+)",
        "OSSAccessKeyId": source + r"[?&]OSSAccessKeyId=([^&]+)",
        "Signature": source + r"[?&]Signature=([^&]+)",
    }
