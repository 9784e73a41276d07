"""The helpers every section's validation shares: `_check` (a one-line `ConfigError` naming the
dotted key), the kind and layer checks, and `host_only` fields."""
from __future__ import annotations

from dataclasses import field
from typing import Any

from evojax_mod.errors import ConfigError


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _check(condition: bool, key: str, allowed: str, got: Any) -> None:
    if not condition:
        shown = _one_line(repr(got))
        shown = shown if len(shown) <= 200 else f"{shown[:200]}..."
        raise ConfigError(_one_line(f"config key '{key}': expected {allowed}, got {shown}"))


def host_only(default: Any) -> Any:
    """A dataclass field that jitted code never reads (``compiled_key`` resets it to ``default``)."""
    return field(default=default, metadata={"host_only": True})


def _kind_of(cls: type) -> str:
    """The kind a union member stands for: the default of its ``kind`` field."""
    return cls.__dataclass_fields__["kind"].default


def _check_kind(section: Any, at: str) -> None:
    expected = _kind_of(type(section))
    _check(section.kind == expected, f"{at}.kind", f"'{expected}' for {type(section).__name__}", section.kind)


def _check_layers(layers: tuple, at: str) -> None:
    _check(len(layers) >= 2 and all(isinstance(n, int) and n >= 1 for n in layers),
           f"{at}.layers", "a list of at least two positive integers", list(layers))


def _check_layers_fit_task(layers: tuple, at: str, task) -> None:
    """``task``: what the problem resolves to (name, n_inputs and, where not 1, n_outputs)."""
    n_outputs = getattr(task, "n_outputs", 1)
    _check(layers[0] == task.n_inputs and layers[-1] == n_outputs, f"{at}.layers",
           f"{task.n_inputs} inputs first ({task.name}) and {n_outputs} output{'s' * (n_outputs > 1)} last",
           list(layers))
