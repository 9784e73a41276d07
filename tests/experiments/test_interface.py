"""The experiment interface on every experiment: a task defined here runs through both, the
network view agrees with each genome's own evaluator, the Clune objectives have the columns
and signs that the pressure vector assumes, and the Clune step follows every schedule."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import loop, records
from evojax_mod.config import config_from_dict
from evojax_mod.experiments.registry import EXPERIMENTS, experiment_for
from evojax_mod.genomes import circuit, layered, threshold
from evojax_mod.runner import run
from evojax_mod.tasks import BooleanTask, COMBINERS, goal_code, register_task


def six_input_task() -> BooleanTask:
    """A throwaway task: six inputs, three sub-goals (a majority, an AND, an XOR)."""
    p = np.arange(64)
    bit = [(p >> i) & 1 for i in range(6)]
    return BooleanTask(
        name="test-six", n_inputs=6, sub_goal_names=("M", "N", "X"),
        sub_goals=np.stack([bit[0] + bit[1] + bit[2] >= 2, (bit[3] & bit[4]) == 1, (bit[4] ^ bit[5]) == 1]),
        input_groups=((0, 1, 2), (3, 4), (4, 5)), named_goals={}, description="three sub-goals on six inputs")


register_task(six_input_task())

# one chunk program: 6 generations, logged every 3, one checkpoint at the end
SMALL_RUN = {"population": 24, "generations": 6, "seeds": 2, "log_every": 3, "checkpoint_every": 6}
NEW_TASK_CONFIGS = {
    "nsga2": {"task": {"name": "test-six"}, "genome": {"kind": "layered", "layers": [6, 6, 3, 1]},
              "schedule": {"kind": "mvg", "goals": ["(M ^ N) & X", "M if X else N"], "period": 2}},
    "elitist": {"task": {"name": "test-six", "patterns": 40},
                "genome": {"kind": "threshold", "layers": [6, 6, 3, 1], "fan_in": [3, 3, 2]},
                "selection": {"kind": "elitist", "elite": 6},
                "schedule": {"kind": "rmvg", "period": 2, "family": "all", "holdout": ["M & N & X"]}},
    "optax": {"task": {"name": "test-six"}, "genome": {"kind": "mlp", "layers": [6, 6, 3, 1]},
              "selection": {"kind": "optax", "rule": "sgd", "momentum": 0.9},
              "schedule": {"kind": "mvg", "goals": ["(M ^ N) & X", "M if X else N"], "period": 2}},
    "evosax": {"task": {"name": "test-six"}, "genome": {"kind": "mlp", "layers": [6, 6, 3, 1], "activation": "relu"},
               "selection": {"kind": "evosax", "strategy": "snes"},
               "schedule": {"kind": "rmvg", "period": 2, "family": "all", "holdout": ["M & N & X"]}},
}


def test_every_registered_experiment_is_covered():
    assert set(NEW_TASK_CONFIGS) == set(EXPERIMENTS)


# evosax composes as optax does (tests/optimisers cover its steps), and NSGA-II's run compiles a
# Clune program of its own for the new task (23 s from a fresh clone) while the elitist and
# optax runs already show a task is a value: those two are slow checks
@pytest.mark.parametrize("kind", [pytest.param(k, marks=pytest.mark.slow) if k in ("evosax", "nsga2") else k
                                  for k in sorted(NEW_TASK_CONFIGS)])
def test_a_task_defined_in_a_test_runs_through_every_experiment(kind, tmp_path):
    cfg = config_from_dict({**NEW_TASK_CONFIGS[kind], "run": SMALL_RUN})
    result = run(cfg, tmp_path / kind, progress=False)
    m = result.metrics
    np.testing.assert_array_equal(result.generations, [0, 3, 6])
    assert np.all((m["best_performance"] <= 1) & (m["champion_q"] <= 1))
    task = six_input_task()
    goals = set(np.unique(m["goal"]).astype(int))
    if kind in ("nsga2", "optax"):
        assert goals <= {goal_code(task, "(M ^ N) & X"), goal_code(task, "M if X else N")}
    else:
        assert goal_code(task, "M & N & X") not in goals and len(goals) >= 2
    exp = experiment_for(cfg)
    genome = exp.genome_from_record(records.read_champions(tmp_path / kind), 0, -1)
    network = exp.network(genome)
    assert network.adjacency.shape == (sum(cfg.genome.layers),) * 2
    assert exp.activations(genome).shape == (sum(cfg.genome.layers), 64)


def random_genomes(exp, n=6):
    module = {"nsga2": layered}.get(exp.config.selection.kind) or exp.family.module
    return [module.init(k, exp.spec) for k in jax.random.split(jax.random.PRNGKey(3), n)]


def test_layered_activations_equal_the_genome_evaluator():
    exp = experiment_for(config_from_dict({"run": SMALL_RUN}))
    for g in random_genomes(exp):
        values = exp.activations(g)
        signs = np.asarray(layered.output_signs(g, exp.spec, exp.inputs()))[:, 0]
        np.testing.assert_array_equal(np.sign(values[-1]), signs)
        np.testing.assert_array_equal(values[:8], np.asarray(exp.inputs()).T)


def test_circuit_and_threshold_activations_equal_the_genome_evaluators():
    cexp = experiment_for(config_from_dict({"task": {"name": "circuits"}, "genome": {"kind": "circuit"},
                                            "selection": {"elite": 6}, "run": SMALL_RUN}))
    for g in random_genomes(cexp):
        bits = np.asarray(circuit.table_bits(circuit.output_table(g, cexp.spec), cexp.spec))
        np.testing.assert_array_equal(cexp.activations(g)[int(g.output)], bits)
    texp = experiment_for(config_from_dict({"genome": {"kind": "threshold"}, "selection": {"elite": 6},
                                            "run": SMALL_RUN}))
    for g in random_genomes(texp):
        words = np.asarray(threshold.output_words(g, texp.spec))
        bits = (words[np.arange(256) // 32] >> (np.arange(256) % 32)) & 1
        np.testing.assert_array_equal(texp.activations(g)[-1], bits)


@pytest.mark.parametrize("cost, diversity", [("none", True), ("optimal_length", True), ("edges", False)])
def test_clune_objective_columns_and_signs_follow_the_pressure(cost, diversity):
    cfg = config_from_dict({"objectives": {"connection_cost": cost, "cost_pressure": 0.25, "diversity": diversity},
                            "run": SMALL_RUN})
    exp = experiment_for(cfg)
    genomes = jax.vmap(lambda k: layered.init(k, exp.spec))(jax.random.split(jax.random.PRNGKey(0), 24))
    signs, costs = exp.phenotypes(genomes)
    objectives, performance = exp.objectives(signs, costs, jnp.int32(COMBINERS["and"]))
    assert objectives.shape[1] == len(exp.pressure)
    np.testing.assert_array_equal(objectives[:, 0], performance)  # performance: maximised, pressure 1
    assert exp.pressure[0] == 1.0
    column = 1
    if cost != "none":
        assert exp.pressure[1] == 0.25 and float(jnp.min(costs)) >= 0
        # every column is maximised: the cost enters negated, so cheaper networks score higher
        np.testing.assert_array_equal(objectives[:, 1], -costs)
        assert float(jnp.max(costs)) > float(jnp.min(costs))
        column = 2
    if diversity:
        assert exp.pressure[column] == 1.0
        assert float(jnp.min(objectives[:, column])) >= 0  # a mean distance, maximised
        column += 1
    assert column == objectives.shape[1]
    target = np.asarray(exp.target(jnp.int32(COMBINERS["and"])))
    signs = np.asarray(signs)
    right = np.mean(np.where(target[None], signs > 0, signs < 0), axis=1)  # an output of 0 is wrong
    np.testing.assert_allclose(np.asarray(performance), right, rtol=1e-6)


CLUNE_SCHEDULES = {
    "mvg": {"kind": "mvg", "goals": ["and", "or"], "period": 2},
    "switch": {"kind": "switch", "goals": ["and", "or"], "switch_at": 3},
    "rmvg": {"kind": "rmvg", "period": 2, "family": "all", "holdout": ["xor"]},
}


@pytest.fixture(scope="module")
def clune_schedule_runs():
    return {k: run(config_from_dict({"schedule": s, "run": dict(SMALL_RUN, generations=7, seeds=3)}), None, progress=False)
            for k, s in CLUNE_SCHEDULES.items()}


@pytest.mark.slow
def test_clune_follows_mvg_and_switch(clune_schedule_runs):
    and_, or_ = COMBINERS["and"], COMBINERS["or"]
    # logged at 0, 3, 6, 7; mvg with E = 2: epochs (g - 1) // 2 = 0, 1, 2, 3 -> and, or, and, or
    mvg = clune_schedule_runs["mvg"]
    np.testing.assert_array_equal(mvg.rows[:, :, mvg.names.index("goal")], [[and_, or_, and_, or_]] * 3)
    switch = clune_schedule_runs["switch"]
    np.testing.assert_array_equal(switch.rows[:, :, switch.names.index("goal")], [[and_, and_, or_, or_]] * 3)
    np.testing.assert_array_equal(np.asarray(switch.state.goal), [or_] * 3)


@pytest.mark.slow
def test_clune_rmvg_draws_from_the_family_the_same_in_any_seed_batch(clune_schedule_runs):
    from evojax_mod.tasks import family_codes
    result = clune_schedule_runs["rmvg"]
    goals = result.rows[:, :, result.names.index("goal")].astype(int)
    family = set(family_codes(2).tolist()) - {COMBINERS["xor"]}
    assert set(goals.ravel()) <= family
    assert len({tuple(g) for g in goals}) > 1  # each seed draws its own sequence
    one = run(config_from_dict({"schedule": CLUNE_SCHEDULES["rmvg"], "run": dict(SMALL_RUN, generations=7, seeds=3)}), None,
              progress=False, seed_batch=2)
    np.testing.assert_array_equal(one.rows, result.rows)
    for a, b in zip(jax.tree.leaves(one.state), jax.tree.leaves(result.state)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_chunk_plan_logs_and_checkpoints_the_final_generation():
    assert loop.chunk_plan(0, 7, 3, 6) == [(2, 3), (1, 1)]
    assert loop.chunk_plan(0, 12, 3, 6) == [(2, 3), (2, 3)]
    assert loop.chunk_plan(7, 25, 5, 10) == [(1, 3), (2, 5), (1, 5)]
    assert loop.chunk_plan(0, 2, 100, 1000) == [(1, 2)]
    for start, end, log, ckpt in [(0, 40, 3, 6), (5, 41, 4, 8), (0, 1, 1, 1)]:
        plan = loop.chunk_plan(start, end, log, ckpt)
        assert start + sum(n * b for n, b in plan) == end
        assert max(n for n, _ in plan) <= loop.chunk_rows(log, ckpt)  # the program's row buffer


@pytest.mark.slow  # the suite's time: test_run_chunk_logs_its_active_blocks_and_zeros_after_them checks the
# chunk's rows by default
def test_one_run_uses_one_chunk_program_for_chunks_of_every_length(monkeypatch):
    """Generations 7, logged every 3, a checkpoint at 6: generation 0's row, a chunk of 2 x 3 and
    one of 1 x 1, all from one compiled chunk program; its first rows are a 6-generation run's."""
    from evojax_mod import executable_cache
    requested = []
    real = executable_cache.compiled

    def counting(jitted, args, static_argnums, directory):
        requested.append(jitted)
        return real(jitted, args, static_argnums, directory)

    monkeypatch.setattr(executable_cache, "compiled", counting)
    config = NEW_TASK_CONFIGS["nsga2"]  # programs the first test of this file compiled
    uneven = run(config_from_dict({**config, "run": dict(SMALL_RUN, generations=7)}), None, progress=False)
    assert requested.count(loop.batched_chunk) == 1
    np.testing.assert_array_equal(uneven.generations, [0, 3, 6, 7])
    even = run(config_from_dict({**config, "run": SMALL_RUN}), None, progress=False)
    assert requested.count(loop.batched_chunk) == 2
    np.testing.assert_array_equal(uneven.rows[:, :3], even.rows)
    assert not np.array_equal(uneven.rows[:, 3], uneven.rows[:, 2])


def test_run_chunk_logs_its_active_blocks_and_zeros_after_them():
    class Counter:  # the least an experiment gives the loop: a step and a metrics row
        step = staticmethod(lambda x: x + 1)
        metrics = staticmethod(lambda x: (jnp.stack([x, 2 * x]), x % 2))

    chunk = jax.jit(loop.run_chunk, static_argnums=(0, 4))
    state, rows, champs = chunk(Counter(), jnp.int32(5), jnp.int32(2), jnp.int32(3), 4)
    assert int(state) == 11
    np.testing.assert_array_equal(rows, [[8, 16], [11, 22], [0, 0], [0, 0]])
    np.testing.assert_array_equal(champs, [0, 1, 0, 0])
    state, rows, _ = chunk(Counter(), jnp.int32(5), jnp.int32(1), jnp.int32(0), 4)  # generation 0's row
    assert int(state) == 5 and rows[0].tolist() == [5, 10] and not rows[1:].any()
