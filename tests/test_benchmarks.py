"""The DEAP baseline runs, and its numpy evaluation agrees with evojax_mod's JAX objectives; the
benchmark suite's pieces (engine processes, sweeps, baselines, peaks, report, plot) run at toy
sizes and return well-formed, positive numbers. No timing is asserted."""
import json

import jax
import numpy as np
import pytest

from benchmarks import baselines
from benchmarks import deap_baseline as d
from benchmarks import numpy_baseline as nb
from benchmarks import peak, scaling, suite
from evojax_mod import bench, cli
from evojax_mod.genomes import layered
from evojax_mod.selection import nsga2
from evojax_mod.tasks import COMBINERS, retina_task
from evojax_mod.tasks import target as task_target

SPEC = layered.LayeredSpec()


def test_baseline_runs():
    rate = d.deap_generations_per_second(population=40, generations=2)
    assert np.isfinite(rate) and rate > 0
    pop = d.evolve(population=40, generations=2, seed=1)
    assert len(pop) == 40
    for ind in pop:
        assert ind.edge_mask.shape == (106,) and ind.weight_index.shape == (106,)
        assert ind.bias_index.shape == (15,)
        assert 0 <= ind.weight_index.min() and ind.weight_index.max() < 4
        assert ind.fitness.valid


def test_baseline_evaluation_matches_jax():
    genomes, objectives = baselines.pcc_population(20, jax.random.PRNGKey(3))   # jitted JAX objectives
    task = retina_task()
    target = task_target(task, COMBINERS["and"])
    np.testing.assert_array_equal(np.asarray(target), d.TARGET_AND)
    perf_jax, cost_jax, div_jax = np.asarray(objectives).T
    cost_jax = -cost_jax

    masks, weights, biases = (np.asarray(a) for a in (genomes.edge_mask, genomes.weight_index,
                                                      genomes.bias_index))
    nets = [d.Network(masks[i].copy(), weights[i].copy(), biases[i].copy()) for i in range(20)]
    for net in nets:
        d.evaluate(net)
    perf_np = np.array([n.performance for n in nets])
    cost_np = np.array([n.cost for n in nets])
    div_np = d.diversity(np.stack([n.bits for n in nets]))

    assert len(set(perf_np.round(6))) > 1 and np.count_nonzero(cost_np) > 10   # non-trivial sample
    np.testing.assert_allclose(perf_np, perf_jax, atol=1e-4)
    np.testing.assert_allclose(cost_np, cost_jax, atol=1e-4, rtol=0)
    np.testing.assert_allclose(div_np, div_jax, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1])
def test_baseline_mutation_keeps_layout(seed):
    rng = np.random.default_rng(seed)
    net = d.random_network(rng)
    before = net.edge_mask.sum()
    for _ in range(50):
        d.mutate(rng, net)
        assert net.edge_mask.dtype == bool and net.weight_index.dtype == np.int8
        assert net.bias_index.dtype == np.int8 and net.bias_index.max() < 5
    assert abs(int(net.edge_mask.sum()) - int(before)) <= 50


# ------------------------------------------------------------------ the suite (tiny sizes)

# One engine process (circuits, 2 seeds sharded over 2 CPU devices) and the baselines at toy
# sizes: every code path of `python -m benchmarks`, in well under a minute.
TINY = suite.Sizes(loops=("circuits",), populations=(), seed_counts=(), seeds_population=20,
                   device_counts=(2,), devices_seeds=2, devices_population=20, clune_generations=1,
                   circuit_generations=10, baseline_population=8, baseline_generations=1, sort_n=20,
                   ga_population=20, ga_generations=2, evaluation_population=8, matmul_size=32, repeats=1,
                   timeout=300, memory_limit_gib=None)


@pytest.fixture(scope="module")
def tiny_results():
    return suite.run_suite(TINY)


def _positive(x):
    return x is not None and np.isfinite(x) and x > 0


def test_generations_for_gives_equal_work():
    assert bench.generations_for(40, 1000, 1) == 40
    assert bench.generations_for(40, 100, 1) == 400
    assert bench.generations_for(40, 100, 8) == 50
    assert bench.generations_for(40, 10000, 64) == bench.MIN_GENERATIONS
    cases = bench.grid(["clune", "circuits"], [100], [1, 2, 3], [1, 2], {"clune": 40, "circuits": 2000})
    assert {(c["loop"], c["seeds"], c["devices"]) for c in cases} == {
        (loop, s, d) for loop in ("clune", "circuits") for s, d in ((1, 1), (2, 1), (2, 2), (3, 1))}


def test_device_env_replaces_the_device_count():
    env = bench.device_env(4, {"XLA_FLAGS": "--xla_foo=1 --xla_force_host_platform_device_count=2"})
    assert env["XLA_FLAGS"].split() == ["--xla_foo=1", "--xla_force_host_platform_device_count=4"]
    assert env["PYTHONPATH"]


def test_sweep_cases_rejects_unshardable_device_counts():
    with pytest.raises(ValueError, match="do not divide"):
        scaling.sweep_cases(["circuits"], [20], [1], 20, [1, 3], 4, 20, {"circuits": 10})


def test_run_isolated_records_failures():
    timed_out = bench.run_isolated(bench.case("circuits", 20, 1, 1, 3), timeout=0.01)
    assert timed_out["error"].startswith("timed out") and timed_out["generations_per_second"] is None
    rejected = bench.run_isolated(bench.case("circuits", 5, 1, 1, 3))   # odd population: ConfigError
    assert "ConfigError" in rejected["error"] and "run.population" in rejected["error"]
    assert "failed: ConfigError" in bench.markdown([rejected])


def test_bench_cli_errors_are_actionable(capsys):
    assert cli.main(["bench", "--seeds", "3", "--devices", "2"]) == 2
    assert "multiple of a device count" in capsys.readouterr().err
    assert cli.main(["bench", "--pop", "21", "--seeds", "1"]) == 2
    assert "run.population" in capsys.readouterr().err


def test_suite_rejects_unshardable_devices():
    with pytest.raises(SystemExit):
        suite.main(["--devices", "3", "--devices-seeds", "8"])


def test_numpy_sort_and_crowding_match_evojax():
    rng = np.random.default_rng(0)
    f = np.round(rng.random((60, 3)) * 4) / 4          # many ties and many fronts
    ranks = nb.nondominated_ranks(f)
    np.testing.assert_array_equal(ranks, np.asarray(nsga2.nondominated_ranks(f, [True] * 3)))
    g = rng.random((60, 3))                             # no ties: crowding order is unambiguous
    r = nb.nondominated_ranks(g)
    np.testing.assert_allclose(nb.crowding_distances(g, r), np.asarray(nsga2.crowding_distances(g, r)), rtol=1e-5)
    chosen, crowd = nb.survivors(g, 30)
    assert len(set(chosen.tolist())) == 30 and np.all(r[chosen] <= np.sort(r)[29])
    assert _positive(nb.numpy_generations_per_second(population=8, generations=1))


@pytest.mark.slow
def test_suite_engine_row_is_sharded(tiny_results):
    (row,) = tiny_results["scaling"]
    assert row["sweep"] == "devices" and row["devices"] == 2 and row["sharded"] is True and row["error"] is None
    for key in ("compile_seconds", "run_seconds", "generations_per_second", "seed_generations_per_second",
                "evaluations_per_second", "baseline_rss_mib", "peak_rss_mib"):
        assert _positive(row[key]), key
    assert row["peak_rss_mib"] >= row["baseline_rss_mib"]
    assert row["evaluations_per_second"] == pytest.approx(row["generations_per_second"] * 2 * 20)


@pytest.mark.slow
def test_suite_baselines_and_peaks(tiny_results):
    r = tiny_results
    assert [x["implementation"].split()[0] for x in r["loops"]] == ["DEAP", "numpy,"]
    assert all(_positive(x["generations_per_second"]) for x in r["loops"])
    assert len(r["sorts"]) == 7 and all(_positive(x["seconds"]) for x in r["sorts"])
    assert all(x["same_fronts"] in (True, None) for x in r["sorts"])
    assert sum(x["same_fronts"] is None for x in r["sorts"]) == 1
    assert {(x["implementation"].split()[0], x["what"]) for x in r["ga"]} == {
        (i, w) for i in ("evojax_mod", "evosax") for w in ("GA step only", "GA step + evaluation")}
    assert all(_positive(x["generations_per_second"]) for x in r["ga"])
    assert all(0 <= x["best_fitness"] <= 1 for x in r["ga"] if x["what"] == "GA step + evaluation")
    assert _positive(r["peak"]["matmul"]["gflops"]) and _positive(r["peak"]["nand"]["nand_words_per_second"])
    e = r["evaluation"]
    assert e["retina"]["flops_per_network"] == 2 * 256 * (8 * 8 + 8 * 4 + 4 * 2 + 2 * 1)
    assert _positive(e["retina_evaluation_fraction_of_matmul_peak"])
    assert _positive(e["circuits_loop_fraction_of_nand_peak"]) and e["clune_loop_fraction_of_matmul_peak"] is None


@pytest.mark.slow
def test_suite_writes_json_markdown_and_plot(tiny_results, tmp_path):
    paths = suite.write_outputs(tiny_results, tmp_path / "out", "python -m benchmarks --tiny")
    text = paths["markdown"].read_text()
    assert "python -m benchmarks --tiny" in text and "bench-circuits-p20-s2" in text
    for heading in ("Machine peaks", "Scaling with devices", "Whole Clune loop", "Non-dominated sort", "evosax"):
        assert heading in text
    for row in tiny_results["sorts"] + tiny_results["ga"] + tiny_results["loops"]:
        assert row["implementation"] in text
    assert json.loads(paths["json"].read_text())["scaling"][0]["devices"] == 2
    assert paths["plot"].stat().st_size > 1000 and paths["plot"].read_bytes()[:4] == b"\x89PNG"


def test_plot_marks_failed_configurations(tmp_path):
    ok = dict(bench.case("clune", 100, 1, 1, 3), evaluations_per_second=1e4, error=None, sweep="population")
    failed = dict(bench.case("clune", 10000, 1, 1, 3), evaluations_per_second=None, sweep="population",
                  error="JaxRuntimeError: RESOURCE_EXHAUSTED")
    path = scaling.plot([ok, failed], tmp_path / "p.png")
    assert path.stat().st_size > 1000


def test_peak_counts_dense_flops():
    assert peak.retina_flops_per_network(layered.LayeredSpec()) == 54272


def test_digit_pair_training_speed_runs_at_toy_size():
    from benchmarks import digits
    rate = digits.steps_per_second("digits/rmvg_adam", batch=8, nets=2, steps=2, repeats=1)
    assert np.isfinite(rate) and rate > 0
    assert [p for _, p, _ in digits.PRESETS] == ["digits/rmvg_adam", "digits/rmvg_cnn_adam"]
