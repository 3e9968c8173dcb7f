"""Valid create-request bodies for tests, seeded so a run is reproducible.

Each factory picks a model, resolution and duration the model matrix allows for its mode
(`core.catalog`), and a Faker prompt; keyword overrides replace fields (`OMIT` drops one),
and the remaining fields are chosen to stay valid with the overrides (a `model` override
gets a resolution and duration that model takes). Images are https URLs on the reserved
example domains, which the mock never fetches; `data_url=True` gives a real PNG data URL
instead, for clients that upload images inline.

Faker is a heavy import, so it is imported here only: never by the server or the package root.
"""

from __future__ import annotations

import random
from typing import Any, Final

from faker import Faker

from .core import catalog_v2 as cat_v2
from .core.catalog import CAMERA_COMMANDS, MODELS, Mode, Model, output_size
from .core.images import png_data_url

__all__ = ["OMIT", "Payloads"]


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


#: Pass as an override to leave a field out of the body: `text_to_video(duration=OMIT)`.
OMIT: Final = _Omit()

_DOMAINS = ("example.com", "example.org", "example.net")


class Payloads:
    """Factories of valid MiniMax create bodies, V1 and V2 (what `minimax_payloads` yields)."""

    OMIT = OMIT

    def __init__(self, seed: int | None = 0, locale: str = "en_US") -> None:
        self.seed = seed
        self.faker = Faker(locale)
        self.faker.seed_instance(seed)
        self._rng = random.Random(seed)

    # -- pieces -------------------------------------------------------------------------

    def prompt(self, camera: bool | None = None) -> str:
        """A short scene description; sometimes with a `[camera command]`, as real prompts have."""
        text = self.faker.sentence(nb_words=self._rng.randint(6, 14)).rstrip(".")
        if camera is None:
            camera = self._rng.random() < 0.5
        if camera:
            text += f" [{self._rng.choice(CAMERA_COMMANDS)}]"
        return text + "."

    def image_url(self, kind: str = "frames") -> str:
        """An https image URL on a reserved example domain (never fetched by the mock)."""
        name = self.faker.uuid4().replace("-", "")[:16]
        ext = self._rng.choice(("jpg", "jpeg", "png", "webp"))
        return f"https://{self._rng.choice(_DOMAINS)}/{kind}/{name}.{ext}"

    def image_data_url(self, width: int = 1280, height: int = 720) -> str:
        """A real PNG as a data URL, which the mock decodes and checks like MiniMax does."""
        colour = (self._rng.randrange(256), self._rng.randrange(256), self._rng.randrange(256))
        return png_data_url(width, height, colour)

    # -- request bodies -----------------------------------------------------------------

    def text_to_video(self, **overrides: Any) -> dict[str, Any]:
        """Text-to-Video: model, prompt, duration, resolution."""
        return self._body(Mode.T2V, {}, overrides)

    def image_to_video(self, *, data_url: bool = False, **overrides: Any) -> dict[str, Any]:
        """Image-to-Video: a `first_frame_image` plus an optional prompt."""
        frame = self._image("frames", data_url)
        return self._body(Mode.I2V, {"first_frame_image": frame}, overrides)

    def first_last_frame(self, *, data_url: bool = False, **overrides: Any) -> dict[str, Any]:
        """First-and-last-frame: `first_frame_image` and `last_frame_image`."""
        fields = {
            "first_frame_image": self._image("frames", data_url),
            "last_frame_image": self._image("frames", data_url),
        }
        return self._body(Mode.FL2V, fields, overrides)

    def subject_reference(self, *, data_url: bool = False, **overrides: Any) -> dict[str, Any]:
        """Subject reference (S2V-01): one character image."""
        face = self._image("faces", data_url)
        fields = {"subject_reference": [{"type": "character", "image": [face]}]}
        return self._body(Mode.S2V, fields, overrides)

    # -- V2 (H3) bodies -----------------------------------------------------------------

    def v2_text_to_video(self, **overrides: Any) -> dict[str, Any]:
        """`POST /v2/video_generation`, t2va: one text item and a fixed ratio."""
        return self._v2_body([], overrides, ratio=self._rng.choice(cat_v2.RATIOS))

    def v2_image_to_video(
        self, *, data_url: bool = False, last_frame: bool = False, **overrides: Any
    ) -> dict[str, Any]:
        """i2va: a `first_frame` image (and a `last_frame` with `last_frame=True`)."""
        roles = ["first_frame", "last_frame"] if last_frame else ["first_frame"]
        items = [self._v2_image(role, data_url) for role in roles]
        return self._v2_body(items, overrides)

    def v2_reference_to_video(
        self, *, images: int = 2, data_url: bool = False, **overrides: Any
    ) -> dict[str, Any]:
        """r2va: `images` reference images (1-9), ratio adaptive."""
        if not 1 <= images <= cat_v2.ROLE_LIMITS["reference_image"]:
            raise ValueError(f"images: 1 to 9 reference images, not {images}")
        items = [self._v2_image("reference_image", data_url) for _ in range(images)]
        return self._v2_body(items, overrides, ratio=cat_v2.ADAPTIVE)

    def v2_context_ir(self, **overrides: Any) -> dict[str, Any]:
        """`POST /v2/h3_context_ir`: MiniMax-H3, text and a duration."""
        body = {
            "model": "MiniMax-H3",
            "content": [{"type": "text", "text": self.prompt(camera=False)}],
            "duration": self._rng.choice(cat_v2.MODELS["MiniMax-H3"].durations),
        }
        return _apply(body, overrides)

    def v2_regeneration(self, source_task_id: str, **overrides: Any) -> dict[str, Any]:
        """`POST /v2/video_regeneration` of a succeeded 768P MiniMax-H3 task."""
        body = {"model": "MiniMax-H3", "source_task_id": source_task_id, "resolution": "2K"}
        return _apply(body, overrides)

    def _v2_image(self, role: str, data_url: bool) -> dict[str, Any]:
        url = self.image_data_url(768, 1344) if data_url else self.image_url("frames")
        return {"type": "image_url", "image_url": {"url": url}, "role": role}

    def _v2_body(
        self, items: list[dict[str, Any]], overrides: dict[str, Any], ratio: str | None = None
    ) -> dict[str, Any]:
        name = overrides.get("model")
        if not isinstance(name, str) or name not in cat_v2.MODELS:
            name = self._rng.choice(tuple(cat_v2.MODELS))
        model = cat_v2.MODELS[name]
        text = {"type": "text", "text": self.prompt(camera=False)}
        body: dict[str, Any] = {
            "model": name,
            "content": [text, *items],
            "resolution": self._rng.choice(model.resolutions),
            "duration": self._rng.choice(model.durations),
        }
        if ratio is not None:
            body["ratio"] = ratio
        return _apply(body, overrides)

    # -- internals ----------------------------------------------------------------------

    def _image(self, kind: str, data_url: bool) -> str:
        if data_url:
            width, height = output_size("720P")
            return self.image_data_url(width, height)
        return self.image_url(kind)

    def _body(
        self, mode: Mode, fields: dict[str, Any], overrides: dict[str, Any]
    ) -> dict[str, Any]:
        wanted_res = overrides.get("resolution")
        wanted_dur = overrides.get("duration")
        model_name = overrides.get("model")
        if not isinstance(model_name, str) or model_name not in MODELS:
            model_name = self._rng.choice(_models_for(mode, wanted_res, wanted_dur)).name
        model = MODELS[model_name]
        body: dict[str, Any] = {"model": model_name, "prompt": self.prompt()}
        body.update(fields)
        if mode in model.modes and not model.series_01:
            # 01-series models get the documented defaults by leaving both fields out,
            # valid whichever way the `legacy_01_params` setting goes.
            resolutions = model.resolutions(mode)
            if isinstance(wanted_dur, int):
                resolutions = (
                    tuple(r for r in resolutions if wanted_dur in model.durations(mode, r))
                    or resolutions
                )
            resolution = wanted_res
            if not isinstance(resolution, str) or resolution not in model.resolutions(mode):
                resolution = self._rng.choice(resolutions)
            durations = model.durations(mode, resolution)
            body["duration"] = self._rng.choice(durations) if durations else 6
            body["resolution"] = resolution
        return _apply(body, overrides)


def _apply(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for name, value in overrides.items():
        if value is OMIT:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def _models_for(mode: Mode, resolution: Any, duration: Any) -> list[Model]:
    """The current (not 01-series) models offering `mode` that take the overridden
    resolution and duration; all of the mode's models when none does (S2V-01 is the only
    subject-reference model)."""
    models = [m for m in MODELS.values() if mode in m.modes and not m.legacy]
    fitting = [
        m
        for m in models
        if (not isinstance(resolution, str) or resolution in m.resolutions(mode))
        and (
            not isinstance(duration, int)
            or any(duration in m.durations(mode, r) for r in m.resolutions(mode))
        )
        and not m.series_01  # the current models, as new clients use; pass model= for others
    ]
    return fitting or models
