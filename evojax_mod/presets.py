"""The shipped configs ("presets"): package data under ``evojax_mod/configs``, found by name
from any directory, e.g. ``evojax-mod run clune2013/pcc`` (``evojax-mod presets`` lists them).

A preset's name is its path under that folder without ``.yaml``; ``.yaml`` and a leading
``configs/`` (the checkout's symlink to the folder) may be given too. A file that exists at
the given path always wins over a preset of the same name. This module imports neither jax
nor the config module.
"""
from __future__ import annotations

from pathlib import Path

import yaml

PRESETS_DIR = Path(__file__).resolve().parent / "configs"
SUFFIX = ".yaml"


def names() -> list[str]:
    """Every preset's name, sorted, e.g. 'clune2013/pcc'."""
    return sorted(p.relative_to(PRESETS_DIR).with_suffix("").as_posix() for p in PRESETS_DIR.rglob(f"*{SUFFIX}"))


def find(name: str) -> Path | None:
    """The file of the preset called ``name`` ('clune2013/pcc', 'clune2013/pcc.yaml' or
    'configs/clune2013/pcc.yaml'), or None when no preset has that name."""
    key = Path(name).as_posix().removeprefix("configs/").removesuffix(SUFFIX)
    return PRESETS_DIR / f"{key}{SUFFIX}" if key in names() else None


def resolve(path: str | Path) -> Path:
    """The config file ``path`` means: itself when it is a file, else the preset of that name,
    else ``path`` unchanged (for the caller to report as not found)."""
    path = Path(path)
    if path.is_file():
        return path
    return find(str(path)) or path


def description(name: str) -> str:
    """The one-line ``description:`` of preset ``name`` ('' when it has none)."""
    try:
        data = yaml.safe_load((PRESETS_DIR / f"{name}{SUFFIX}").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return "(not valid YAML)"
    return " ".join(str(data.get("description", "")).split()) if isinstance(data, dict) else ""
