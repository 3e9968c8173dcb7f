"""What the fuzz suite found, each kept as a plain regression test through HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx

from .fuzzing import shape_problem

AUTH = {"Authorization": "Bearer k"}


def _download_url(client: httpx.Client) -> str:
    task = client.post(
        "/v1/video_generation", json={"model": "T2V-01", "prompt": "a cat"}, headers=AUTH
    ).json()["task_id"]
    client.post("/_mock/tasks/" + task, json={"status": "Success"})
    file_id = client.get("/v1/query/video_generation", params={"task_id": task}, headers=AUTH)
    url = client.get(
        "/v1/files/retrieve", params={"file_id": file_id.json()["file_id"]}, headers=AUTH
    ).json()["file"]["download_url"]
    return str(url)


def test_a_non_ascii_signature_is_a_403_not_a_500(client: httpx.Client) -> None:
    parts = urlsplit(_download_url(client))
    query = dict(p.split("=", 1) for p in parts.query.split("&"))
    query["Signature"] = "\u00e9t\u00e9"
    response = client.get(parts.path, params=query)
    assert response.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in response.content
    problem = shape_problem("GET", parts.path, 403, response.headers, response.content)
    assert problem is None


def test_a_malformed_fault_header_on_the_cdn_is_its_400_xml(client: httpx.Client) -> None:
    parts = urlsplit(_download_url(client))
    response = client.get(parts.path + "?" + parts.query, headers={"X-Mock-Fault": "no-such-key=1"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<Code>InvalidArgument</Code>" in response.content
    assert b"X-Mock-Fault" in response.content


def test_cdn_xml_stays_xml_when_the_host_holds_control_characters(
    client: httpx.Client,
) -> None:
    response = client.get(
        "/inference_output/video/x/y/output.mp4",
        headers={"Host": b"cdn\x00\x01.example", "X-Mock-Fault": b"bad\x1f"},
    )
    assert response.status_code == 404
    root = ElementTree.fromstring(response.content)  # raised on the NUL before the fix
    assert root.find("Code") is not None and root.find("Code").text == "NoSuchKey"  # type: ignore[union-attr]
    assert root.find("HostId").text == "cdn\ufffd\ufffd.example"  # type: ignore[union-attr]
