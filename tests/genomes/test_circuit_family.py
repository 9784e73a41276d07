"""Circuit genomes inside the elitist experiment: a six-input task (two-word truth tables) and
free wiring run end to end, and the config keys of the circuit genome are checked."""
import jax
import numpy as np
import pytest

from evojax_mod.config import CircuitGenomeConfig, ConfigError, config_from_dict
from evojax_mod.experiments.elitist import ElitistExperiment
from evojax_mod.genomes import circuit
from evojax_mod.runner import run
from evojax_mod.tasks import BooleanTask, get_task, goal_code
from evojax_mod.tasks import target as task_target

SMALL_RUN = {"population": 20, "generations": 6, "seeds": 2, "log_every": 2, "checkpoint_every": 6}


def circuit_config(task="xor3", goal="A & B & C", **genome):
    return config_from_dict({
        "task": {"name": task}, "genome": {"kind": "circuit", "max_gates": 16, **genome},
        "selection": {"kind": "elitist", "elite": 6}, "schedule": {"kind": "fixed", "goals": [goal]},
        "run": SMALL_RUN})


def plain_values(genome, spec):
    """Every node on every pattern, bool [n_nodes, P], by a per-pattern loop (ordered wiring)."""
    values = np.zeros((spec.n_nodes, spec.n_patterns), bool)
    for p in range(spec.n_patterns):
        nodes = [bool((p >> k) & 1) for k in range(spec.n_inputs)]
        for a, b in np.asarray(genome.gate_inputs):
            nodes.append(not (nodes[a] and nodes[b]))
        values[:, p] = nodes
    return values


@pytest.fixture(scope="module")
def xor3_run(tmp_path_factory):
    return run(circuit_config(), tmp_path_factory.mktemp("xor3"), progress=False)


def test_a_six_input_task_runs_with_two_word_tables(xor3_run):
    exp = ElitistExperiment(xor3_run.config)
    assert exp.spec.n_inputs == 6 and exp.spec.n_words == exp.n_words == 2
    m = xor3_run.metrics
    assert set(np.unique(m["generation"])) == {0, 2, 4, 6}
    for s in range(2):  # elitism under a fixed goal
        assert np.all(np.diff(m["best_performance"][m["seed"] == s]) >= 0)
    # every score is a count of the 64 patterns
    np.testing.assert_allclose(m["champion_all_patterns"] * 64, np.round(m["champion_all_patterns"] * 64), atol=1e-4)
    assert np.all(m["champion_gates"] <= 16)

    task = get_task("xor3")
    target = task_target(task, goal_code(task, "A & B & C"))
    population = jax.tree.map(lambda a: a[0], xor3_run.state.population)
    outputs = np.asarray(jax.vmap(exp.family.outputs)(population))
    assert outputs.shape == (20, 2) and outputs.dtype == np.uint32
    fitness = np.asarray(xor3_run.state.fitness[0])
    for i in range(20):
        g = jax.tree.map(lambda a: a[i], population)
        values = plain_values(g, exp.spec)
        np.testing.assert_array_equal(exp.activations(g), values.astype(float))
        assert fitness[i] == pytest.approx(np.mean(values[int(g.output)] == target))
        assert np.asarray(circuit.table_bits(outputs[i], exp.spec)).tolist() == values[int(g.output)].tolist()


def test_free_wiring_runs_and_its_network_view_takes_cycles(tmp_path):
    config = circuit_config("circuits", "or", wiring="free")
    assert config.genome.wiring == "free"
    result = run(config, tmp_path / "free", progress=False)
    exp = ElitistExperiment(config)
    assert exp.spec.wiring == "free"
    m = result.metrics
    assert np.all((m["best_performance"] >= 0) & (m["best_performance"] <= 1))
    population = jax.tree.map(lambda a: a[0], result.state.population)
    cyclic = 0
    for i in range(20):
        g = jax.tree.map(lambda a: a[i], population)
        network = exp.network(g)
        adjacency = network.adjacency != 0
        active = np.asarray(circuit.active_nodes(g, exp.spec))
        np.testing.assert_array_equal(network.nodes, active)
        assert not adjacency[:, ~active].any()  # edges run only into active gates
        np.testing.assert_array_equal(network.layer, np.arange(exp.spec.n_nodes))
        assert (network.all_edges >= adjacency).all()
        reach = adjacency.copy()  # transitive closure: a cycle puts a node on its own path
        for _ in range(exp.spec.n_nodes):
            reach = reach | ((reach.astype(int) @ adjacency.astype(int)) > 0)
        cyclic += bool(np.diag(reach).any())
        assert exp.activations(g).shape == (exp.spec.n_nodes, 16)
    assert cyclic > 0  # random free genomes have cycles, and the view takes them


def test_circuit_genome_config_keys():
    assert circuit_config().genome.wiring == "ordered"
    with pytest.raises(ConfigError, match=r"^config key 'genome.wiring': expected one of: ordered, free, got 'loose'$"):
        circuit_config(wiring="loose")
    # 2..8 inputs: the retina's 8 fit, and the error for a task outside names the range
    assert circuit_config("retina", "and").genome.kind == "circuit"
    wide = BooleanTask(name="wide", n_inputs=9, sub_goals=[np.zeros(512, bool), np.ones(512, bool)],
                       sub_goal_names=("a", "b"), input_groups=((0,), (1,)))
    with pytest.raises(ConfigError, match=r"genome.kind.*9 inputs; circuit genomes take 2\.\.8"):
        CircuitGenomeConfig().check_task("genome", wide)
