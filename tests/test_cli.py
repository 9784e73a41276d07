import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from evojax_mod import cli, records
from evojax_mod.config import ConfigError, config_from_dict, load_config

ROOT = Path(__file__).resolve().parent.parent
# the shape of test_engine's small runs, whose compiled programs these runs reuse
TINY = ["--seeds", "4", "--generations", "6", "--pop", "24", "--set", "run.log_every=3",
        "--set", "run.checkpoint_every=6", "--quiet"]


def write(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, key, allowed", [
    ("run: {populaton: 10}", "run.populaton", "unknown key; allowed: population"),
    ("run: {population: ten}", "run.population", "an integer"),
    ("run: {population: 7}", "run.population", "an even integer >= 4"),
    ("objectives: {cost_pressure: 1.5}", "objectives.cost_pressure", "a probability in [0, 1]"),
    ("objectives: {connection_cost: wires}", "objectives.connection_cost", "one of: none, edges"),
    ("schedule: {kind: mvg, goals: [and]}", "schedule.goals", "at least two goals"),
    ("schedule: {goals: [maybe]}", "schedule.goals", "unknown sub-goal 'maybe'"),
    ("genome: {weight_set: ternary}", "genome.weight_set", "one of: lab, retina_cpp_2013"),
    ("run: {checkpoint_every: 25, log_every: 10}", "run.checkpoint_every", "a positive multiple of log_every"),
    ("tsk: {name: retina}", "tsk", "unknown key; allowed: name, description, task"),
    ("objectives: {diversity: 1}", "objectives.diversity", "true or false"),
    ("- just\n- a list", "", "expected a mapping of sections"),  # no key: the file itself
])
def test_bad_config_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, text, key, allowed):
    out = tmp_path / "run"
    code = cli.main(["run", str(write(tmp_path, text)), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert (f"'{key}'" in err if key else True) and allowed in err
    assert not out.exists()


def test_missing_file_and_bad_override(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "r")]) == 2
    assert "not found" in capsys.readouterr().err
    good = write(tmp_path, "name: x")
    assert cli.main(["run", str(good), "--set", "run.population", "--out", str(tmp_path / "r")]) == 2
    assert "key=value" in capsys.readouterr().err
    assert cli.main(["run", str(good), "--set", "run.seeds=-1", "--out", str(tmp_path / "r")]) == 2
    assert "'run.seeds'" in capsys.readouterr().err
    assert cli.main(["run", str(good), "--seed-batch", "0", "--out", str(tmp_path / "r")]) == 2
    assert "seed_batch: expected a positive number of seeds, got 0" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_no_traceback_from_the_real_command(tmp_path):
    bad = write(tmp_path, "run: {population: 3}")
    proc = subprocess.run([sys.executable, "-m", "evojax_mod", "run", str(bad), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_overrides_and_presets():
    cfg = load_config(ROOT / "configs/clune2013/pcc.yaml", seeds=3, overrides={"objectives.cost_pressure": 0.5})
    assert cfg.run.seeds == 3 and cfg.objectives.cost_pressure == 0.5
    clune = {p.stem: load_config(p) for p in sorted((ROOT / "configs/clune2013").glob("*.yaml"))}
    assert set(clune) == {f"{t}{v}" for t in ("pa", "pcc") for v in ("", "_or", "_nodiv", "_mvg")} | {"pcc_pressures"}
    for name, c in clune.items():
        assert (c.run.population, c.run.generations, c.run.seeds) == (1000, 25000, 30)
        assert c.objectives.connection_cost == ("none" if name.startswith("pa") else "optimal_length")
        # the lab's code refuses MVG with DIV (docs/decisions.md, diversity)
        assert c.objectives.diversity == (not name.endswith(("_nodiv", "_mvg")))
        if name.endswith("_mvg"):  # Sferes2 mvg.hpp: AND first, switching every 20 generations
            assert (c.schedule.kind, c.schedule.goals, c.schedule.period) == ("mvg", ("and", "or"), 20)
        else:
            assert c.schedule.goals == (("or",) if name.endswith("_or") else ("and",))
    pcc = load_config(ROOT / "configs/clune2013/pcc.yaml")
    assert pcc.objectives.cost_pressure == 0.25 and pcc.mutation.bias_rate == pytest.approx(1 / 24)
    load_config(ROOT / "configs/quickstart/pcc.yaml")
    ka = {name: load_config(path) for name, path in
          ((p.stem, p) for p in sorted((ROOT / "configs/kashtan_alon2005").glob("*.yaml")))}
    assert set(ka) == {f"{s}_{t}" for s in ("circuits", "retina") for t in ("fg", "mvg", "qmax")}
    for name, c in ka.items():
        assert c.objectives.maximise == ("modularity" if name.endswith("qmax") else "task")
        assert c.schedule.kind == ("mvg" if name.endswith("mvg") else "fixed")
        if name.startswith("retina"):  # papers.md 2b: S = 600, Pc = 0.5, Pm = 0.5, 100 patterns
            assert (c.run.population, c.selection.crossover_rate, c.mutation.per_genome) == (600, 0.5, 0.5)
            assert c.task.patterns == 100 and c.genome.fan_in == (3, 3, 3, 2)
        else:  # papers.md 2a: S = 1000, L = 300, Pm = 0.7
            assert (c.run.population, c.selection.elite, c.mutation.per_genome) == (1000, 300, 0.7)
    with pytest.raises(ConfigError):
        config_from_dict({"run": {"checkpoint_every": 7, "log_every": 2}})


def test_quickstart_then_report_adapt_compare_end_to_end(tmp_path, capsys):
    cfg = str(ROOT / "configs/quickstart/pcc.yaml")
    assert cli.main(["quickstart", "--out", str(tmp_path), *TINY]) == 0
    out = capsys.readouterr().out
    assert out.count("seed-generations/s") == 2 and "quickstart-pa" in out and "quickstart-pcc" in out
    assert "final Q" in out and "left/right split" in out and "p (Mann-Whitney)" in out
    for figure in ("pa/figures/curves.png", "pcc/figures/champions.png", "compare.png"):
        assert f"{tmp_path / figure}" in out and (tmp_path / figure).stat().st_size > 1000
    # a second quickstart into the same folder resumes its finished runs: nothing changes
    before = (tmp_path / "pa/metrics.csv").read_bytes(), (tmp_path / "pcc/checkpoint.npz").read_bytes()
    assert cli.main(["quickstart", "--out", str(tmp_path), *TINY]) == 0
    assert ((tmp_path / "pa/metrics.csv").read_bytes(), (tmp_path / "pcc/checkpoint.npz").read_bytes()) == before
    (tmp_path / "pcc").rename(tmp_path / "a")
    (tmp_path / "pa").rename(tmp_path / "b")
    # a second run into the same folder is refused; resume of a finished run is a no-op
    assert cli.main(["run", cfg, "--out", str(tmp_path / "a"), *TINY]) == 2
    capsys.readouterr()
    assert cli.main(["resume", str(tmp_path / "a"), "--quiet"]) == 0
    assert "(nothing left to evolve)" in capsys.readouterr().out  # not a throughput over 0 seconds
    assert cli.main(["report", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a/figures/curves.png").stat().st_size > 1000
    # goal code 0: every output negative, which the initial networks manage; one run adapted (each
    # treatment's adaptation is a program of its own), so compare shows a dash for the other
    assert cli.main(["adapt", str(tmp_path / "a"), "--goal", "0", "--generations", "4"]) == 0
    assert "4/4 seeds solved it within 4 generations" in capsys.readouterr().out
    assert json.loads((tmp_path / "a/adaptation.json").read_text())["times"] == [0, 0, 0, 0]
    # adapt reads only config.yaml and checkpoint.npz, what docs/experiments/state/ carries
    (tmp_path / "carried").mkdir()
    for name in ("config.yaml", "checkpoint.npz"):
        (tmp_path / "carried" / name).write_bytes((tmp_path / "a" / name).read_bytes())
    assert cli.main(["adapt", str(tmp_path / "carried"), "--goal", "0", "--generations", "4"]) == 0
    assert json.loads((tmp_path / "carried/adaptation.json").read_text())["times"] == [0, 0, 0, 0]
    (tmp_path / "carried/checkpoint.npz").unlink()
    assert cli.main(["adapt", str(tmp_path / "carried"), "--goal", "0"]) == 2
    assert "checkpoint.npz': missing; restore it, or `evojax-mod resume" in capsys.readouterr().err
    assert cli.main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    table = capsys.readouterr().out
    assert "final Q" in table and "p (Mann-Whitney)" in table
    assert "generations to solve held-out 0 (limit 4)" in table
    assert cli.main(["adapt", str(tmp_path / "a"), "--goal", "L & Q"]) == 2
    assert "unknown sub-goal 'Q'" in capsys.readouterr().err
    assert cli.main(["adapt", str(tmp_path / "a"), "--goal", "[-1, x]"]) == 2
    assert "--goal: expected a code" in capsys.readouterr().err
    assert cli.main(["report", str(tmp_path / "nothing")]) == 2
    m = records.read_metrics(tmp_path / "a")
    assert np.all(np.unique(m["generation"]) == [0, 3, 6])


@pytest.mark.parametrize("text, goal", [("[-1, 2]", [-1, 2]), ("[0.5,-1.5]", [0.5, -1.5]), ("12", 12),
                                        ("L & ~R", "L & ~R"), ("or", "or"), ("[1, true]", None), ("[]", None),
                                        ("[1, 2", None)])
def test_adapt_reads_a_goal_as_a_code_coefficients_or_an_expression(text, goal):
    assert cli._goal_argument(text) == goal


@pytest.mark.slow
def test_bench_prints_both_loops(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert cli.main(["bench", "--pop", "20", "--seeds", "1", "--generations", "2",
                     "--circuit-generations", "10", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "bench-clune-p20-s1" in text and "bench-circuits-p20-s1" in text
    import json
    rows = json.loads(out.read_text())["rows"]
    assert all(r["generations_per_second"] > 0 and r["compile_seconds"] >= 0 for r in rows)


def test_cpu_devices_option_is_accepted_and_harmless_once_jax_runs():
    import jax
    args = cli.build_parser().parse_args(["run", "configs/clune2013/pcc.yaml", "--cpu-devices", "3"])
    assert args.cpu_devices == 3
    assert cli.build_parser().parse_args(["resume", "runs/x"]).cpu_devices is None
    before = jax.device_count()           # the backend is running in this process
    cli._use_cpu_devices(3)
    assert jax.device_count() == before


def test_check_prints_the_resolved_config_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["clune2013/pcc", "--seeds", "3", "--generations", "40", "--pop", "50",
            "--set", "objectives.cost_pressure=0.5", "--set", "run.log_every=20"]
    assert cli.main(["check", *args]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"# {ROOT / 'evojax_mod/configs/clune2013/pcc.yaml'}: valid")
    expected = load_config(args[0], seeds=3, generations=40, population=50,
                           overrides={"objectives.cost_pressure": 0.5, "run.log_every": 20})
    assert config_from_dict(yaml.safe_load(out)) == expected  # the output is itself a config, every value in it
    assert "cost_pressure: 0.5" in out and "population: 50" in out and "mutation:" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("extra, key, allowed", [
    (["--set", "run.populaton=10"], "run.populaton", "unknown key; allowed: population"),
    (["--pop", "7"], "run.population", "an even integer >= 4"),
])
def test_check_of_a_bad_config_is_one_line_exit_2(tmp_path, monkeypatch, capsys, extra, key, allowed):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "quickstart/pcc", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert f"'{key}'" in captured.err and allowed in captured.err
    assert list(tmp_path.iterdir()) == []
