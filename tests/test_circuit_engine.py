import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import records
from evojax_mod.circuit_engine import CIRCUIT_METRICS, CircuitExperiment
from evojax_mod.config import ConfigError, config_from_dict
from evojax_mod.genomes import circuit
from evojax_mod.report import compare, report
from evojax_mod.report.analysis import analyze_qm, champion_graph
from evojax_mod.runner import run
from evojax_mod.schedules import goal_index


def circuits_config(kind="fixed", **run_keys):
    run_cfg = {"population": 60, "generations": 40, "seeds": 2, "log_every": 10, "checkpoint_every": 20}
    run_cfg.update(run_keys)
    return config_from_dict({
        "task": {"name": "circuits"}, "genome": {"kind": "circuit", "max_gates": 12},
        "selection": {"kind": "elitist", "elite": 18, "crossover_rate": 0.5},
        "schedule": {"kind": kind, "goals": ["and", "or"] if kind == "mvg" else ["and"], "period": 5},
        "run": run_cfg})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("circuits")
    return {k: run(circuits_config(k), root / k, progress=False) for k in ("fixed", "mvg")}


def test_config_ties_task_genome_and_selection():
    with pytest.raises(ConfigError, match="genome.kind"):
        config_from_dict({"task": {"name": "circuits"}})
    with pytest.raises(ConfigError, match="selection.elite"):
        config_from_dict({"task": {"name": "circuits"}, "genome": {"kind": "circuit"},
                          "selection": {"kind": "elitist", "elite": 50}, "run": {"population": 40}})


def test_mvg_schedule_follows_sferes_rule():
    cfg = circuits_config("mvg")
    goals = [int(goal_index(cfg.schedule, g)) for g in range(1, 16)]
    assert goals == [0] * 5 + [1] * 5 + [0] * 5


def test_metrics_and_elitism(runs):
    for kind, result in runs.items():
        m = result.metrics
        assert result.names == CIRCUIT_METRICS
        assert set(np.unique(m["generation"])) == {0, 10, 20, 30, 40}
        assert np.all(m["best_performance"] >= m["mean_performance"])
        assert np.all(m["champion_gates"] <= 12)
        if kind == "fixed":  # elitism under a fixed goal: the best never gets worse
            for s in range(2):
                best = m["best_performance"][m["seed"] == s]
                assert np.all(np.diff(best) >= 0)
        else:
            np.testing.assert_array_equal(np.unique(m["goal"]), [0, 1])


def test_solved_generation_needs_every_goal(runs):
    exp = CircuitExperiment(circuits_config("mvg"))
    state = jax.tree.map(lambda a: a[0], runs["mvg"].state)
    tables = jax.vmap(lambda g: circuit.output_table(g, exp.spec))(state.population)
    for i, goal in enumerate(np.asarray(exp.goal_tables())):
        perfect_now = bool(np.any(np.asarray(tables) == goal))
        if perfect_now:
            assert 0 <= int(state.first_perfect[i]) <= int(state.generation)
    solved = int(state.solved_at)
    assert solved == (int(state.first_perfect.max()) if np.all(np.asarray(state.first_perfect) >= 0) else -1)


def test_circuit_run_resumes_bit_for_bit(runs, tmp_path):
    out = tmp_path / "pieces"
    run(circuits_config("mvg"), out, progress=False, stop_after=20)
    resumed = run(circuits_config("mvg"), out, resume=True, progress=False)
    for a, b in zip(jax.tree.leaves(resumed.state), jax.tree.leaves(runs["mvg"].state)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_analysis_report_and_compare(runs):
    fixed, mvg = runs["fixed"].run_dir, runs["mvg"].run_dir
    champions = records.read_champions(mvg)
    adjacency, _ = champion_graph(runs["mvg"].config, champions, 0, -1)
    assert adjacency.shape[0] == adjacency.shape[1] and set(np.unique(adjacency)) <= {0.0, 1.0}
    for d in (fixed, mvg):
        content = analyze_qm(d, n_random=8)
        assert content["rewire"] == "undirected" and len(content["champions"]) == 2
    table, figure = compare([fixed, mvg])
    assert "Qm" in table and "active gates" in table and figure.stat().st_size > 1000
    assert [p.name for p in report(mvg)] == ["curves.png"]
