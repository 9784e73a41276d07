import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import records
from evojax_mod.experiments.elitist import ElitistExperiment, fraction_correct
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.config import ConfigError, config_from_dict
from evojax_mod.genomes import circuit
from evojax_mod.report import compare, report
from evojax_mod.cli import main
from evojax_mod.report.analysis import analyze_qm, champion_graph, evolved_q_max
from evojax_mod.runner import run
from evojax_mod.tasks import COMBINERS
from tests.experiments.plain_readaptation import plain_readaptation


def schedule(kind):
    return {"kind": "mvg", "goals": ["and", "or"], "period": 5} if kind == "mvg" else {"kind": kind, "goals": ["and"]}


def circuits_config(kind="fixed", **run_keys):
    run_cfg = {"population": 60, "generations": 40, "seeds": 2, "log_every": 10, "checkpoint_every": 20}
    run_cfg.update(run_keys)
    return config_from_dict({
        "task": {"name": "circuits"}, "genome": {"kind": "circuit", "max_gates": 12},
        "selection": {"kind": "elitist", "elite": 18, "crossover_rate": 0.5},
        "schedule": schedule(kind),
        "run": run_cfg})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("circuits")
    return {k: run(circuits_config(k), root / k, progress=False) for k in ("fixed", "mvg")}


def test_config_ties_task_genome_and_selection():
    with pytest.raises(ConfigError, match="genome.layers"):  # the default layered net reads 8 inputs
        config_from_dict({"task": {"name": "circuits"}})
    with pytest.raises(ConfigError, match="selection.elite"):
        config_from_dict({"task": {"name": "circuits"}, "genome": {"kind": "circuit"},
                          "selection": {"kind": "elitist", "elite": 50}, "run": {"population": 40}})


def test_metrics_and_elitism(runs):
    for kind, result in runs.items():
        m = result.metrics
        assert result.names == ElitistExperiment(result.config).metric_names and "champion_gates" in result.names
        assert set(np.unique(m["generation"])) == {0, 10, 20, 30, 40}
        assert np.all(m["best_performance"] >= m["mean_performance"])
        assert np.all(m["champion_gates"] <= 12)
        if kind == "fixed":  # elitism under a fixed goal: the best never gets worse
            for s in range(2):
                best = m["best_performance"][m["seed"] == s]
                assert np.all(np.diff(best) >= 0)
        else:
            # the active goal's truth-table code is logged; with E = 5 generation 0 has AND,
            # and generations 10, 20, 30, 40 fall in the second epoch of each cycle (OR)
            np.testing.assert_array_equal(m["goal"][m["seed"] == 0], [COMBINERS[g] for g in
                                                                      ("and", "or", "or", "or", "or")])


def test_solved_generation_needs_every_goal(runs):
    exp = ElitistExperiment(circuits_config("mvg"))
    state = jax.tree.map(lambda a: a[0], runs["mvg"].state)
    tables = jax.vmap(lambda g: circuit.output_table(g, exp.spec))(state.population)
    for i, goal in enumerate(np.asarray(exp.tracked_tables(state.goal))[:, 0]):
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
    # MVG's own rows (re-adaptation) are in the table too, a dash and no test for the fixed goal
    row = next(line for line in table.splitlines() if line.startswith("generations to re-adapt"))
    assert "—" in row and row.rstrip().endswith("n/a")
    assert [p.name for p in report(mvg)] == ["curves.png", "champions.png"]


def threshold_config(kind="fixed", **keys):
    run_cfg = {"population": 40, "generations": 30, "seeds": 2, "log_every": 10, "checkpoint_every": 10}
    run_cfg.update(keys.pop("run", {}))
    d = {"task": {"name": "retina", "patterns": 100}, "genome": {"kind": "threshold"},
         "mutation": {"per_genome": 0.5}, "selection": {"kind": "elitist", "elite": 12, "crossover_rate": 0.5},
         "schedule": schedule(kind),
         "run": run_cfg}
    for section, values in keys.items():
        d.setdefault(section, {}).update(values)
    return config_from_dict(d)


@pytest.fixture(scope="module")
def threshold_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("threshold")
    return {k: run(threshold_config(k), root / k, progress=False) for k in ("fixed", "mvg")}


def test_threshold_config_ties_genome_to_elitist_and_patterns_to_it():
    assert config_from_dict({"genome": {"kind": "threshold"}}).selection.kind == "elitist"
    with pytest.raises(ConfigError, match="selection.kind"):
        config_from_dict({"genome": {"kind": "threshold"}, "selection": {"kind": "nsga2"}})
    with pytest.raises(ConfigError, match="task.patterns"):
        config_from_dict({"task": {"patterns": 100}})
    with pytest.raises(ConfigError, match="task.patterns"):
        threshold_config(task={"patterns": 300})
    with pytest.raises(ConfigError, match="genome.fan_in"):
        threshold_config(genome={"fan_in": [3, 3]})
    with pytest.raises(ConfigError, match="objectives.maximise"):
        config_from_dict({"objectives": {"maximise": "modularity"}})


def test_redrawn_environment_changes_at_multiples_of_redraw_every_only():
    exp = experiment_for(threshold_config(task={"redraw_every": 3}, run={"population": 16}))
    step = jax.jit(exp.step)
    state = jax.jit(exp.init)(jax.random.PRNGKey(4))
    envs = [np.asarray(state.environment)]
    for _ in range(7):
        state = step(state)
        envs.append(np.asarray(state.environment))
    counts = [int(np.unpackbits(e.view(np.uint8)).sum()) for e in envs]
    assert counts == [100] * 8
    same = [np.array_equal(envs[g], envs[g - 1]) for g in range(1, 8)]
    assert same == [True, True, False, True, True, False, True]  # new draws at generations 3 and 6
    assert not np.array_equal(envs[3], envs[6])
    with pytest.raises(ConfigError, match="task.redraw_every"):
        threshold_config(task={"patterns": 0, "redraw_every": 3})
    with pytest.raises(ConfigError, match="task.redraw_every"):
        threshold_config(task={"redraw_every": -1})


@pytest.mark.slow  # the suite's time: the threshold runs compile two programs of their own; threshold
# nets run through the elitist experiment by default in tests/experiments/test_interface.py
def test_environment_has_the_configured_patterns_per_seed(threshold_runs):
    env = np.asarray(threshold_runs["fixed"].state.environment)
    counts = np.unpackbits(env.view(np.uint8), axis=1).sum(axis=1)
    np.testing.assert_array_equal(counts, [100, 100])
    assert not np.array_equal(env[0], env[1])  # each seed draws its own environment


def test_fraction_correct_counts_only_environment_patterns():
    outputs = jnp.asarray([[0b1111, 0], [0b0101, 0]], jnp.uint32)
    goal = jnp.asarray([0b0011, 0], jnp.uint32)
    environment = jnp.asarray([0b0110, 0], jnp.uint32)  # patterns 1 and 2
    np.testing.assert_allclose(np.asarray(fraction_correct(outputs, goal, environment)), [0.5, 0.0])


@pytest.mark.slow  # the suite's time: the threshold runs compile two programs of their own; threshold
# nets run through the elitist experiment by default in tests/experiments/test_interface.py
def test_threshold_runs_score_and_report(threshold_runs):
    for kind, result in threshold_runs.items():
        m = result.metrics
        assert result.names == ElitistExperiment(result.config).metric_names and "champion_neurons" in result.names
        assert np.all((m["champion_neurons"] >= 1) & (m["champion_neurons"] <= 15))
        assert np.all((m["champion_all_patterns"] >= 0) & (m["champion_all_patterns"] <= 1))
        # scores are multiples of 1/100 (the environment), the all-pattern score of 1/256
        np.testing.assert_allclose(m["champion_performance"] * 100, np.round(m["champion_performance"] * 100), atol=1e-4)
        if kind == "fixed":
            for s in range(2):
                assert np.all(np.diff(m["best_performance"][m["seed"] == s]) >= 0)
    fixed, mvg = (threshold_runs[k].run_dir for k in ("fixed", "mvg"))
    assert analyze_qm(mvg, n_random=8)["rewire"] == "undirected"  # the same program for both runs: one suffices
    table, _ = compare([fixed, mvg])
    assert "active neurons" in table and "all patterns" in table and "Qm" in table


@pytest.mark.slow
def test_a_q_max_run_splits_its_seeds_over_two_cpu_devices_to_the_bits_of_one(tmp_path):
    """The Q_max fitness takes an eigh of every individual; batched, XLA's CPU eigh waited on a
    thread pool and a run on two CPU devices deadlocked. The run ends, with one device's bits."""
    import subprocess
    import sys
    outputs = []
    for devices in ("2", "1"):
        out = tmp_path / devices
        subprocess.run([sys.executable, "-m", "evojax_mod", "run", "kashtan_alon2005/circuits_qmax", "--out", str(out),
                        "--seeds", "2", "--generations", "4", "--pop", "40", "--set", "selection.elite=10",
                        "--set", "run.log_every=2", "--quiet", "--cpu-devices", devices],
                       check=True, timeout=600, stdout=subprocess.DEVNULL)
        outputs.append({p: (out / p).read_bytes() for p in ("metrics.csv", "champions.npz")})
    assert json.loads((tmp_path / "2" / "summary.json").read_text())["n_devices"] == 2
    assert outputs[0] == outputs[1]


@pytest.mark.slow
def test_evolving_for_modularity_raises_q_and_gives_q_max(threshold_runs, tmp_path, capsys):
    """The Q_max runs: fitness is Q of the undirected graph, so the best Q never falls; their
    champions' mean Louvain Q is the evolved Q_max that analyze records and compare names."""
    q_run = tmp_path / "qmax"
    result = run(threshold_config(objectives={"maximise": "modularity"}, run={"generations": 40}), q_run,
                 progress=False)
    m = result.metrics
    for s in range(2):
        best = m["best_performance"][m["seed"] == s]
        assert np.all(np.diff(best) >= -1e-6) and best[-1] > best[0]
    evolved = evolved_q_max(q_run)
    assert evolved["n_runs"] == 2 and 0.3 < evolved["value"] < 1
    fixed, mvg = (threshold_runs[k].run_dir for k in ("fixed", "mvg"))
    assert main(["analyze", str(fixed), "--n-random", "4", "--q-max-from", str(q_run)]) == 0
    assert main(["analyze", str(mvg), "--n-random", "4", "--q-max-from", str(q_run)]) == 0
    content = json.loads((fixed / "analysis.json").read_text())
    assert content["q_max"]["variant"] == "evolved"
    assert all(c is None or c["q_max"] == evolved["value"] for c in content["champions"])
    table, _ = compare([fixed, mvg])
    assert f"Q_max evolved = {evolved['value']:.3f}" in table
    capsys.readouterr()
    assert main(["analyze", str(fixed), "--q-max-from", str(mvg)]) == 2
    err = capsys.readouterr().err.strip()
    assert "--q-max-from" in err and "modularity" in err and len(err.splitlines()) == 1


def criterion_config():
    """Circuits under MVG (E = 3) with the criterion at 75 %: the step program both tests below
    compile (once, through the compile cache)."""
    return config_from_dict({"task": {"name": "circuits", "solved_accuracy": 0.75},
                             "genome": {"kind": "circuit", "max_gates": 12},
                             "selection": {"kind": "elitist", "elite": 18, "crossover_rate": 0.5},
                             "schedule": {"kind": "mvg", "goals": ["and", "or"], "period": 3},
                             "run": vars(circuits_config("mvg").run)})


@pytest.mark.slow  # the suite's time: two circuit programs of their own; the shared Readaptation record is
# checked by default on Clune runs (tests/experiments/test_readaptation.py)
def test_readaptation_is_recorded_and_logged_under_switching_goals_only():
    """A circuit run under MVG: its record equals the plain tally of its own generations, and
    the metrics row carries it; a fixed goal has no such columns."""
    exp = ElitistExperiment(criterion_config())
    assert exp.metric_names[-3:] == ("readaptation_generations", "readapted_switches", "missed_switches")
    assert "readaptation_generations" not in ElitistExperiment(circuits_config("fixed")).metric_names
    step, init = jax.jit(exp.step), jax.jit(exp.init)
    output_tables = jax.jit(jax.vmap(lambda x: circuit.output_table(x, exp.spec)))
    state = init(jax.random.PRNGKey(5))
    goals, hits, solved = [], [], []
    for g in range(41):
        if g:
            state = step(state)
        outputs = np.asarray(output_tables(state.population))
        table = int(np.asarray(exp.goal_words(state.goal))[0])
        right = np.array([bin(~(int(o) ^ table) & 0xFFFF).count("1") / 16 for o in outputs[:, 0]])
        goals.append(int(state.goal))
        hits.append(bool(np.any(right >= 0.75)))
        solved.append(int(state.criterion_at))
    times, missed = plain_readaptation(goals, hits, solved)
    r = state.readaptation
    assert len(times) >= 3, "the run must count some switches for the test to mean anything"
    assert (int(r.count), int(r.total), int(r.missed)) == (len(times), sum(times), missed)
    row, _ = exp.metrics(state)
    values = dict(zip(exp.metric_names, np.asarray(row).tolist()))
    assert values["readaptation_generations"] == pytest.approx(np.mean(times))
    assert (values["readapted_switches"], values["missed_switches"]) == (len(times), missed)


def test_criterion_generations_follow_a_plain_tally_per_goal():
    """task.solved_accuracy < 1: each tracked goal's first generation with an individual at or
    above it, against a tally of the fractions right, generation by generation."""
    exp = ElitistExperiment(criterion_config())
    names = exp.metric_names
    assert names[-6:-3] == ("criterion_generation", "criterion_generation_goal8", "criterion_generation_goal14")
    assert [m.label for m in exp.metric_specs[-5:-3]] == ["generations to >= 75% on and", "generations to >= 75% on or"]
    step, init = jax.jit(exp.step), jax.jit(exp.init)
    output_tables = jax.jit(jax.vmap(lambda x: circuit.output_table(x, exp.spec)))
    state = init(jax.random.PRNGKey(3))
    tables = np.asarray(exp.tracked_tables(state.goal))
    first = [-1] * len(tables)
    for g in range(31):
        if g:
            state = step(state)
        outputs = np.asarray(output_tables(state.population))
        for i, table in enumerate(tables[:, 0]):
            right = np.array([bin(~(int(o) ^ int(table)) & 0xFFFF).count("1") / 16 for o in outputs[:, 0]])
            if first[i] < 0 and np.any(right >= 0.75):
                first[i] = g
    np.testing.assert_array_equal(np.asarray(state.first_criterion), first)
    assert np.all((np.asarray(state.first_perfect) < 0) | (np.asarray(state.first_perfect) >= first))
    assert int(state.criterion_at) == (max(first) if min(first) >= 0 else -1)
    assert int(exp.solved_generation(state)) == int(state.criterion_at)
    with pytest.raises(ConfigError, match="task.solved_accuracy"):
        config_from_dict({"task": {"name": "circuits", "solved_accuracy": 0}, "genome": {"kind": "circuit"},
                          "selection": {"kind": "elitist", "elite": 18}, "run": {"population": 60}})
    with pytest.raises(ConfigError, match="task.solved_accuracy.*NSGA-II"):
        config_from_dict({"task": {"name": "retina", "solved_accuracy": 0.95}})
