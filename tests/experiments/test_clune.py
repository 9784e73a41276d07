import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

from evojax_mod import executable_cache, loop, records
from evojax_mod.experiments.clune import METRICS
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.config import config_from_dict
from evojax_mod.runner import RunError, run

# One shape for every small run of these tests (and of test_cli's and test_multihost's): configs
# that differ only in run length or seeds share compiled programs, so the file compiles the
# Clune program a few times instead of once per test.
SMALL = {"run": {"population": 24, "generations": 12, "seeds": 4, "log_every": 3, "checkpoint_every": 6}}


def small_config(**run):
    data = {"run": dict(SMALL["run"], **run)}
    return config_from_dict(data)


def assert_same_tree(a, b):
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "full"
    return run(small_config(), out, progress=False)


def test_run_directory_contents(full_run):
    out = full_run.run_dir
    for name in (records.CONFIG, records.METRICS, records.CHAMPIONS, records.CHECKPOINT, records.SUMMARY):
        assert (out / name).is_file()
    m = records.read_metrics(out)
    assert list(m) == ["seed", "generation", *(m.name for m in METRICS)]
    assert len(m["seed"]) == 4 * 5  # generations 0, 3, 6, 9, 12 for 4 seeds
    np.testing.assert_array_equal(np.unique(m["generation"]), [0, 3, 6, 9, 12])
    assert np.all((m["best_performance"] >= m["mean_performance"]) & (m["best_performance"] <= 1))
    assert np.all(m["champion_q"] <= 1) and np.all(m["champion_edges"] >= m["champion_functional_edges"])
    champs = records.read_champions(out)
    assert champs["champion_edge_mask"].shape == (4, 5, 106)
    assert records.read_config(out) == full_run.config


def test_resume_after_a_stop_ends_bit_for_bit_equal(full_run, tmp_path):
    out = tmp_path / "pieces"
    first = run(small_config(), out, progress=False, stop_after=6)
    assert int(first.generations[-1]) == 6
    resumed = run(small_config(), out, resume=True, progress=False)
    assert (first.start_generation, resumed.start_generation) == (0, 6)  # run_seconds times 6 generations
    assert_same_tree(resumed.state, full_run.state)
    np.testing.assert_array_equal(resumed.rows, full_run.rows)
    assert (out / records.METRICS).read_text() == (full_run.run_dir / records.METRICS).read_text()


@pytest.mark.slow
def test_seed_streams_do_not_depend_on_batch_size(full_run):
    alone = run(small_config(seeds=1), None, progress=False)
    assert_same_tree(jax.tree.map(lambda a: a[0], full_run.state), jax.tree.map(lambda a: a[0], alone.state))


@pytest.mark.slow  # a program of its own (56 s); the default suite keeps seeds=1 vs 4 and the 4-device run
def test_seeds_run_in_batches_one_after_another_give_the_same_bits(full_run):
    batched = run(small_config(), None, progress=False, seed_batch=3)  # a batch of 3, then 1
    assert_same_tree(batched.state, full_run.state)
    np.testing.assert_array_equal(batched.rows, full_run.rows)


def test_configs_that_differ_only_in_run_length_or_seeds_share_compiled_programs(full_run):
    other = small_config(generations=30, seed=7, checkpoint_every=15)
    assert experiment_for(other) == experiment_for(small_config())
    assert hash(experiment_for(other)) == hash(experiment_for(small_config()))
    assert experiment_for(small_config(population=26)) != experiment_for(small_config())
    keys = loop.seed_keys(other.run.seed, other.run.seeds)

    def stored_as(config):  # the executable cache's file for the run's init program
        return executable_cache.cache_key(loop.batched_init, (experiment_for(config), keys, 1), (0, 2))

    assert stored_as(other) == stored_as(small_config()) != stored_as(small_config(population=26))
    loop.batched_init(experiment_for(small_config()), keys, 1)
    before = loop.batched_init._cache_size()
    state = loop.batched_init(experiment_for(other), keys, 1)
    assert loop.batched_init._cache_size() == before  # jit's own cache: the same program
    assert not np.array_equal(state.parents.edge_mask, full_run.state.parents.edge_mask)  # seed 7 is not seed 0


def test_a_cost_pressure_sweep_runs_each_value_as_its_own_run_would(full_run, tmp_path):
    """Two pressures x four seeds in one program: the entries of 0.25 are, bit for bit, the
    run at 0.25 alone (whose pressure is compiled in), and every row names its pressure."""
    swept = config_from_dict({**SMALL, "sweep": {"key": "objectives.cost_pressure", "values": [0.5, 0.25]}})
    both = run(swept, tmp_path / "sweep", progress=False)
    assert both.rows.shape[0] == 8
    names = list(both.names)
    assert names[:-1] == list(full_run.names) and names[-1] == "cost_pressure"
    np.testing.assert_array_equal(both.rows[4:, :, :-1], full_run.rows)
    np.testing.assert_array_equal(both.rows[:, 0, -1], np.float32([0.5] * 4 + [0.25] * 4))
    assert not np.array_equal(both.rows[:4, :, :-1], full_run.rows)


def test_run_refuses_to_overwrite_a_finished_run(full_run):
    with pytest.raises(RunError, match="exists and is not empty"):
        run(small_config(), full_run.run_dir, progress=False)


def test_step_keeps_population_and_improves_over_random(full_run):
    m = full_run.metrics
    first = m["best_performance"][m["generation"] == 0]
    last = m["best_performance"][m["generation"] == 12]
    assert np.all(last >= first)  # elitist (mu + lambda) with performance always compared
    assert full_run.state.parents.edge_mask.shape == (4, 24, 106)


def test_sharded_run_equals_unsharded_on_four_cpu_devices(full_run, tmp_path):
    # 8 seeds, 2 a device, which (by default on CPUs) runs them one after the other; the
    # first 4 seeds' states and metrics must equal the unsharded 4-seed run's
    script = textwrap.dedent(f"""
        import jax, numpy as np
        from evojax_mod.config import config_from_dict
        from evojax_mod.runner import run
        assert len(jax.devices()) == 4
        cfg = config_from_dict({{"run": {dict(SMALL["run"], seeds=8)!r}}})
        r = run(cfg, None, progress=False)
        np.savez("{tmp_path}/sharded.npz", *[np.asarray(x)[:4] for x in jax.tree.leaves(r.state)], rows=r.rows[:4])
        print(r.state.parents.edge_mask.sharding)
    """)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "NamedSharding" in out.stdout
    with np.load(tmp_path / "sharded.npz") as data:
        for i, leaf in enumerate(jax.tree.leaves(full_run.state)):
            np.testing.assert_array_equal(data[f"arr_{i}"], np.asarray(leaf))
        np.testing.assert_array_equal(data["rows"], full_run.rows)


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path):
    """SIGKILL the real command after its first checkpoint, then resume."""
    import signal
    import time

    cfg_path = tmp_path / "kill.yaml"
    cfg_path.write_text(f"run: {dict(SMALL['run'], generations=600)}\n".replace("'", ""))
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "evojax_mod", "run", str(cfg_path), "--out", str(out), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    # metrics.csv is written just after the checkpoint: wait for both, so the kill cannot fall between
    while not ((out / records.CHECKPOINT).exists() and (out / records.METRICS).exists()) \
            and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / records.CHECKPOINT).exists()
    cfg = records.read_config(out)
    done = int(records.read_metrics(out)["generation"].max())
    resumed = run(cfg, out, resume=True, progress=False)
    uninterrupted = run(cfg, tmp_path / "straight", progress=False)
    assert proc.returncode == -signal.SIGKILL and done < 600
    assert_same_tree(resumed.state, uninterrupted.state)
    np.testing.assert_array_equal(resumed.rows, uninterrupted.rows)


def test_qm_analysis_of_layered_champions(full_run):
    from evojax_mod.report import final_table
    from evojax_mod.report.analysis import analyze_qm
    content = analyze_qm(full_run.run_dir, n_random=4)
    assert content["rewire"] == "layered" and content["generation"] == 12
    for champion in content["champions"]:
        assert champion is None or (champion["rewire"] == "layered" and np.isfinite(champion["q_real"]))
    assert "qm" in final_table(full_run.run_dir)


def test_the_pressure_sweep_preset_is_pcc_at_the_labs_pressures():
    from evojax_mod.config import load_config, to_dict
    swept, pcc = to_dict(load_config("clune2013/pcc_pressures")), to_dict(load_config("clune2013/pcc"))
    assert swept.pop("sweep") == {"key": "objectives.cost_pressure", "values": [0.1, 0.25, 0.5, 0.75, 0.95, 1.0]}
    for data in (swept, pcc):
        del data["name"], data["description"]
    assert swept == pcc
