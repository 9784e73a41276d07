"""Config sections as tagged unions, host-only fields and compiled keys, YAML in and out."""
import dataclasses
import subprocess
import sys
import types
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import evojax_mod
from evojax_mod import config as C
from evojax_mod.config import ConfigError, ExperimentConfig, config_from_dict, dump_config, load_config, to_dict

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "configs").rglob("*.yaml"))
CIRCUITS = {"task": {"name": "circuits"}, "genome": {"kind": "circuit"}}
THRESHOLD = {"task": {"name": "retina", "patterns": 100}, "genome": {"kind": "threshold"}, "run": {"population": 600}}


# --- the task API config relies on; a stand-in while evojax_mod.tasks lacks it -----------------

def _shim_tasks() -> types.ModuleType:
    """get_task / goal_code for retina and circuits (2 sub-goals each), as evojax_mod.tasks will."""
    combiners = {"and": 8, "or": 14, "xor": 6, "nand": 7, "nor": 1, "xnor": 9, "left": 12, "right": 10}
    shapes = {"retina": (8, ("L", "R")), "circuits": (4, ("xy", "zw"))}

    def get_task(name):
        if name not in shapes:
            raise KeyError(f"unknown task {name!r}; registered: {', '.join(shapes)}")
        n, names = shapes[name]
        return types.SimpleNamespace(name=name, n_inputs=n, n_patterns=1 << n, sub_goal_names=names,
                                     n_sub_goals=len(names))

    def goal_code(task, spec):
        if isinstance(spec, bool) or not isinstance(spec, (int, str)):
            raise ValueError(f"bad goal spec {spec!r}")
        if isinstance(spec, int):
            if not 0 <= spec < 16:
                raise ValueError(f"goal code {spec} out of range 0..15")
            return spec
        if spec.lower() in combiners:
            return combiners[spec.lower()]
        a, b = task.sub_goal_names
        try:
            return sum(1 << r for r in range(4) if eval(spec, {}, {a: bool(r >> 1), b: bool(r & 1)}))
        except Exception as err:
            raise ValueError(f"cannot read goal {spec!r}: {err}") from None

    return types.SimpleNamespace(get_task=get_task, goal_code=goal_code)


@pytest.fixture(autouse=True)
def task_api(monkeypatch):
    try:
        import evojax_mod.tasks as tasks
        ready = hasattr(tasks, "get_task") and hasattr(tasks, "goal_code")
    except ImportError:
        ready = False
    if not ready:
        tasks = _shim_tasks()
        monkeypatch.setitem(sys.modules, "evojax_mod.tasks", tasks)
        monkeypatch.setattr(evojax_mod, "tasks", tasks, raising=False)
    return tasks


def error_of(data, overrides=None) -> str:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, overrides)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- presets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PRESETS, ids=lambda p: str(p.relative_to(ROOT / "configs")))
def test_every_preset_loads_and_round_trips(path):
    c = load_config(path)
    assert config_from_dict(to_dict(c)) == c
    assert config_from_dict(yaml.safe_load(dump_config(c))) == c


def test_presets_were_found():
    assert len(PRESETS) >= 11


def test_preset_sections_follow_their_kinds():
    pcc = load_config(ROOT / "configs/clune2013/pcc.yaml")
    assert (type(pcc.genome), type(pcc.selection), type(pcc.mutation), type(pcc.objectives)) == (
        C.LayeredGenomeConfig, C.Nsga2Config, C.LayeredMutationConfig, C.ParetoObjectivesConfig)
    circuits = load_config(ROOT / "configs/kashtan_alon2005/circuits_mvg.yaml")
    assert (type(circuits.genome), type(circuits.selection), type(circuits.mutation),
            type(circuits.objectives), type(circuits.schedule)) == (
        C.CircuitGenomeConfig, C.ElitistSelectionConfig, C.PointMutationConfig, C.FitnessConfig,
        C.MvgScheduleConfig)
    retina = load_config(ROOT / "configs/kashtan_alon2005/retina_qmax.yaml")
    assert isinstance(retina.genome, C.ThresholdGenomeConfig) and retina.objectives.maximise == "modularity"
    assert retina.mutation == C.PointMutationConfig(per_genome=0.5)


def test_to_dict_writes_kinds_of_union_sections_only():
    d = to_dict(load_config(ROOT / "configs/kashtan_alon2005/circuits_fg.yaml"))
    assert (d["genome"]["kind"], d["selection"]["kind"], d["schedule"]["kind"]) == ("circuit", "elitist", "fixed")
    assert "kind" not in d["mutation"] and "kind" not in d["objectives"]
    assert d["genome"] == {"kind": "circuit", "max_gates": 12, "wiring": "free"}


# --- union dispatch ---------------------------------------------------------------------------

def test_registries_map_kinds_to_classes_with_that_kind():
    for registry in (C.GENOMES, C.SELECTIONS, C.SCHEDULES, C.GOAL_SCHEDULES, C.PROBLEMS):
        for kind, cls in registry.items():
            assert cls().kind == kind
    assert {k: c.selection for k, c in C.GENOMES.items()} == {
        "layered": "nsga2", "circuit": "elitist", "threshold": "elitist", "mlp": "optax", "cnn": "optax"}
    assert C.MlpGenomeConfig.selections == ("optax", "evosax")
    assert {k: c.mutation_config for k, c in C.GENOMES.items()} == {
        "layered": C.LayeredMutationConfig, "circuit": C.PointMutationConfig, "threshold": C.PointMutationConfig,
        "mlp": C.NoMutationConfig, "cnn": C.NoMutationConfig}
    assert {k: c.objectives_config for k, c in C.SELECTIONS.items()} == {
        "nsga2": C.ParetoObjectivesConfig, "elitist": C.FitnessConfig, "optax": C.LossConfig,
        "evosax": C.LossConfig}


def test_a_key_of_another_kind_is_rejected_naming_it():
    message = error_of({**CIRCUITS, "genome": {"kind": "circuit", "layers": [4, 1]}})
    assert message == "config key 'genome.layers': unknown key for kind circuit; allowed: kind, max_gates, wiring"
    message = error_of({"genome": {"fan_in": [3, 3, 3, 2]}})
    assert message.startswith("config key 'genome.fan_in': unknown key for kind layered; allowed: kind, layers, x, y,")
    assert error_of({"mutation": {"per_genome": 0.5}}).startswith(
        "config key 'mutation.per_genome': unknown key for genome kind layered; allowed: weight_changes_per_genome")
    assert error_of({**CIRCUITS, "objectives": {"diversity": True}}).startswith(
        "config key 'objectives.diversity': unknown key for selection kind elitist; allowed: maximise")
    assert error_of({"bogus": 1}).startswith("config key 'bogus': unknown key; allowed: name, description, task")


def test_unknown_kind_lists_the_kinds():
    assert error_of({"genome": {"kind": "foo"}}) == \
        "config key 'genome.kind': expected one of: layered, circuit, threshold, mlp, cnn, got 'foo'"
    assert error_of({"schedule": {"kind": "sometimes"}}).startswith(
        "config key 'schedule.kind': expected one of: fixed, mvg, switch, rmvg, random")
    assert error_of({"selection": {"kind": ["nsga2"]}}).startswith("config key 'selection.kind': expected one of")


def test_selection_defaults_to_the_genomes_and_must_match_it():
    assert isinstance(config_from_dict({}).selection, C.Nsga2Config)
    c = config_from_dict({**THRESHOLD, "selection": {"elite": 100}})
    assert c.selection == C.ElitistSelectionConfig(elite=100)
    assert isinstance(c.objectives, C.FitnessConfig) and isinstance(c.mutation, C.PointMutationConfig)
    message = error_of({**CIRCUITS, "selection": {"kind": "nsga2"}})
    assert message.startswith("config key 'selection.kind': expected elitist") and message.endswith("got 'nsga2'")
    assert "expected nsga2" in error_of({"selection": {"kind": "elitist"}})
    # Named before the objectives, whose class the mismatched selection would choose.
    assert error_of({**CIRCUITS, "selection": {"kind": "nsga2"}, "objectives": {"free_gates": 11}}).startswith(
        "config key 'selection.kind': expected elitist")


def test_sections_built_in_python_are_checked_against_each_other():
    with pytest.raises(ConfigError, match=r"^config key 'selection\.kind'"):
        ExperimentConfig(task=C.TaskConfig("circuits"), genome=C.CircuitGenomeConfig()).validate()
    with pytest.raises(ConfigError, match=r"^config key 'mutation': expected LayeredMutationConfig"):
        ExperimentConfig(mutation=C.PointMutationConfig()).validate()
    with pytest.raises(ConfigError, match=r"^config key 'objectives': expected ParetoObjectivesConfig"):
        ExperimentConfig(objectives=C.FitnessConfig()).validate()
    with pytest.raises(ConfigError, match=r"^config key 'genome\.kind': expected 'layered'"):
        ExperimentConfig(genome=C.LayeredGenomeConfig(kind="circuit")).validate()
    assert ExperimentConfig().validate() == config_from_dict({})


# --- single-line errors naming the dotted key ---------------------------------------------------

BAD = [
    ({"name": ""}, "name"),
    ({"name": 3}, "name"),
    ({"task": {"name": "nope"}}, "task.name"),
    ({"task": {"patterns": 300}, **{k: v for k, v in THRESHOLD.items() if k != "task"}}, "task.patterns"),
    ({"task": {"patterns": 100}}, "task.patterns"),  # NSGA-II scores every pattern
    ({"task": {"name": "circuits"}}, "genome.layers"),  # a layered genome reads 8 inputs
    ({**THRESHOLD, "genome": {"kind": "threshold", "layers": [8, 4, 2], "fan_in": [3, 3]}}, "genome.layers"),
    ({**THRESHOLD, "genome": {"kind": "threshold", "fan_in": [3, 3]}}, "genome.fan_in"),
    ({**THRESHOLD, "genome": {"kind": "threshold", "thresholds": [3, -3]}}, "genome.thresholds"),
    ({**THRESHOLD, "genome": {"kind": "threshold", "threshold_values": [1, 2, 1]}}, "genome.threshold_values"),
    ({**THRESHOLD, "genome": {"kind": "threshold", "firing": "sometimes"}}, "genome.firing"),
    ({**THRESHOLD, "task": {"name": "retina", "patterns": 100, "redraw_every": -2}}, "task.redraw_every"),
    ({**THRESHOLD, "task": {"name": "retina", "redraw_every": 20}}, "task.redraw_every"),  # all patterns
    ({"genome": {"layers": [8, 8.5, 1]}}, "genome.layers"),
    ({"genome": {"layers": [8]}}, "genome.layers"),
    ({"genome": {"weight_set": "heavy"}}, "genome.weight_set"),
    ({"genome": {"steepness": 0}}, "genome.steepness"),
    ({"genome": {"steepness": float("nan")}}, "genome.steepness"),
    ({"genome": {"steepness": float("inf")}}, "genome.steepness"),
    ({"genome": {"bias_values": []}}, "genome.bias_values"),
    ({"genome": {"init_connections": [5, 5]}}, "genome.init_connections"),
    ({"genome": {"x": [0.0] * 23}}, "genome.y"),
    ({"genome": {"x": [0.0] * 22, "y": [0.0] * 22}}, "genome.x"),
    ({"genome": "layered"}, "genome"),
    ({**CIRCUITS, "genome": {"kind": "circuit", "max_gates": 1}}, "genome.max_gates"),
    ({"mutation": {"bias_rate": 1.5}}, "mutation.bias_rate"),
    ({"mutation": {"weight_changes_per_genome": -1}}, "mutation.weight_changes_per_genome"),
    ({**CIRCUITS, "mutation": {"per_genome": True}}, "mutation.per_genome"),
    ({"objectives": {"connection_cost": "area"}}, "objectives.connection_cost"),
    ({"objectives": {"cost_pressure": 1.5}}, "objectives.cost_pressure"),
    ({"objectives": {"diversity": "yes"}}, "objectives.diversity"),
    ({**CIRCUITS, "objectives": {"maximise": "speed"}}, "objectives.maximise"),
    ({**CIRCUITS, "objectives": {"free_gates": -1}}, "objectives.free_gates"),
    ({**CIRCUITS, "selection": {"elite": 2000}}, "selection.elite"),
    ({**CIRCUITS, "selection": {"crossover_rate": 2}}, "selection.crossover_rate"),
    ({"schedule": {"goals": []}}, "schedule.goals"),
    ({"schedule": {"goals": ["sometimes"]}}, "schedule.goals"),
    ({"schedule": {"goals": [16]}}, "schedule.goals"),
    ({"schedule": {"goals": [1.5]}}, "schedule.goals"),
    ({"schedule": {"kind": "mvg", "goals": ["and"]}}, "schedule.goals"),
    ({"schedule": {"kind": "mvg", "period": 0}}, "schedule.period"),
    ({"schedule": {"kind": "switch", "goals": ["and", "or", "xor"]}}, "schedule.goals"),
    ({"schedule": {"kind": "switch", "switch_at": -1}}, "schedule.switch_at"),
    ({"schedule": {"kind": "fixed", "period": 20}}, "schedule.period"),
    ({"schedule": {"kind": "rmvg", "family": "some"}}, "schedule.family"),
    ({"schedule": {"kind": "rmvg", "family": ["and"]}}, "schedule.family"),
    ({"schedule": {"kind": "rmvg", "family": ["and", "and"]}}, "schedule.family"),
    ({"schedule": {"kind": "rmvg", "family": ["and", "sometimes"]}}, "schedule.family"),
    ({"schedule": {"kind": "rmvg", "holdout": ["sometimes"]}}, "schedule.holdout"),
    ({"schedule": {"kind": "rmvg", "family": ["and", "or"], "holdout": ["or"]}}, "schedule.holdout"),
    ({"run": {"population": 7}}, "run.population"),
    ({"run": {"population": 2}}, "run.population"),
    ({"run": {"generations": 0}}, "run.generations"),
    ({"run": {"seeds": 0}}, "run.seeds"),
    ({"run": {"seed": -1}}, "run.seed"),
    ({"run": {"log_every": 0}}, "run.log_every"),
    ({"run": {"checkpoint_every": 7, "log_every": 2}}, "run.checkpoint_every"),
    ({"run": {"checkpoint_every": 0}}, "run.checkpoint_every"),
    ({"run": {"kernels": "fast"}}, "run.kernels"),
    ({"run": {"seeds": "many"}}, "run.seeds"),
    ({"run": [1, 2]}, "run"),
    ({"run": []}, "run"),
    ({"mutation": None}, "mutation"),
]


@pytest.mark.parametrize("data,key", BAD, ids=[key for _, key in BAD])
def test_each_error_is_one_line_naming_the_key(data, key):
    assert error_of(data).startswith(f"config key '{key}': ")


def test_unknown_task_lists_the_registered_ones():
    message = error_of({"task": {"name": "nope"}})
    assert "retina" in message and "circuits" in message and message.endswith("got 'nope'")


def test_bad_goal_message_carries_the_task_reason():
    message = error_of({"schedule": {"goals": ["and", "sometimes"]}})
    assert "task retina" in message and message.endswith("got 'sometimes'")


# --- schedules --------------------------------------------------------------------------------

def test_goals_may_be_names_codes_or_expressions(task_api):
    a, b = task_api.get_task("retina").sub_goal_names
    c = config_from_dict({"schedule": {"kind": "mvg", "goals": ["AND", 14, f"{a} and not {b}"], "period": 5}})
    assert c.schedule == C.MvgScheduleConfig(goals=("AND", 14, f"{a} and not {b}"), period=5)
    assert config_from_dict({"schedule": {"kind": "switch", "switch_at": 300}}).schedule.goals == ("and", "or")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 15))
def test_two_sub_goal_dependence_matches_the_truth_table(code):
    from evojax_mod.tasks import family_codes
    value = [(code >> r) & 1 for r in range(4)]  # row r = 2 * first + second
    depends_first = value[0] != value[2] or value[1] != value[3]
    depends_second = value[0] != value[1] or value[2] != value[3]
    assert (code in family_codes(2)) == (depends_first and depends_second)


def test_rmvg_holdout_must_leave_two_goals_of_the_family():
    # The 10 goals of 2 sub-goals that depend on both: and, or, xor, nand, nor, xnor, 2, 4, 11, 13.
    eight = ["and", "or", "xor", "nand", "nor", "xnor", 2, 4]
    c = config_from_dict({"schedule": {"kind": "rmvg", "holdout": eight, "period": 10}})
    assert c.schedule == C.RmvgScheduleConfig(period=10, family="all", holdout=tuple(eight))
    assert error_of({"schedule": {"kind": "rmvg", "holdout": eight + [11]}}).startswith(
        "config key 'schedule.holdout': expected at least two family goals left after the holdout (left: 1)")
    # A held-out goal outside the family ("left" ignores R) takes nothing away.
    config_from_dict({"schedule": {"kind": "rmvg", "holdout": eight + ["left"]}})
    c = config_from_dict({"schedule": {"kind": "rmvg", "family": ["and", "or", "xor"], "holdout": ["xor"]}})
    assert c.schedule.family == ("and", "or", "xor") and c.schedule.holdout == ("xor",)


def test_rmvg_family_all_is_refused_beyond_four_sub_goals(task_api, monkeypatch):
    five = types.SimpleNamespace(name="five", n_inputs=5, n_patterns=32, n_sub_goals=5,
                                 sub_goal_names=("a", "b", "c", "d", "e"))
    monkeypatch.setattr(task_api, "get_task", lambda name: five)
    message = error_of({**CIRCUITS, "task": {"name": "five"}, "schedule": {"kind": "rmvg"}})
    assert message.startswith("config key 'schedule.family': expected a list of goals for task five (5 sub-goals")


# --- coordinates ------------------------------------------------------------------------------

def test_coordinates_default_to_clune_then_centred_rows():
    assert C.LayeredGenomeConfig().coordinates() == (C.CLUNE_X, C.CLUNE_Y)
    assert C.LayeredGenomeConfig(layers=(4, 3, 1)).coordinates() == (
        (-1.5, -0.5, 0.5, 1.5, -1.0, 0.0, 1.0, 0.0), (0.0,) * 4 + (1.0,) * 3 + (2.0,))
    g = config_from_dict({"genome": {"layers": [8, 1], "x": list(range(9)), "y": [0] * 8 + [1]}}).genome
    assert g.coordinates() == (tuple(float(v) for v in range(9)), (0.0,) * 8 + (1.0,))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=2, max_size=6))
def test_default_rows_are_centred_unit_spaced(layers):
    x, y = C.LayeredGenomeConfig(layers=tuple(layers)).coordinates()
    assert len(x) == len(y) == sum(layers)
    start = 0
    for row, n in enumerate(layers):
        xs = x[start:start + n]
        assert abs(sum(xs)) < 1e-9 and all(b - a == 1.0 for a, b in zip(xs, xs[1:]))
        assert set(y[start:start + n]) == {float(row)}
        start += n


def test_constants_agree_with_the_engine_modules():
    from evojax_mod import objectives
    from evojax_mod.genomes import layered
    from evojax_mod import layout
    from evojax_mod.problems import formulas
    assert C.COST_KINDS == objectives.COST_KINDS
    assert (C.CLUNE_X, C.CLUNE_Y) == (layered.CLUNE_X, layered.CLUNE_Y)
    assert C.WIRING_DISTANCES == tuple(layout.DISTANCES)
    assert C.FORMULAS == {name: (f.n_inputs, len(f.names)) for name, f in formulas.FORMULAS.items()}


# --- run --------------------------------------------------------------------------------------

def test_generations_need_not_be_a_multiple_of_log_every():
    c = config_from_dict({"run": {"generations": 1234, "log_every": 100, "checkpoint_every": 500}})
    assert c.run.generations == 1234
    assert config_from_dict({"run": {"kernels": "plain"}}).run.kernels == "plain"


# --- compiled keys ----------------------------------------------------------------------------

def _host_only_paths(obj, at=""):
    paths = set()
    for f in dataclasses.fields(obj):
        key = f"{at}{f.name}"
        if f.metadata.get("host_only"):
            paths.add(key)
        elif dataclasses.is_dataclass(getattr(obj, f.name)):
            paths |= _host_only_paths(getattr(obj, f.name), key + ".")
    return paths


def test_host_only_fields_are_the_declared_ones():
    assert _host_only_paths(ExperimentConfig()) == {
        "name", "description", "run.generations", "run.seeds", "run.seed", "run.checkpoint_every", "sweep.key",
        "sweep.values"}


@settings(max_examples=40, deadline=None)
@given(name=st.text(st.characters(codec="utf-8", exclude_characters="\x00\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"),
                    min_size=1, max_size=12), description=st.text(max_size=20),
       generations=st.integers(1, 10**6), seeds=st.integers(1, 64), seed=st.integers(0, 2**31 - 1),
       checkpoints=st.integers(1, 50), preset=st.sampled_from(PRESETS))
def test_host_only_fields_leave_the_compiled_key_unchanged(name, description, generations, seeds, seed,
                                                          checkpoints, preset):
    base = load_config(preset)
    other = load_config(preset, overrides={
        "name": name, "description": description, "run.generations": generations, "run.seeds": seeds,
        "run.seed": seed, "run.checkpoint_every": checkpoints * base.run.log_every})
    assert other.compiled_key() == base.compiled_key()
    assert hash(other.compiled_key()) == hash(base.compiled_key())


# A second valid value for every compiled field; each must change the compiled key.
COMPILED_CHANGES = [
    ({}, "run.population", 500), ({}, "run.log_every", 50), ({}, "run.kernels", "plain"),
    ({}, "genome.layers", [8, 4, 1]), ({}, "genome.x", [float(i) for i in range(23)]),
    ({}, "genome.weight_set", "retina_cpp_2013"), ({}, "genome.bias_values", [0.0]),
    ({}, "genome.steepness", 5.0), ({}, "genome.init_connections", [0, 60]),
    ({}, "mutation.bias_rate", 0.1), ({}, "objectives.connection_cost", "edges"),
    ({}, "objectives.diversity", False), ({}, "schedule.goals", ["or"]),
    (CIRCUITS, "genome.max_gates", 12), (CIRCUITS, "mutation.per_genome", 0.5),
    (CIRCUITS, "selection.elite", 100), (CIRCUITS, "objectives.maximise", "modularity"),
    (THRESHOLD, "genome.fan_in", [2, 2, 2, 2]), (THRESHOLD, "genome.thresholds", [-2, 2]),
    (THRESHOLD, "genome.threshold_values", [0, 1, 2]), (THRESHOLD, "genome.firing", "at_least"),
    (THRESHOLD, "task.redraw_every", 20),
    (THRESHOLD, "genome.layers", [8, 4, 1]), (THRESHOLD, "task.patterns", 50),
]


@pytest.mark.parametrize("base,key,value", COMPILED_CHANGES, ids=[f"{k}={v}" for _, k, v in COMPILED_CHANGES])
def test_compiled_fields_change_the_compiled_key(base, key, value):
    overrides = {key: value}
    if key == "genome.x":
        overrides["genome.y"] = [0.0] * 23
    if key == "genome.layers" and base is THRESHOLD:
        overrides["genome.fan_in"] = [3, 3]
    before, after = config_from_dict(base), config_from_dict(base, overrides)
    assert after != before and after.compiled_key() != before.compiled_key()


def test_compiled_key_resets_to_the_defaults():
    c = load_config(ROOT / "configs/quickstart/pcc.yaml").compiled_key()
    assert (c.name, c.description) == ("experiment", "")
    assert c.run == C.RunConfig(population=500, log_every=100)


# --- YAML in and out --------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"- a\n- b\n", b"3\n", b"hello\n", b"", b"# only a comment\n",
                                     b"\xff\xfe\x00\x01binary", b"\x00\x01\x02", b"a: [1\n"],
                         ids=["list", "number", "string", "empty", "comment", "not-utf8", "control", "broken"])
def test_a_file_that_is_not_a_mapping_is_one_config_error(tmp_path, content):
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    for kwargs in ({}, {"seeds": 1}, {"overrides": {"run.population": 8}}):
        with pytest.raises(ConfigError) as info:
            load_config(path, **kwargs)
        assert str(info.value).startswith(f"config file '{path}': ") and "\n" not in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize("data", [[1, 2], 3, "name: x", None, b"\x00"])
def test_a_mapping_that_is_not_one_is_a_config_error(data):
    for overrides in (None, {"run.seeds": 1}):
        assert error_of(data, overrides).startswith("config: expected a mapping of sections")


def test_overrides_into_a_section_that_is_not_a_mapping():
    assert error_of({"run": 5}, {"run.seeds": 1}) == \
        "config key 'run': expected a mapping to set 'run.seeds' in, got 5"
    assert error_of({"name": "x"}, {"name.first": "x"}).startswith("config key 'name': expected a mapping")
    assert error_of({"run": {"seeds": 2}}, {"run.seeds.first": 1}).startswith("config key 'run.seeds': expected a mapping")


def test_overrides_apply_and_leave_the_input_alone():
    data = {"genome": {"layers": (8, 8, 4, 2, 1)}, "run": {"population": 200, "log_every": 50}}
    c = config_from_dict(data, {"run.seeds": 3, "genome.steepness": 5, "schedule": {"kind": "mvg"}})
    assert (c.run.seeds, c.genome.steepness, c.schedule.kind) == (3, 5.0, "mvg")
    assert data == {"genome": {"layers": (8, 8, 4, 2, 1)}, "run": {"population": 200, "log_every": 50}}
    assert C.parse_override("run.population=500") == ("run.population", 500)
    with pytest.raises(ConfigError):
        C.parse_override("run.population")


@settings(max_examples=40, deadline=None)
@given(population=st.integers(2, 500).map(lambda n: 2 * n), log_every=st.integers(1, 100),
       multiple=st.integers(1, 20), generations=st.integers(1, 10**5),
       genome=st.sampled_from([{}, CIRCUITS, THRESHOLD]), goals=st.lists(st.sampled_from(
           ["and", "or", "xor", "nand", 0, 3, 9, 15]), min_size=2, max_size=4))
def test_round_trip_of_random_valid_configs(population, log_every, multiple, generations, genome, goals):
    data = {**genome, "schedule": {"kind": "mvg", "goals": goals}, "run": {
        "population": max(population, 600), "log_every": log_every,
        "checkpoint_every": multiple * log_every, "generations": generations}}
    c = config_from_dict(data)
    assert config_from_dict(to_dict(c)) == c
    assert config_from_dict(yaml.safe_load(dump_config(c))) == c


# --- imports ----------------------------------------------------------------------------------

def test_config_and_package_import_without_jax():
    for code in ("import evojax_mod.config, sys; assert 'jax' not in sys.modules",
                 "import evojax_mod, sys; assert 'jax' not in sys.modules; assert evojax_mod.load_config"):
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_package_names_resolve_lazily():
    assert set(evojax_mod.__all__) <= set(dir(evojax_mod))
    with pytest.raises(AttributeError):
        evojax_mod.no_such_name
