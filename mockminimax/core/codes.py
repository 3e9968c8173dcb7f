"""The MiniMax error-code table: the one place codes, messages and V2 HTTP mappings live.

Messages are the real ones where the reference has them (`minimax-video-api.md` §10);
the README's code table is generated from `CODES` and a test keeps it in step.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CODES", "ApiError", "Code", "message_for"]


@dataclass(frozen=True)
class Code:
    code: int
    message: str
    meaning: str
    #: What V2 answers with for this code: (HTTP status, error.type).
    v2_http: tuple[int, str] = (500, "server_error")


_LOGIN_FAIL = (
    "login fail: Please carry the API secret key in the 'Authorization' field of the request header"
)

CODES: dict[int, Code] = {
    c.code: c
    for c in (
        Code(0, "success", "OK", (200, "")),
        Code(1000, "unknown error", "retry later", (500, "server_error")),
        Code(1001, "request timeout", "retry later", (500, "server_error")),
        Code(1002, "rate limit, please retry later", "RPM limit hit", (429, "rate_limit_error")),
        Code(1004, _LOGIN_FAIL, "missing or rejected credentials", (401, "authorized_error")),
        Code(
            1008, "insufficient balance", "top up the account", (402, "insufficient_balance_error")
        ),
        Code(1013, "Internal service error", "internal (files/retrieve)", (500, "server_error")),
        Code(1024, "internal error", "retry later", (500, "server_error")),
        Code(
            1026,
            "input new_sensitive",
            "prompt or input image flagged as sensitive",
            (422, "unprocessable_entity_error"),
        ),
        Code(
            1027,
            "output new_sensitive",
            "the generated video was flagged",
            (422, "unprocessable_entity_error"),
        ),
        Code(1033, "system error", "retry later", (500, "server_error")),
        Code(1039, "token limit", "TPM limit triggered", (429, "rate_limit_error")),
        Code(1041, "conn limit", "connection limit", (429, "rate_limit_error")),
        Code(
            1042,
            "invisible character ratio limit",
            "too many invisible characters in the input",
            (400, "bad_request_error"),
        ),
        Code(2013, "invalid params", "a parameter is missing or wrong", (400, "bad_request_error")),
        Code(
            2038,
            "real-name verification required",
            "account not verified",
            (403, "forbidden_error"),
        ),
        Code(2045, "rate growth limit", "traffic rising too steeply", (429, "rate_limit_error")),
        Code(
            2049,
            "invalid api key",
            "unknown key, or a key of the other region",
            (401, "authorized_error"),
        ),
        Code(
            2056, "usage limit exceeded", "subscription window used up", (429, "rate_limit_error")
        ),
    )
}


def message_for(code: int) -> str:
    """The real message for a code; unknown codes get the generic one."""
    known = CODES.get(code)
    return known.message if known else "unknown error"


class ApiError(Exception):
    """A MiniMax business error: what `base_resp` carries, plus the field it is about.

    `field` and `reason` are for the journal and for surfaces (the gateway) that word
    their own errors; `message` is the exact `status_msg`.
    """

    def __init__(self, code: int, message: str | None = None, *, field: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else message_for(code)
        self.field = field
        super().__init__(f"{code}: {self.message}")
