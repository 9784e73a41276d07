"""Configs from mappings, YAML files and dotted overrides, every key checked, and back:
`config_from_dict`, `load_config`, `parse_override`, `to_dict`, `dump_config`, `config_differences`."""
from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Union

import yaml

from evojax_mod.config.checks import _check, _one_line
from evojax_mod.config.experiment import ExperimentConfig, RunConfig, SweepConfig, _check_selection_fits
from evojax_mod.config.genomes import GENOMES
from evojax_mod.config.problems import PROBLEMS, TaskProblemConfig
from evojax_mod.config.selection import SELECTIONS
from evojax_mod.config.tasks import TaskConfig
from evojax_mod.errors import ConfigError
from evojax_mod.presets import resolve as resolve_preset


_MISMATCH = object()
# The engine computes in int32 and float32: larger values would overflow in compiled code.
INT32_RANGE = (-2 ** 31, 2 ** 31 - 1)
FLOAT32_MAX = 3.4028234663852886e38
_NOUNS = {bool: ("true or false", "booleans"), int: ("an integer", "integers"),
          float: ("a finite number", "numbers"), str: ("a string", "strings")}


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (Union, types.UnionType)


def _describe(hint: Any, plural: bool = False) -> str:
    if _is_union(hint):
        return " or ".join(_describe(alt, plural) for alt in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return f"a list of {_describe(typing.get_args(hint)[0], plural=True)}"
    return _NOUNS[hint][plural]


def _convert(value: Any, hint: Any) -> Any:
    """``value`` as type ``hint`` (lists become tuples, ints floats), or _MISMATCH."""
    if hint is bool:
        return value if isinstance(value, bool) else _MISMATCH
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and INT32_RANGE[0] <= value <= INT32_RANGE[1]
        return value if ok else _MISMATCH
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= FLOAT32_MAX
        return float(value) if ok else _MISMATCH  # NaN fails the comparison
    if hint is str:
        return value if isinstance(value, str) else _MISMATCH
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)):
            return _MISMATCH
        items = tuple(_convert(v, typing.get_args(hint)[0]) for v in value)
        return _MISMATCH if any(item is _MISMATCH for item in items) else items
    if _is_union(hint):
        for alt in typing.get_args(hint):
            converted = _convert(value, alt)
            if converted is not _MISMATCH:
                return converted
        return _MISMATCH
    raise TypeError(f"unsupported annotation {hint!r}")


def _hint_has(hint: Any, kind: type) -> bool:
    """Whether ``hint`` (a type, tuple or union) holds values of type ``kind``."""
    if _is_union(hint) or typing.get_origin(hint) is tuple:
        return any(_hint_has(alt, kind) for alt in typing.get_args(hint))
    return hint is kind


def _too_large(value: Any, kind: type) -> bool:
    """Whether ``value`` is, or (a list) holds, a number beyond the int32 (kind int) or
    float32 (kind float) range."""
    if isinstance(value, (list, tuple)):
        return any(_too_large(v, kind) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if kind is int:
        return isinstance(value, int) and not INT32_RANGE[0] <= value <= INT32_RANGE[1]
    return abs(value) > FLOAT32_MAX  # exact for ints of any size; inf too


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Turn a YAML value into the annotated type, or raise ConfigError naming the key."""
    converted = _convert(value, hint)
    if converted is _MISMATCH:
        note = ""
        if _hint_has(hint, int) and _too_large(value, int):
            note = f" (32-bit: {INT32_RANGE[0]}..{INT32_RANGE[1]})"
        elif _hint_has(hint, float) and _too_large(value, float):
            note = f" (float32: at most {FLOAT32_MAX:.7g} in magnitude)"
        _check(False, key, _describe(hint) + note, value)
    return converted


def _from_mapping(cls, data: Any, at: str, *, chosen_by: str = ""):
    """Build section dataclass ``cls`` from a mapping, checking every key.

    chosen_by: how a union member was chosen ("kind layered"), for the unknown-key message."""
    _check(isinstance(data, dict), at, "a mapping of keys to values", data)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for key, value in data.items():
        dotted = f"{at}.{key}"
        if key not in fields:
            where = f" for {chosen_by}" if chosen_by else ""
            raise ConfigError(_one_line(f"config key '{dotted}': unknown key{where}; allowed: {', '.join(fields)}"))
        kwargs[key] = _coerce(value, hints[key], dotted)
    return cls(**kwargs)


def _union_from_mapping(registry: dict, data: Any, at: str, default_kind: str):
    """Build the member of ``registry`` named by the section's ``kind`` key (default_kind if absent)."""
    _check(isinstance(data, dict), at, "a mapping of keys to values", data)
    kind = data.get("kind", default_kind)
    _check(isinstance(kind, str) and kind in registry, f"{at}.kind", f"one of: {', '.join(registry)}", kind)
    return _from_mapping(registry[kind], data, at, chosen_by=f"kind {kind}")


def _default_kind(section: str) -> str:
    return ExperimentConfig.__dataclass_fields__[section].default_factory().kind


def _experiment_from_mapping(data: dict) -> ExperimentConfig:
    """Read every section, choosing the class of each union section by the kinds read before it."""
    sections = [f.name for f in dataclasses.fields(ExperimentConfig)]
    for key in data:
        if key not in sections:
            raise ConfigError(_one_line(f"config key '{key}': unknown key; allowed: {', '.join(sections)}"))
    genome = _union_from_mapping(GENOMES, data.get("genome", {}), "genome", _default_kind("genome"))
    selection = _union_from_mapping(SELECTIONS, data.get("selection", {}), "selection", genome.selection)
    # Before reading objectives: their class follows the selection kind, and a mismatch named
    # here is clearer than the unknown objectives keys it would otherwise cause.
    _check_selection_fits(genome, selection)
    # Before reading the schedule: the problem kind says which goals (and so which schedule kinds) it has.
    problem = _union_from_mapping(PROBLEMS, data.get("problem", {}), "problem", _default_kind("problem"))
    kwargs = {
        "task": _from_mapping(TaskConfig, data.get("task", {}), "task"),
        "problem": problem,
        "schedule": _union_from_mapping(problem.schedules, data.get("schedule", {}), "schedule",
                                        _default_kind("schedule")),
        "genome": genome,
        "mutation": _from_mapping(genome.mutation_config, data.get("mutation", {}), "mutation",
                                  chosen_by=f"genome kind {genome.kind}"),
        "objectives": _from_mapping(selection.objectives_config, data.get("objectives", {}), "objectives",
                                    chosen_by=f"selection kind {selection.kind}"),
        "selection": selection,
        "run": _from_mapping(RunConfig, data.get("run", {}), "run"),
        "sweep": _from_mapping(SweepConfig, data.get("sweep", {}), "sweep"),
    }
    for key in ("name", "description"):
        if key in data:
            kwargs[key] = _coerce(data[key], str, key)
    return ExperimentConfig(**kwargs)


# No config nests deeper than a few levels or holds more than a few thousand values: beyond
# these limits a mapping is a YAML alias that contains itself, or aliases expanded over and
# over ("billion laughs"), which would otherwise recurse or grow without end.
_MAX_DEPTH = 32
_MAX_VALUES = 1_000_000


def _plain(value: Any) -> Any:
    """A deep copy with tuples as lists, so overrides never write into the caller's mapping.
    ConfigError for a value nested deeper than _MAX_DEPTH or holding more than _MAX_VALUES
    values."""
    count = 0

    def fail(at: tuple, problem: str):
        where = ".".join(map(str, at[:3])) + (".etc" if len(at) > 3 else "")
        raise ConfigError(_one_line(f"config key '{where}': {problem}"))

    def copy(v: Any, at: tuple) -> Any:
        nonlocal count
        count += 1
        if len(at) > _MAX_DEPTH:
            fail(at, f"nested more than {_MAX_DEPTH} levels deep (a YAML alias that contains itself?)")
        if count > _MAX_VALUES:
            fail(at, f"more than {_MAX_VALUES} values in the config (YAML aliases repeated over and over?)")
        if isinstance(v, dict):
            return {k: copy(x, at + (k,)) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [copy(x, at + (i,)) for i, x in enumerate(v)]
        return v

    return copy(value, ())


def _check_top(data: Any, where: str) -> None:
    if not isinstance(data, dict):
        got = "nothing" if data is None else f"{type(data).__name__} {_one_line(repr(data))[:60]}"
        raise ConfigError(f"{where}: expected a mapping of sections ({', '.join(ExperimentConfig.__dataclass_fields__)}), "
                          f"got {got}")


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        section = ".".join(parts[:depth + 1])
        _check(isinstance(child, dict), section, f"a mapping to set '{dotted}' in", child)
        node = child
    node[parts[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """'run.population=500' -> ('run.population', 500); the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"override '{text}': expected key=value, e.g. run.population=500")
    key, raw = text.split("=", 1)
    try:
        return key.strip(), yaml.safe_load(raw)
    except (yaml.YAMLError, RecursionError):  # PyYAML recurses once per nesting level
        raise ConfigError(_one_line(f"override '{text[:200]}': the value is not valid YAML "
                                    "(or nested too deeply)")) from None


def config_from_dict(data: dict, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Validate a mapping (plus dotted overrides) into an ExperimentConfig."""
    _check_top(data, "config")
    data = _plain(data)
    for key, value in _plain(overrides or {}).items():
        _check(isinstance(key, str), "override", "a dotted key such as run.population", key)
        _set_dotted(data, key, value)
    return _experiment_from_mapping(data).validate()


def load_config(path: str | Path, *, seeds: int | None = None, generations: int | None = None,
                population: int | None = None, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """Read a YAML config, apply overrides (keyword shortcuts win over the dict), validate.
    ``path`` is a file or, when no such file exists, the name of a shipped preset
    (`evojax_mod.presets`), e.g. 'clune2013/pcc'."""
    path = resolve_preset(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}': not found, nor a preset (`evojax-mod presets` lists them)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file '{path}': not valid UTF-8 text") from None
    except OSError as err:
        raise ConfigError(_one_line(f"config file '{path}': cannot be read ({err.strerror or err})")) from None
    except RecursionError:  # PyYAML recurses once per nesting level
        raise ConfigError(f"config file '{path}': not valid YAML (nested too deeply)") from None
    except yaml.YAMLError as err:
        line = getattr(getattr(err, "problem_mark", None), "line", None)
        raise ConfigError(f"config file '{path}': not valid YAML" + (f" (line {line + 1})" if line is not None else "")) from None
    _check_top(data, f"config file '{path}'")
    merged = dict(overrides or {})
    shortcuts = {"run.seeds": seeds, "run.generations": generations, "run.population": population}
    merged.update({k: v for k, v in shortcuts.items() if v is not None})
    return config_from_dict(data, merged)


def to_dict(config: ExperimentConfig) -> dict:
    """Plain nested dict (lists instead of tuples), ready for YAML; union sections keep their
    kind; the sweep and problem sections only where they are not the default, the task section
    not under a data-set problem (unless set)."""
    data = _plain(dataclasses.asdict(config))
    if config.sweep == SweepConfig():
        del data["sweep"]
    if config.problem == TaskProblemConfig():
        del data["problem"]
    elif config.task == TaskConfig():  # a data set reads no Boolean task
        del data["task"]
    return data


def dump_config(config: ExperimentConfig) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False)


def _flat(data: dict, at: str = "") -> dict[str, Any]:
    """Nested mappings as one mapping of dotted keys (prefixed by ``at``) to the leaves."""
    out = {}
    for key, value in data.items():
        dotted = f"{at}{key}"
        out.update(_flat(value, f"{dotted}.") if isinstance(value, dict) else {dotted: value})
    return out


def config_differences(a: ExperimentConfig, b: ExperimentConfig) -> list[tuple[str, str, str]]:
    """The dotted keys where two configs differ, in config order, each with its value in
    ``a`` and in ``b`` as YAML flow text ("-" where that config has no such key: sections of
    another kind)."""
    flat_a, flat_b = _flat(to_dict(a)), _flat(to_dict(b))

    def text(flat: dict, key: str) -> str:
        if key not in flat:
            return "-"
        return yaml.safe_dump(flat[key], default_flow_style=True).removesuffix("\n...\n").strip()

    keys = list(flat_a) + [k for k in flat_b if k not in flat_a]
    return [(k, text(flat_a, k), text(flat_b, k)) for k in keys
            if flat_a.get(k, _MISMATCH) != flat_b.get(k, _MISMATCH)]
