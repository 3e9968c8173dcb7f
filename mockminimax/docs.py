"""README tables generated from the sources of truth: the model catalog, the error-code
table, the route list and the settings.

`python -m mockminimax.docs` rewrites the marked sections of README.md; a test fails
when the README and the code disagree.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable
from pathlib import Path

from .core.catalog import MODELS, RESOLUTIONS
from .core.codes import CODES
from .core.faults import directives_table, reference_table
from .core.settings import Settings
from .server.routes import ROUTES

__all__ = ["SECTIONS", "render", "update_readme"]


def _env(name: str) -> str:
    return f"MOCKMINIMAX_{name.upper()}"


def models_table() -> str:
    rows = ["| model | mode | resolution: durations (s) | default |", "|---|---|---|---|"]
    for model in MODELS.values():
        for mode in model.modes:
            cells = "; ".join(
                f"{res} {'/'.join(map(str, model.durations(mode, res)))}"
                for res in model.resolutions(mode)
            )
            default = f"{model.default_resolution}, 6 s"
            rows.append(f"| `{model.name}` | {mode.label} | {cells} | {default} |")
    rows.append("")
    rows.append("| resolution | output (16:9) | source |")
    rows.append("|---|---|---|")
    rows.extend(f"| {r.name} | {r.width}x{r.height} | {r.source} |" for r in RESOLUTIONS.values())
    return "\n".join(rows)


def codes_table() -> str:
    rows = ["| code | status_msg | meaning | V2 HTTP |", "|---|---|---|---|"]
    for c in CODES.values():
        http = f"{c.v2_http[0]} `{c.v2_http[1]}`" if c.v2_http[1] else str(c.v2_http[0])
        rows.append(f"| {c.code} | `{c.message}` | {c.meaning} | {http} |")
    return "\n".join(rows)


def routes_table() -> str:
    rows = ["| surface | method | path | what |", "|---|---|---|---|"]
    for r in ROUTES:
        what = r.summary.replace("|", "\\|")
        rows.append(f"| {r.surface.name} | {', '.join(r.methods)} | `{r.path}` | {what} |")
    return "\n".join(rows)


def settings_table() -> str:
    rows = [
        "| setting | default | environment | what | reference conflict it resolves |",
        "|---|---|---|---|---|",
    ]
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        default = getattr(defaults, f.name)
        shown = "none" if default in (None, ()) else f"`{default}`"
        choices = f.metadata.get("choices") or ()
        listed = " \\| ".join(choices)
        what = f.metadata["help"] + (f" ({listed})" if choices else "")
        conflict = f.metadata.get("conflict") or ""
        rows.append(f"| `{f.name}` | {shown} | `{_env(f.name)}` | {what} | {conflict} |")
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {
    "models": models_table,
    "codes": codes_table,
    "routes": routes_table,
    "settings": settings_table,
    "fault_keys": reference_table,
    "fault_directives": directives_table,
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
