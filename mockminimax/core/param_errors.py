"""How MiniMax words a bad request parameter (2013), for every body the mock checks: V1
creates, V2, the Video Agent and file uploads all name the field and the rule alike."""

from __future__ import annotations

from typing import Any

from .codes import ApiError

__all__ = ["invalid", "missing", "not_an_object", "type_name"]


def invalid(field: str, rule: str) -> ApiError:
    return ApiError(2013, f"invalid params, {field}: {rule}", field=field)


def missing(field: str) -> ApiError:
    """A required field that is absent, in the words of MiniMax's request binder."""
    return ApiError(
        2013,
        f"invalid params, binding: expr_path={field}, cause=missing required parameter",
        field=field,
    )


def not_an_object(body: Any) -> ApiError:
    """A request body that parsed as JSON but is not an object."""
    return ApiError(
        2013, f"invalid params, request body must be a JSON object, got {type_name(body)}"
    )


def type_name(value: Any) -> str:
    """The JSON type of `value`, with its article, for 'must be ..., got a number'."""
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), ((int, float), "a number"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return "an array" if isinstance(value, list) else "an object"
