"""Schemathesis over the OpenAPI document, against the app in-process: every operation,
valid and schema-violating inputs, each answer checked against the document and against
its surface's shape (`fuzzing.shape_problem`)."""

from __future__ import annotations

import schemathesis
from schemathesis import Case
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    unsupported_method,
)

from mockminimax.server.app import create_app

from .fuzzing import (
    drop_fault_header,
    fuzz_mock,
    fuzz_settings,
    official_refuses_bad_input,
    record,
    refuses_bad_input,
    surface_of,
    surface_shape,
    with_key,
)

MOCK = fuzz_mock()
schema = schemathesis.openapi.from_asgi("/_mock/openapi.json", create_app(MOCK))


def excluded(case: Case) -> list[schemathesis.CheckFunction]:
    """Checks whose rule the real services break on purpose, and so does the mock."""
    surface = surface_of(case.formatted_path)
    out: list[schemathesis.CheckFunction] = []
    if surface == "official":
        # MiniMax refuses bad input, a missing key and an unknown key with HTTP 200 and a
        # non-zero base_resp; `official_refuses_bad_input` checks that instead.
        out += [negative_data_rejection, ignored_auth, missing_required_header]
    if surface == "gateway":
        # gin answers an undeclared method like an unknown path (404); One-Hub takes any
        # non-empty key unless keys are configured; MiniMax's own refusals pass through 200.
        out += [unsupported_method, ignored_auth, negative_data_rejection]
    if surface in ("v2", "control"):
        # Unknown query parameters are ignored, as HTTP APIs do: `refuses_bad_input` judges
        # only what the server reads.
        out.append(negative_data_rejection)
    if surface == "v2":
        # Any non-empty key is taken unless keys are configured (`api_keys`), as on V1.
        out.append(ignored_auth)
    op = case.operation.definition.raw["operationId"]
    if op in (
        "gateway_create",
        "control_fault_add",
        "control_clock_advance",
        "official_upload",
        "official_template_create",
        "v2_create",
        "v2_context_ir",
        "v2_regenerate",
    ):
        # Which values go together (the gateway's model matrix, a rule's one action and the
        # keys that go with it, a clock move and the time it starts from, V2's content roles
        # and ratio, a template's inputs) and what media bytes hold (an upload, an image or
        # video item) is checked by the server and named in the refusal.
        out.append(positive_data_acceptance)
    return out


@schema.parametrize()
@fuzz_settings(15)
def test_every_operation_answers_as_documented(case: Case) -> None:
    drop_fault_header(case)
    try:
        response = case.call(headers=with_key(case), allow_redirects=False)
        record("schemathesis", response.status_code)
        case.validate_response(
            response,
            excluded_checks=excluded(case),
            additional_checks=[surface_shape, official_refuses_bad_input, refuses_bad_input],
        )
    finally:
        MOCK.reset()  # each example on a fresh mock: a rule the fuzzer added never fires
