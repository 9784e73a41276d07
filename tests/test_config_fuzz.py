"""Malformed configs, generated: each is refused with exactly one one-line ConfigError that names
the key at fault (or the file, when the file itself is no config), and nothing else escapes.

Every example starts from the fully spelled-out dict of a shipped preset (`to_dict`: every key
present) and breaks it once, in one of these ways: a value of the wrong type, a value out of
range, an unknown key (in a section or at the top), a missing ``kind`` or section that other
keys depend on, wrong nesting (a section given as a scalar or list, a value as a mapping, a
section inside another, a key at the wrong level). Each broken dict goes through
`config_from_dict` and, written as YAML, through `load_config`; both must raise the same
error. Files that are no mapping (lists, scalars, empty, comments only), not YAML or not UTF-8
go through `load_config`. A sample goes through `evojax-mod run`, with the breakage in the file
or in an override (--set, --seeds, --pop, --generations): exit 2, one line on stderr, no
traceback, no run directory.

The wrong values are listed here by the type the config declares, not taken from the config
module, so that a check that accepts too much fails these tests.
"""
from __future__ import annotations

import atexit
import contextlib
import copy
import io
import math
import os
import re
import shutil
import tempfile
import typing
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings, strategies as st

from evojax_mod import cli, presets
from evojax_mod.config import ConfigError, config_from_dict, load_config, to_dict

BASE_PRESETS = ["clune2013/pcc", "clune2013/pa", "kashtan_alon2005/circuits_mvg", "kashtan_alon2005/retina_mvg",
                "kashtan_alon2005/circuits_qmax", "rmvg/circuits_rmvg", "rmvg/circuits_random",
                "rmvg/xor3_circuits_rmvg"]


def _bases() -> list[dict]:
    bases = [to_dict(load_config(name)) for name in BASE_PRESETS if name in presets.names()]
    switch = copy.deepcopy(bases[0])
    switch["schedule"] = {"kind": "switch", "goals": ["and", "or"], "switch_at": 10}
    return bases + [to_dict(config_from_dict(switch))]


BASES = _bases()
# the class that reads each section of each base config
CLASSES = {id(base): {name: type(getattr(config_from_dict(base), name)) for name, value in base.items()
                      if isinstance(value, dict)} for base in BASES}
SECTIONS = [name for name, value in BASES[0].items() if isinstance(value, dict)]
TOP_LEVEL = list(BASES[0])
WORK = Path(tempfile.mkdtemp(prefix="config-fuzz-"))  # hypothesis runs many examples per test: no tmp_path
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
N_CLI = 20

# --- wrong values, by declared type ------------------------------------------------------------

NAN, INF = math.nan, math.inf
WRONG = {
    int: ["ten", "1", 1.5, 2.0, True, False, None, [1], {"a": 1}, NAN, 2 ** 31, -2 ** 31 - 1, 10 ** 30],
    float: ["x", "0.5", True, None, [0.5], {"a": 1}, NAN, INF, -INF, 1e39, -1e39, 10 ** 400],
    bool: [1, 0, 1.0, "true", "yes", None, [True], {"a": 1}],
    str: [5, 1.5, True, None, ["a"], {"a": 1}],
}
WRONG_LISTS = {
    int: ["abc", 5, None, True, {"a": 1}, [1, "x"], [1.5], [[1]], [True], [None], [2 ** 40]],
    float: ["abc", 5, None, {"a": 1}, ["x"], [None], [True], [[1.0]], [NAN], [INF], [1e39]],
    "goal": [5, "and", None, True, {"a": 1}, [1.5], [None], [[1]], [True], [{"a": 1}], [2 ** 40]],
}


def wrong_values(hint) -> list:
    """Values that are not of the declared type ``hint``."""
    if hint in WRONG:
        return WRONG[hint]
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple:
        element = args[0]
        return WRONG_LISTS[element] if element in WRONG_LISTS else WRONG_LISTS["goal"]  # int | str elements
    # str | tuple[int | str, ...] (rmvg family): neither a string nor a list of goals
    return [5, 1.5, None, True, {"a": 1}, [1.5], [None], [True]]


# --- values out of range, by section class and key -----------------------------------------------
# Each entry: (values, the keys the error may name besides the broken one). The values are of the
# right type and wrong whatever the other keys say.

GOALS_WRONG = [["maybe"], [99999], [-1], ["L &"], ["and", "maybe"], ["~" * 2000 + "L"], ["L" + " ^ L" * 2000],
               ["(" * 300 + "L" + ")" * 300]]
OUT_OF_RANGE = {
    "RunConfig": {
        "population": lambda d: [3, 7, 0, -2, 2] + ([23172, 30000] if d["selection"]["kind"] == "nsga2" else []),
        "generations": [0, -1],
        "seeds": [0, -3],
        "seed": [-1, -2 ** 31],
        "log_every": [0, -1],
        "checkpoint_every": lambda d: [0, -1, -d["run"]["log_every"]]
        + ([d["run"]["log_every"] + 1] if d["run"]["log_every"] > 1 else []),
        "kernels": ["fast", "", "AUTO"],
    },
    "TaskConfig": {"name": ["nope", "", "Retina", "no_such_module_xyz:task", "os:path"],
                   "patterns": lambda d: [-1, 10 ** 6] + ([5] if d["selection"]["kind"] == "nsga2" else []),
                   "redraw_every": [-1]},
    "FixedScheduleConfig": {"goals": [[]] + GOALS_WRONG},
    "MvgScheduleConfig": {"goals": [[], ["and"]] + GOALS_WRONG, "period": [0, -5]},
    "SwitchScheduleConfig": {"goals": [[], ["and"], ["and", "or", "and"]] + GOALS_WRONG, "switch_at": [-1]},
    "RmvgScheduleConfig": {"period": [0, -5], "family": ["some", "", [], ["and"], ["maybe", "x"]],
                           "holdout": [["maybe"], [99999]]},
    "RandomScheduleConfig": {"period": [0, -5]},
    "LayeredGenomeConfig": {"layers": [[8], [8, 0, 1], [7, 8, 1], [8, 8, 2], [], [8, -1, 1]],
                            "x": [[1.0], [0.0, 1.0]], "y": ([[1.0]], {"genome.x"}),
                            "weight_set": ["ternary", ""], "bias_values": [[]], "steepness": [0, -1.0],
                            "init_connections": [[5, 5], [-1, 3], [1, 2, 3], [3], [6, 2]]},
    "CircuitGenomeConfig": {"max_gates": [1, 0, -3], "wiring": ["loop", ""]},
    "ThresholdGenomeConfig": {"layers": ([[8], [7, 8, 4, 2, 1], [8, 8, 4, 2, 2], [8, 8]], {"genome.fan_in"}),
                              "fan_in": [[0, 3, 3, 2], [3, 3], [3, 3, 3, -1]],
                              "thresholds": [[3, -3], [1], [1, 2, 3]], "threshold_values": [[1, 1], [0, 2, 0]],
                              "firing": ["over", "", "ABOVE"]},
    "LayeredMutationConfig": {"weight_changes_per_genome": [-1.0], "bias_rate": [1.5, -0.1],
                              "add_connection": [2.0, -0.5], "remove_connection": [-1.0, 1.01]},
    "PointMutationConfig": {"per_genome": [1.5, -0.5]},
    "ParetoObjectivesConfig": {"connection_cost": ["wires", "None", ""], "cost_pressure": [1.5, -0.2, 1.0001]},
    "FitnessConfig": {"maximise": ["q", "Task", ""], "size_penalty": [-1.0], "free_gates": [-1]},
    "ElitistSelectionConfig": {"elite": [0, -1, 10 ** 6], "crossover_rate": [1.5, -0.1], "scheme": ["x", ""]},
}
KINDS_WRONG = ["nope", "", "Layered", "NSGA2"]


def section_class(data: dict, section: str) -> type:
    """The class that reads section ``section`` of the base config ``data``."""
    return CLASSES[id(data)][section]


def leaves(data: dict) -> list[tuple[str, str | None]]:
    """(section, key) of every leaf, key None for the top-level strings name and description."""
    return [(s, k) for s in SECTIONS for k in data[s]] + [(k, None) for k in TOP_LEVEL if k not in SECTIONS]


def hint_of(data: dict, section: str, key: str | None):
    if key is None:
        return str
    return typing.get_type_hints(section_class(data, section))[key]


def dotted(section: str, key) -> str:
    return section if key is None else f"{section}.{key}"


# --- the ways to break a config: each returns (data, the keys its error may name) --------------


def wrong_type(draw, base):
    data = copy.deepcopy(base)
    section, key = draw(st.sampled_from(leaves(data)))
    value = draw(st.sampled_from(wrong_values(hint_of(base, section, key))))
    if key is None:
        data[section] = value
    else:
        data[section][key] = value
    return data, {dotted(section, key)}


def out_of_range(draw, base):
    data = copy.deepcopy(base)
    choices = []
    for section in SECTIONS:
        table = OUT_OF_RANGE.get(section_class(base, section).__name__, {})
        choices += [(section, key, entry) for key, entry in table.items() if key in data[section]]
    choices += [(s, "kind", KINDS_WRONG) for s in SECTIONS if "kind" in data[s]]
    choices += [("name", None, ["", "two\nlines", "nul\x00"])]
    section, key, entry = draw(st.sampled_from(choices))
    values, also = entry if isinstance(entry, tuple) else (entry, set())
    value = draw(st.sampled_from(values(data) if callable(values) else values))
    if key is None:
        data[section] = value
    else:
        data[section][key] = value
    return data, {dotted(section, key)} | also


KEY_NAMES = st.one_of(
    st.text(st.characters(categories=["L", "N"], include_characters="_-. \n'"), min_size=1, max_size=12),
    st.sampled_from([None, True, 1, 2.5, "kind", "population", "goals", "name", "run"]))


def unknown_key(draw, base):
    data = copy.deepcopy(base)
    where = draw(st.sampled_from([None] + SECTIONS))
    known = set(TOP_LEVEL) if where is None else set(section_class(base, where).__dataclass_fields__)
    key = draw(KEY_NAMES.filter(lambda k: k not in known))
    (data if where is None else data[where])[key] = draw(st.sampled_from([1, "x", None, [1], {"a": 1}]))
    return data, {key if where is None else f"{where}.{key}"}


def missing_kind(draw, base):
    """Without its kind a section is read as the default kind, to which its keys do not belong
    (or, for the genome, with which the selection does not go)."""
    data = copy.deepcopy(base)
    choices = [s for s in ("genome", "schedule") if data[s]["kind"] != {"genome": "layered", "schedule": "fixed"}[s]]
    if data["genome"]["kind"] != "layered":
        choices.append("genome section")
    if not choices:  # the Clune presets: a layered genome and a fixed schedule
        data["schedule"] = {"kind": "mvg", "period": 20, "goals": ["and", "or"]}
        choices = ["schedule"]
    section = draw(st.sampled_from(choices))
    if section == "genome section":
        del data["genome"]
        return data, {"selection.kind", "selection.*"}
    del data[section]["kind"]
    return data, {f"{section}.*", "selection.kind"}


def wrong_nesting(draw, base):
    data = copy.deepcopy(base)
    how = draw(st.sampled_from(["section as value", "value as mapping", "section in section", "key at top"]))
    if how == "section as value":
        section = draw(st.sampled_from(SECTIONS))
        data[section] = draw(st.sampled_from([5, "run", [1, 2], [data[section]], None, True]))
        return data, {section}
    if how == "value as mapping":
        section, key = draw(st.sampled_from([(s, k) for s, k in leaves(data) if k is not None]))
        data[section][key] = {"value": data[section][key]}
        return data, {dotted(section, key)}
    if how == "section in section":
        outer, inner = draw(st.permutations(SECTIONS))[:2]
        data[outer][inner] = copy.deepcopy(data[inner])
        return data, {f"{outer}.{inner}"}
    section, key = draw(st.sampled_from([(s, k) for s, k in leaves(data) if k is not None and k not in TOP_LEVEL]))
    data[key] = data[section].pop(key)
    return data, {key}


BREAKAGES = [wrong_type, out_of_range, unknown_key, missing_kind, wrong_nesting]


@st.composite
def broken_configs(draw):
    """(how, broken dict, the keys its error may name)."""
    breakage = draw(st.sampled_from(BREAKAGES))
    data, keys = breakage(draw, draw(st.sampled_from(BASES)))
    return breakage.__name__, data, keys


def names_a_key(message: str, keys: set) -> bool:
    """Whether ``message`` starts by naming one of ``keys`` ('section.*': any key of the
    section), as ConfigError writes a key: in one line, runs of white space made one space."""
    for key in keys:
        if isinstance(key, str) and key.endswith(".*"):
            if re.match(rf"config key '{re.escape(key[:-1])}[^']*': ", message):
                return True
        elif message.startswith(" ".join(f"config key '{key}': ".split()) + " "):
            return True
    return False


def config_error(call) -> str:
    """The message of the ConfigError ``call()`` raises, checked to be one line; nothing else may escape."""
    with pytest.raises(ConfigError) as info:
        call()
    message = str(info.value)
    assert message and "\n" not in message and "\r" not in message, repr(message)
    return message


def write_yaml(data, name="c.yaml") -> Path:
    path = WORK / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@FUZZ
@given(broken_configs())
def test_a_broken_config_is_one_config_error_naming_its_key(case):
    how, data, keys = case
    event(how)
    message = config_error(lambda: config_from_dict(copy.deepcopy(data)))
    assert names_a_key(message, keys), (how, keys, message)
    path = write_yaml(data)
    from_file = config_error(lambda: load_config(path))
    assert from_file == message, (how, message, from_file)


NOT_A_MAPPING = st.one_of(
    st.lists(st.integers(), max_size=3).map(lambda v: yaml.safe_dump(v)),
    st.sampled_from(["", "\n\n", "   ", "# only a comment\n", "null", "~", "42", "3.5", "true", "just text",
                     "- run: {population: 10}", "[1, 2", "run: {population: 10", "a: b: c", "\tindented: tab",
                     "key: 'unclosed", "? [a, b]\n: c", "&a [*a]", "!!python/object:os.system {}", "%YAML 9.9\n---\n",
                     "[" * 3000, "- " * 3000 + "x"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
)
BINARY = st.binary(max_size=60).map(lambda b: b[:30] + b"\xff\xfe\x80" + b[30:])


@settings(max_examples=200, deadline=None)
@given(st.one_of(NOT_A_MAPPING.map(str.encode), BINARY))
def test_a_file_that_is_no_config_is_one_config_error(content):
    path = WORK / "f.yaml"
    path.write_bytes(content)
    try:
        data = yaml.safe_load(content.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        data = None
    event("a mapping" if isinstance(data, dict) else "not a mapping")
    if not isinstance(data, dict):
        assert config_error(lambda: load_config(path)).startswith(f"config file '{path}': ")
        return
    # random text can be a mapping: of unknown keys mostly, perhaps even a valid config ("{}")
    try:
        config_from_dict(data)
    except ConfigError as err:
        assert config_error(lambda: load_config(path)) == str(err)
    else:
        load_config(path)


def test_configs_nested_without_end_or_self_referring_are_config_errors():
    cycle = {"run": {}}
    cycle["run"]["population"] = cycle["run"]
    deep = {"run": {"population": []}}
    node = deep["run"]["population"]
    for _ in range(5000):
        node.append([])
        node = node[0]
    for data in (cycle, deep):
        assert "nested more than 32 levels deep" in config_error(lambda: config_from_dict(data))
    bomb = "a: &a [" + ", ".join(["x"] * 10) + "]\n" + "".join(
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdefg", "bcdefgh"))
    assert "more than 1000000 values" in config_error(lambda: load_config(write_yaml_text(bomb)))
    assert "not valid YAML (nested too deeply)" in config_error(lambda: load_config(write_yaml_text("[" * 5000)))


def write_yaml_text(text: str) -> Path:
    path = WORK / "t.yaml"
    path.write_text(text)
    return path


# --- the same through the command --------------------------------------------------------------


def leaf_override(draw):
    """A valid config file and one --set override that breaks it: (args, the keys)."""
    base = draw(st.sampled_from(BASES))
    section, key = draw(st.sampled_from([(s, k) for s, k in leaves(base) if k is not None]))
    value = draw(st.sampled_from(wrong_values(hint_of(base, section, key))))
    text = yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()
    return [str(write_yaml(base, "base.yaml")), "--set", f"{section}.{key}={text}"], {f"{section}.{key}"}


def shortcut_override(draw):
    base = draw(st.sampled_from(BASES))
    option, key = draw(st.sampled_from([("--seeds", "run.seeds"), ("--pop", "run.population"),
                                        ("--generations", "run.generations")]))
    value = draw(st.sampled_from(["0", "-1", "7", "x", "1.5", "", "99999999999"]))
    if option != "--pop" and value == "7":
        value = "0"
    return [str(write_yaml(base, "base.yaml")), option, value], {key}


def broken_file(draw):
    _, data, keys = draw(broken_configs())
    return [str(write_yaml(data, "broken.yaml"))], keys


@settings(max_examples=N_CLI, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_command_refuses_a_broken_config_in_one_line_and_writes_nothing(data):
    make = data.draw(st.sampled_from([leaf_override, shortcut_override, broken_file]))
    args, keys = make(data.draw)
    event(make.__name__)
    with_out = data.draw(st.booleans())
    out = WORK / "run-dir"
    argv = ["run", *args, "--quiet"] + (["--out", str(out)] if with_out else [])
    err = io.StringIO()
    here = os.getcwd()
    os.chdir(WORK)  # without --out the run directory would be runs/NAME under the current folder
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = cli.main(argv)
            except SystemExit as stop:  # argparse: a value that is no integer
                code = stop.code
    finally:
        os.chdir(here)
    message = err.getvalue().strip()
    assert code == 2, (argv, message)
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    assert not out.exists() and not (WORK / "runs").exists()
    if "invalid int value" not in message:  # argparse's own message names the option
        assert names_a_key(message.removeprefix("evojax-mod: error: "), keys), (argv, message)
