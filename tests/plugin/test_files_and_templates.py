"""`minimax_respx` and `minimax_server` answer the files API and the Video Agent too."""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)

SUITE = """
import httpx
import pytest

from mockminimax.core.images import encode_png

PNG = encode_png(640, 360)


@pytest.mark.parametrize("host", ["api.minimax.io", "api.minimaxi.com"])
def test_upload_list_retrieve_delete(minimax_respx, host):
    api = minimax_respx
    auth = {"Authorization": f"Bearer {api.api_key}"}
    with httpx.Client(base_url=f"https://{host}", headers=auth) as http:
        up = http.post(
            "/v1/files/upload",
            data={"purpose": "video_generation_input"},
            files={"file": ("frame.png", PNG, "image/png")},
        ).json()
        file_id = up["file"]["file_id"]
        listed = http.get("/v1/files/list", params={"purpose": "video_generation_input"}).json()
        file = http.get("/v1/files/retrieve", params={"file_id": file_id}).json()["file"]
        content = httpx.get(file["download_url"]).content  # bare, as clients fetch it
        body = {"file_id": file_id, "purpose": "video_generation_input"}
        deleted = http.post("/v1/files/delete", json=body).json()
    assert [f["file_id"] for f in listed["files"]] == [file_id]
    assert content == PNG
    assert deleted["file_id"] == file_id
    assert api.requests.routes == [
        "upload", "list_files", "retrieve", "download", "delete_file"
    ]


@pytest.mark.anyio
async def test_video_agent_with_the_async_client(minimax_respx):
    api = minimax_respx
    auth = {"Authorization": f"Bearer {api.api_key}"}
    body = {"template_id": "392747428568649728",
            "media_inputs": [{"value": "https://example.com/me.jpg"}]}
    async with httpx.AsyncClient(base_url=api.base_url, headers=auth) as http:
        task_id = (await http.post("/v1/video_template_generation", json=body)).json()["task_id"]
        api.advance(10)
        done = (await http.get("/v1/query/video_template_generation",
                               params={"task_id": task_id})).json()
        video = await http.get(done["video_url"])
    assert done["status"] == "Success"
    assert done["video_url"].startswith("https://video-product.cdn.minimax.io/")
    assert video.content[4:8] == b"ftyp"
    assert api.task(task_id).request["template_id"] == "392747428568649728"


def test_video_agent_on_the_live_server(minimax_server):
    api = minimax_server
    auth = {"Authorization": f"Bearer {api.api_key}"}
    body = {"template_id": "394875727173492739", "text_inputs": [{"value": "OCEAN"}]}
    with httpx.Client(base_url=api.base_url, headers=auth) as http:
        task_id = http.post("/v1/video_template_generation", json=body).json()["task_id"]
        first = http.get("/v1/query/video_template_generation", params={"task_id": task_id})
    assert first.json()["status"] == "Preparing"
    assert api.requests.routes == ["template_create", "template_query"]
"""


def test_files_and_video_agent_through_the_fixtures(downstream: Downstream) -> None:
    downstream.files(test_files_agent=SUITE)
    result = downstream.run("-W", "error")
    result.assert_outcomes(passed=4)
