"""Stateful fuzzing over the document's links: create -> query -> retrieve -> download (and
retrieve_content), on both V1 surfaces; V2's create -> query -> list / delete / download;
and an upload -> retrieve (and retrieve_content) / delete."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import unquote

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
    SCALE,
    drop_fault_header,
    fuzz_mock,
    fuzz_settings,
    record,
    surface_shape,
)

MOCK = fuzz_mock()
everything = schemathesis.openapi.from_asgi("/_mock/openapi.json", create_app(MOCK))
# Only the calls the chains link, so scenarios go deep: the control API (whose reset and
# fault rules would undo a scenario half way) is the stateless test's. V1's chain and
# V2's (with uploads) run as two machines, so neither dilutes the other's budget.
schema = everything.include(
    operation_id=[
        f"{s}_{r}"
        for s in ("official", "gateway")
        for r in ("create", "query", "retrieve", "retrieve_content")
    ]
    + ["cdn_download", "cdn_download_head"]
)
schema_v2 = everything.include(
    operation_id=[
        *("v2_create", "v2_context_ir", "v2_query", "v2_list_tasks", "v2_delete_task"),
        *("cdn_download_2", "cdn_download_2_head"),
        *("official_upload", "official_retrieve", "official_retrieve_content"),
        "official_delete_file",
    ]
)
#: (operationId, status) of every step, to prove the chain reached its end.
STEPS: Counter[tuple[str, int]] = Counter()
STEPS_V2: Counter[tuple[str, int]] = Counter()
# The same exclusions as the stateless test, for the same reasons (see there).
_EXCLUDED = [
    negative_data_rejection,
    positive_data_acceptance,
    ignored_auth,
    missing_required_header,
    unsupported_method,
]


class Steps:
    """What both machines do around each call."""

    steps = STEPS

    def setup(self) -> None:
        MOCK.reset()

    def before_call(self, case: Case) -> None:
        drop_fault_header(case)
        # One key for the whole scenario: tasks are visible only to the key that made them
        # (auth itself is the stateless test's to fuzz).
        case.headers = {
            **{k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"},
            "Authorization": "Bearer fuzz-key",
        }
        if case.operation.definition.raw["operationId"].startswith("cdn_download"):
            # The link takes Signature as the URL has it, percent-encoded; send it decoded.
            case.query = {k: unquote(str(v)) for k, v in (case.query or {}).items()}

    def get_call_kwargs(self, case: Case) -> dict[str, Any]:
        return {"allow_redirects": False}

    def after_call(self, response: schemathesis.Response, case: Case) -> None:
        self.steps[(case.operation.definition.raw["operationId"], response.status_code)] += 1
        record("stateful", response.status_code)

    def validate_response(self, response: schemathesis.Response, case: Case, **kwargs: Any) -> None:
        case.validate_response(
            response, excluded_checks=_EXCLUDED, additional_checks=[surface_shape]
        )


class Lifecycle(Steps, schema.as_state_machine()):  # type: ignore[misc]
    pass


class LifecycleV2(Steps, schema_v2.as_state_machine()):  # type: ignore[misc]
    steps = STEPS_V2


def test_lifecycles_follow_the_links_to_the_video() -> None:
    Lifecycle.run(settings=fuzz_settings(80, stateful_step_count=15))
    reached = {op for (op, status), n in STEPS.items() if status in (200, 206) and n}
    # Each link was followed to a success at least once: the documented chain works.
    assert {"official_create", "official_query", "official_retrieve", "cdn_download"} <= reached
    assert any(op.endswith("retrieve_content") for op in reached)
    assert sum(STEPS.values()) >= 80 * SCALE


def test_v2_and_upload_lifecycles_follow_their_links() -> None:
    LifecycleV2.run(settings=fuzz_settings(40, stateful_step_count=10))
    reached = {op for (op, status), n in STEPS_V2.items() if status == 200 and n}
    # A V2 create made through the content schema and read back; an upload retrieved and
    # deleted through the links.
    assert {"v2_create", "v2_query", "official_upload", "official_delete_file"} <= reached
    assert "official_retrieve" in reached
