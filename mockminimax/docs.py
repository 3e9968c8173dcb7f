"""README tables generated from the sources of truth: the model catalog, the error-code
table, the route list and the settings.

`python -m mockminimax.docs` rewrites the marked sections of README.md; a test fails
when the README and the code disagree.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .core.catalog import MODELS, RESOLUTIONS
from .core.catalog_v2 import FPS as FPS_V2
from .core.catalog_v2 import MODELS as MODELS_V2
from .core.catalog_v2 import RATIOS, SIZE_SOURCES, SIZES, frames_for
from .core.catalog_v2 import RESOLUTIONS as RESOLUTIONS_V2
from .core.codes import CODES
from .core.faults import DIRECTIVES, KEYS
from .core.onehub import DIFFERENCES
from .core.settings import Settings
from .core.templates import TEMPLATE_RESOLUTION, TEMPLATE_SECONDS, TEMPLATES
from .server.routes import ROUTES

__all__ = [
    "SECTIONS",
    "fault_directives_table",
    "fault_keys_table",
    "gateway_profile_table",
    "render",
    "update_readme",
]


def _env(name: str) -> str:
    return f"MOCKMINIMAX_{name.upper()}"


def _cell(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", text)  # a bare | would end the cell


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def fault_keys_table() -> str:
    """The rule reference, from `faults.KEYS`."""
    return _table(
        ("key", "kind", "values", "what"),
        [(f"`{k.name}`", k.group, k.values, k.help) for k in KEYS],
    )


def fault_directives_table() -> str:
    """The prompt directives, from `faults.DIRECTIVES`."""
    rows = []
    for name, (what, _) in DIRECTIVES.items():
        example, _, effect = what.partition(": ")
        rows.append((f"{example} (`{name}`)", effect))
    return _table(("directive", "effect"), rows)


def models_table() -> str:
    """The V1 model matrix and output sizes, from the catalog."""
    rows = []
    legacy = []
    for model in MODELS.values():
        if model.stands_for is not None:
            res = RESOLUTIONS[model.default_resolution]
            for mode, current in model.stands_for.items():
                output = f"{res.name}, 6 s, {model.fps} fps"
                legacy.append((f"`{model.name}`", mode.label, f"`{current}`", output))
            continue
        for mode in model.modes:
            cells = "; ".join(
                f"{res} {'/'.join(map(str, model.durations(mode, res)))}"
                for res in model.resolutions(mode)
            )
            default = f"{model.default_resolution}, 6 s"
            rows.append((f"`{model.name}`", mode.label, cells, default))
    sizes = [(r.name, f"{r.width}x{r.height}", r.source) for r in RESOLUTIONS.values()]
    return (
        _table(("model", "mode", "resolution: durations (s)", "default"), rows)
        + "\n\n"
        + _table(("resolution", "output (16:9)", "source"), sizes)
        + "\n\n"
        + _table(("legacy name (`legacy_models`)", "mode", "stands for", "output"), legacy)
    )


def models_v2_table() -> str:
    """The V2 (H3) models, output sizes and frame grid, from `catalog_v2`."""
    models = []
    for m in MODELS_V2.values():
        endpoints = ["create"]
        endpoints += ["h3_context_ir"] if m.context_ir else []
        endpoints += ["video_regeneration"] if m.regeneration else []
        durations = f"{m.durations[0]}-{m.durations[-1]}"
        models.append((f"`{m.name}`", ", ".join(m.resolutions), durations, ", ".join(endpoints)))
    sizes = [
        (
            f"`{ratio}`",
            *(
                f"{w}x{h}"
                + (f" ({SIZE_SOURCES[(res, ratio)]})" if (res, ratio) in SIZE_SOURCES else "")
                for res in RESOLUTIONS_V2
                for w, h in (SIZES[res][ratio],)
            ),
        )
        for ratio in RATIOS
    ]
    grid = [(str(d), str(frames_for(d)), f"{frames_for(d) / FPS_V2:.3f}") for d in range(4, 16)]
    return (
        _table(("model", "resolutions", "duration (s)", "endpoints"), models)
        + "\n\n"
        + _table(("ratio", *RESOLUTIONS_V2), sizes)
        + "\n\n"
        + _table(("duration", "frames (17n+5)", "seconds at 24 fps"), grid)
    )


def codes_table() -> str:
    """The error-code table."""
    rows = []
    for c in CODES.values():
        http = f"{c.v2_http[0]} `{c.v2_http[1]}`" if c.v2_http[1] else str(c.v2_http[0])
        rows.append((str(c.code), f"`{c.message}`", c.meaning, http))
    return _table(("code", "status_msg", "meaning", "V2 HTTP"), rows)


def routes_table() -> str:
    """The route list."""
    rows = [(r.surface.name, ", ".join(r.methods), f"`{r.path}`", r.summary) for r in ROUTES]
    return _table(("surface", "method", "path", "what"), rows)


def settings_table() -> str:
    """Every setting with its default, variable, help and the conflict it resolves."""
    defaults = Settings()
    rows = []
    for f in dataclasses.fields(Settings):
        default = getattr(defaults, f.name)
        shown = "none" if default in (None, ()) else f"`{default}`"
        choices = f.metadata.get("choices") or ()
        what = f.metadata["help"] + (f" ({' | '.join(choices)})" if choices else "")
        conflict = f.metadata.get("conflict") or ""
        rows.append((f"`{f.name}`", shown, f"`{_env(f.name)}`", what, conflict))
    header = ("setting", "default", "environment", "what", "reference conflict it resolves")
    return _table(header, rows)


def templates_table() -> str:
    """The Video Agent's templates, from `core.templates.TEMPLATES`."""
    sources = {"docs": "MiniMax's video guide", "list": "a transcription of the list page"}
    rows = [
        (f"`{t.template_id}`", t.name, t.inputs, sources.get(t.source, t.source))
        for t in TEMPLATES.values()
    ]
    res = RESOLUTIONS[TEMPLATE_RESOLUTION]
    note = f"\n\nEach renders a {res.name} ({res.width}x{res.height}), {TEMPLATE_SECONDS} s video."
    return _table(("template_id", "name", "inputs required", "inputs from"), rows) + note


def gateway_profile_table() -> str:
    """What `gateway_profile` changes, point by point, from `onehub.DIFFERENCES`."""
    rows = [(d.point, d.docs, d.code, d.source) for d in DIFFERENCES]
    return _table(("point", "`docs` (default)", "`onehub-code`", "source"), rows)


SECTIONS: dict[str, Callable[[], str]] = {
    "models": models_table,
    "models_v2": models_v2_table,
    "codes": codes_table,
    "routes": routes_table,
    "settings": settings_table,
    "gateway_profile": gateway_profile_table,
    "fault_keys": fault_keys_table,
    "fault_directives": fault_directives_table,
    "templates": templates_table,
}


def _replacer(table: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(1) + table + m.group(2)


def render(text: str) -> str:
    """`text` with every generated section replaced by its current table."""
    for name, make in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise ValueError(f"README has no generated:{name} section")
        table = make() + "\n"
        text = pattern.sub(_replacer(table), text)
    return text


def update_readme(path: Path) -> bool:
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    print("README updated" if update_readme(target) else "README already up to date")
