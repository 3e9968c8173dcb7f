"""`minimax_payloads`: seeded factories whose bodies the mock accepts, with overrides."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from mockminimax.core.catalog import MODELS, Mode
from mockminimax.core.images import inspect_image
from mockminimax.core.settings import Settings
from mockminimax.core.validation import validate_create
from mockminimax.payloads import OMIT, Payloads

from .conftest import Downstream

pytest_plugins = ("pytester",)

FACTORIES = ("text_to_video", "image_to_video", "first_last_frame", "subject_reference")
MODES = {
    "text_to_video": Mode.T2V,
    "image_to_video": Mode.I2V,
    "first_last_frame": Mode.FL2V,
    "subject_reference": Mode.S2V,
}
STRICT_01 = Settings(legacy_01_params="reject")


def factory(payloads: Payloads, name: str) -> Callable[..., dict[str, Any]]:
    made: Callable[..., dict[str, Any]] = getattr(payloads, name)
    return made


@pytest.mark.parametrize("name", FACTORIES)
def test_every_body_is_valid_in_its_mode(name: str) -> None:
    for seed in range(200):
        body = factory(Payloads(seed), name)()
        for settings in (Settings(), STRICT_01):
            request = validate_create(body, settings)
            assert request.mode is MODES[name]


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("text_to_video", {"resolution": "1080P"}),
        ("text_to_video", {"duration": 10}),
        ("text_to_video", {"model": "T2V-01-Director"}),
        ("image_to_video", {"resolution": "512P"}),
        ("image_to_video", {"model": "MiniMax-Hailuo-2.3-Fast", "duration": 10}),
        ("first_last_frame", {"resolution": "768P", "duration": 10}),
        ("subject_reference", {"prompt": "A girl waves."}),
    ],
)
def test_the_rest_stays_valid_around_overrides(name: str, overrides: dict[str, Any]) -> None:
    for seed in range(50):
        body = factory(Payloads(seed), name)(**overrides)
        assert {k: body[k] for k in overrides} == overrides
        validate_create(body, Settings())


def test_omit_drops_a_field_and_other_values_pass_as_given() -> None:
    payloads = Payloads(1)
    body = payloads.text_to_video(duration=OMIT, resolution=OMIT, callback_url=None)
    assert "duration" not in body and "resolution" not in body
    assert body["callback_url"] is None  # sent as JSON null, to test the client's handling
    assert payloads.OMIT is OMIT and repr(OMIT) == "OMIT"


def test_images_are_example_urls_or_real_data_urls() -> None:
    payloads = Payloads(2)
    url = payloads.image_to_video()["first_frame_image"]
    assert url.startswith(("https://example.com/", "https://example.org/", "https://example.net/"))
    inline = payloads.first_last_frame(data_url=True)
    for name in ("first_frame_image", "last_frame_image"):
        info = inspect_image(inline[name])
        assert (info.source, info.format, info.width, info.height) == ("data", "png", 1280, 720)
    face = payloads.subject_reference(data_url=True)["subject_reference"][0]["image"][0]
    assert face.startswith("data:image/png;base64,")
    validate_create(inline, Settings())


def test_the_same_seed_gives_the_same_bodies() -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        payloads = Payloads(seed)
        return [factory(payloads, name)() for name in FACTORIES for _ in range(3)]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_current_models_by_default() -> None:
    models = {Payloads(seed).text_to_video()["model"] for seed in range(100)}
    assert models <= {m.name for m in MODELS.values() if not m.series_01}
    assert len(models) > 1


def test_faker_is_imported_only_by_the_payloads() -> None:
    code = (
        "import sys, mockminimax, mockminimax.pytest_plugin, mockminimax.server.app, "
        "mockminimax.control, mockminimax.respx_router; "
        "print('faker' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


def test_the_fixture_is_seeded_from_the_options(downstream: Downstream) -> None:
    downstream.files(
        test_fixture="""
import pytest

from mockminimax.payloads import Payloads


def test_default_seed(minimax_payloads):
    assert minimax_payloads.text_to_video() == Payloads(0).text_to_video()


@pytest.mark.minimax(seed=3)
def test_marker_seed(minimax_payloads):
    assert minimax_payloads.text_to_video() == Payloads(3).text_to_video()


def test_accepted_by_the_mock(minimax_respx, minimax_payloads):
    import httpx

    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    for body in (
        minimax_payloads.text_to_video(),
        minimax_payloads.image_to_video(data_url=True),
        minimax_payloads.first_last_frame(),
        minimax_payloads.subject_reference(),
    ):
        url = f"{minimax_respx.base_url}/v1/video_generation"
        answer = httpx.post(url, json=body, headers=auth)
        assert answer.json()["base_resp"]["status_code"] == 0, answer.json()
""",
    )
    downstream.run().assert_outcomes(passed=3)
