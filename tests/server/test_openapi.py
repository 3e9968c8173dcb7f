"""The OpenAPI document: valid 3.1, in step with the app's routes, served and printed alike."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from mockminimax.core.callbacks import OUTCOMES
from mockminimax.core.catalog import MODELS, RESOLUTIONS
from mockminimax.core.catalog_v2 import MODELS as V2_MODELS
from mockminimax.core.catalog_v2 import PROMPT_EXPANSION_MODES, RATIOS, ROLES
from mockminimax.core.faults import KEYS
from mockminimax.core.files import UPLOAD_PURPOSES
from mockminimax.core.tasks_v2 import V2Status
from mockminimax.core.templates import TEMPLATES
from mockminimax.core.validation import _BOOL_FIELDS, _IMAGE_FIELDS, _STR_FIELDS
from mockminimax.server.app import create_app
from mockminimax.server.openapi import build, document, operation_id
from mockminimax.server.routes import ROUTES, RouteSpec
from mockminimax.server.surfaces import CDN, CONTROL, GATEWAY, OFFICIAL

METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_document_is_valid_openapi_3_1() -> None:
    doc = document()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any schema or structure error


def test_every_app_route_and_method_is_documented_and_nothing_else() -> None:
    app_methods: set[tuple[str, str]] = set()
    for route in create_app().routes:
        assert isinstance(route, Route)
        methods = set(route.methods or ())
        specs = [spec for spec in ROUTES if spec.path == route.path]
        explicit = {m for spec in specs for m in spec.methods}
        # Starlette answers HEAD on every GET route (headers only); the document lists the
        # HEAD operations a route declares, whose answers it describes on their own. A
        # browser's preflight (OPTIONS) is answered on the surfaces that take CORS.
        implicit = {"HEAD"} | ({"OPTIONS"} if any(s.surface.cors for s in specs) else set())
        assert methods - explicit <= implicit
        app_methods |= {(route.path, m) for m in explicit}
    assert app_methods == set(_operations(document()))


def test_every_operation_has_a_success_answer_and_unique_id() -> None:
    ops = _operations(document())
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids))
    for key, op in ops.items():
        assert any(s.startswith("2") for s in op["responses"]), key


def test_links_lead_to_operations_and_their_parameters() -> None:
    ops = {op["operationId"]: op for op in _operations(document()).values()}
    seen = 0
    for op in ops.values():
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                target = ops[link["operationId"]]
                names = {p["name"] for p in target.get("parameters", [])}
                assert set(link["parameters"]) <= names, link
                seen += 1
    assert seen >= 7  # create -> query -> retrieve(_content) -> download, on both surfaces


def test_create_body_comes_from_the_catalog_and_the_validation_fields() -> None:
    op = document()["paths"]["/v1/video_generation"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    props = schema["properties"]
    assert props["model"]["enum"] == list(MODELS)
    branches = schema["anyOf"]
    # One alternative per model, mode and resolution of the catalog.
    assert {b["properties"]["model"]["const"] for b in branches} == set(MODELS)
    named = {b["properties"].get("resolution", {}).get("const") for b in branches}
    assert named - {None} == set(RESOLUTIONS)
    t2v_01 = next(b for b in branches if b["title"] == "T2V-01 Text-to-Video 720P")
    assert t2v_01["properties"]["duration"] == {"enum": [6]}
    assert "prompt" in t2v_01["required"]
    assert set(props) >= {*_STR_FIELDS, *_BOOL_FIELDS, *_IMAGE_FIELDS, "subject_reference"}
    assert schema["required"] == ["model"]
    gateway = document()["paths"]["/minimaxi/v1/video_generation"]["post"]
    assert "required" not in gateway["requestBody"]["content"]["application/json"]["schema"]


def test_fault_rule_body_lists_every_rule_key() -> None:
    op = document()["paths"]["/_mock/faults"]["post"]
    keys, text = op["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    props = keys["properties"]
    assert list(props) == [k.name for k in KEYS]
    assert text["type"] == "string"  # or the rule as key=value text, in a JSON string
    assert props["http_status"]["minimum"] == 200 and props["http_status"]["maximum"] == 599


def _schema(op: dict[str, Any], status: str, media: str = "application/json") -> Any:
    return op["responses"][status]["content"][media]["schema"]


def test_each_surface_documents_its_own_error_shapes() -> None:
    paths = document()["paths"]
    official = paths["/v1/query/video_generation"]["get"]
    assert len(_schema(official, "200")["anyOf"]) == 2  # the answer, or a base_resp refusal
    assert official["responses"]["200"]["headers"]["Trace-Id"]["required"] is True
    gateway = paths["/minimaxi/v1/video_generation"]["post"]
    assert set(gateway["responses"]) == {"200", "400", "401", "413"}
    assert _schema(gateway, "401")["properties"]["error"]["properties"]["type"]["enum"][0] == (
        "one_hub_error"
    )
    assert _schema(gateway, "400")["properties"]["code"]["const"] == "invalid_request"
    download = paths["/inference_output/video/{day}/{key}/output.mp4"]
    assert _schema(download["get"], "403", "application/xml")["xml"] == {"name": "Error"}
    assert "video/mp4" in download["get"]["responses"]["206"]["content"]
    assert "content" not in download["head"]["responses"]["200"]
    force = paths["/_mock/tasks/{task_id}"]["post"]
    assert set(force["responses"]) == {"200", "400", "401", "403", "404", "413", "415"}
    assert force["security"][0] == {}  # the control token only when one is set
    assert "field" in _schema(force, "404")["properties"]["error"]["properties"]


def test_a_route_that_declares_nothing_still_gets_a_valid_operation() -> None:
    """A route added without schema pieces: its path parameters and its surface's errors."""

    async def handler(ex: Any) -> Any:
        raise NotImplementedError

    bare = [
        RouteSpec(surface, "extra", ("GET", "DELETE"), f"/x/{surface.name}/{{item_id}}",
                  handler, "a new route")
        for surface in (OFFICIAL, GATEWAY, CDN, CONTROL)
    ]  # fmt: skip
    doc = build(bare)
    validate(doc)
    op = doc["paths"]["/x/control/{item_id}"]["delete"]
    assert op["operationId"] == operation_id(bare[3], "DELETE") == "control_extra_delete"
    assert op["parameters"][0] == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    assert set(op["responses"]) == {"200", "401", "403", "404"}
    assert set(doc["paths"]["/x/official/{item_id}"]["get"]["responses"]) == {"200"}
    assert set(doc["paths"]["/x/gateway/{item_id}"]["get"]["responses"]) == {"200", "400", "401"}


def test_served_document_and_cli_print_the_same(client: httpx.Client) -> None:
    served = client.get("/_mock/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    printed = subprocess.run(
        [sys.executable, "-m", "mockminimax", "openapi"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(printed.stdout) == served.json() == document()


@pytest.mark.parametrize("indent", ["0", "4"])
def test_cli_indent(indent: str) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "mockminimax", "openapi", "--indent", indent],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert (indent == "0") == (printed.count("\n") == 1)
    assert json.loads(printed)["openapi"] == "3.1.0"


def test_every_route_describes_its_answers() -> None:
    """No route is left in outline (a generic "a JSON object"): each declares its successes,
    and those that take input declare it."""
    undescribed = [(s.surface.name, s.name) for s in ROUTES if not s.answers]
    assert undescribed == []
    ops = _operations(document())
    for (path, method), op in ops.items():
        for status, answer in op["responses"].items():
            assert answer["description"] != "the answer, a JSON object", (path, method, status)


def test_v2_bodies_come_from_the_v2_catalog() -> None:
    paths = document()["paths"]
    create = paths["/v2/video_generation"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    props = schema["properties"]
    assert props["model"]["enum"] == list(V2_MODELS)
    assert props["ratio"]["enum"] == ["adaptive", *RATIOS]
    assert props["extra"]["properties"]["prompt_expansion_mode"]["enum"][:-1] == list(
        PROMPT_EXPANSION_MODES
    )
    assert {b["properties"]["model"]["const"] for b in schema["anyOf"]} == set(V2_MODELS)
    h3 = next(b for b in schema["anyOf"] if b["title"] == "MiniMax-H3")
    assert h3["properties"]["duration"]["enum"] == list(V2_MODELS["MiniMax-H3"].durations)
    assert h3["properties"]["resolution"]["enum"] == list(V2_MODELS["MiniMax-H3"].resolutions)
    items = props["content"]["items"]["anyOf"]
    roles = {i["title"]: i["properties"].get("role", {}).get("enum") for i in items}
    assert roles["image_url"] == list(ROLES["image_url"])
    assert roles["video_url"] == ["reference_video"]  # base_video is regeneration's
    assert schema["required"] == ["model", "content", "duration", "resolution"]
    regen = paths["/v2/video_regeneration"]["post"]["requestBody"]["content"]
    regen_props = regen["application/json"]["schema"]["properties"]
    assert regen_props["resolution"] == {"const": "2K"}
    regen_items = regen_props["content"]["items"]["anyOf"]
    assert (
        "base_video"
        in next(i for i in regen_items if i["title"] == "video_url")["properties"]["role"]["enum"]
    )
    context = paths["/v2/h3_context_ir"]["post"]["requestBody"]["content"]
    assert context["application/json"]["schema"]["properties"]["model"]["enum"] == [
        m.name for m in V2_MODELS.values() if m.context_ir
    ]


def test_v2_answers_and_errors_are_described() -> None:
    paths = document()["paths"]
    query = paths["/v2/query/video_generation/{task_id}"]["get"]
    task = _schema(query, "200")["properties"]["task"]
    assert set(task["required"]) >= {"id", "status", "content", "usage", "task_type"}
    assert task["properties"]["status"]["enum"] == [s.value for s in V2Status]
    assert set(query["responses"]) == {"200", "400", "401", "404"}
    error = _schema(query, "404")
    assert error["properties"]["type"]["const"] == "error"
    assert error["properties"]["error"]["properties"]["http_code"]["const"] == "404"
    create = paths["/v2/video_generation"]["post"]
    assert set(create["responses"]) == {"200", "400", "401", "413", "429"}
    assert set(create["responses"]["200"]["links"]) == {"query", "delete"}
    assert "download" in query["responses"]["200"]["links"]
    listing = paths["/v2/query/video_generation"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"page_num", "page_size", "filter.status", "filter.task_ids"} <= names
    assert _schema(listing, "200")["properties"]["items"]["items"] == task
    delete = paths["/v2/video_generation/{task_id}"]["delete"]
    assert _schema(delete, "200")["properties"]["action"]["enum"] == ["cancelled", "deleted"]


def test_files_templates_and_callbacks_are_described() -> None:
    paths = document()["paths"]
    upload = paths["/v1/files/upload"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["purpose"]["enum"] == list(UPLOAD_PURPOSES)
    assert form["properties"]["file"]["format"] == "binary"
    links = upload["responses"]["200"]["links"]
    assert set(links) == {"retrieve", "retrieve_content", "delete"}
    assert links["delete"]["requestBody"]["purpose"] == "$response.body#/file/purpose"
    listing = paths["/v1/files/list"]["get"]
    assert listing["parameters"][0]["schema"]["enum"] == list(UPLOAD_PURPOSES)
    content = paths["/v1/files/retrieve_content"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"video/mp4", "*/*", "application/json"}  # a video or an upload
    template = paths["/v1/video_template_generation"]["post"]
    body = template["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["template_id"]["enum"] == list(TEMPLATES)
    assert len(body["anyOf"]) == len(TEMPLATES)
    callbacks = paths["/_mock/callbacks"]["get"]
    assert {p["name"] for p in callbacks["parameters"]} == {"task_id", "kind", "outcome", "wait"}
    delivery = _schema(callbacks, "200")["properties"]["deliveries"]["items"]
    assert delivery["properties"]["outcome"]["enum"] == list(OUTCOMES)
