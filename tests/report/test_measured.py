"""`analyze --measures` on a run's champions: the registry's measures of every seed's final
champion, equal to the measures taken on its network directly, written to RUN/measures.csv; an
unknown measure is one line and exit 2."""
import csv

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod import cli, loop, records
from evojax_mod.config import config_from_dict
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.measures.spectral_kl import spectral_kl_q
from evojax_mod.records import RunError
from evojax_mod.report import final_table
from evojax_mod.report.measured import MEASURES_FILE, measure_champions, measure_population
from evojax_mod.runner import run

SMALL = {"population": 24, "generations": 6, "seeds": 2, "log_every": 3, "checkpoint_every": 6}
# a layered champion of 6 generations may have no network at all; these start with many edges
DENSE = {"init_connections": [60, 100]}
CONFIGS = {
    "layered": {"genome": DENSE, "run": SMALL},
    "mlp": {"genome": {"kind": "mlp"}, "selection": {"kind": "optax"}, "run": SMALL},
}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def run_dir(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param) / "run"
    run(config_from_dict(CONFIGS[request.param]), out, progress=False)
    return out


def test_measures_of_the_champions_equal_the_measures_of_their_networks(run_dir):
    table = measure_champions(run_dir, ["qw", "mi", "grc"])
    assert table["seed"].tolist() == [0, 1] and set(table["generation"]) == {6}
    exp = experiment_for(records.read_config(run_dir))
    champions = records.read_champions(run_dir)
    for s in range(2):
        network = exp.network(exp.genome_from_record(champions, s, -1))
        direct = spectral_kl_q(jnp.asarray(network.adjacency, jnp.float32), jnp.asarray(network.nodes))
        assert table["qw"][s] == pytest.approx(float(direct), abs=1e-6)
    assert np.all(np.isfinite(table["grc"])) and not np.all(np.isnan(table["mi"]))
    with open(run_dir / MEASURES_FILE) as f:
        written = list(csv.DictReader(f))
    assert [float(r["qw"]) for r in written] == pytest.approx(table["qw"].tolist())


def test_population_measures_are_those_of_the_sampled_individuals(run_dir, capsys):
    table = measure_population(run_dir, ["qw"], 5)
    exp = experiment_for(records.read_config(run_dir))
    template = loop.state_structure(exp, exp.config.run)
    state = records.read_checkpoint(run_dir, template)[0]
    for s in range(2):
        population = exp.population(jax.tree.map(lambda a: a[s], state))
        size = jax.tree.leaves(population)[0].shape[0]  # 24 evolved; one net trained by optax
        individuals = table["individual"][table["seed"] == s]
        assert sorted(set(individuals.tolist())) == sorted(individuals.tolist())  # without replacement
        assert len(individuals) == min(5, size) and set(table["generation"]) == {6}
        for i, value in zip(individuals, table["qw"][table["seed"] == s]):
            network = exp.network(jax.tree.map(lambda a: a[int(i)], population))
            direct = spectral_kl_q(jnp.asarray(network.adjacency, jnp.float32), jnp.asarray(network.nodes))
            assert value == pytest.approx(float(direct), abs=1e-6)
    assert cli.main(["analyze", str(run_dir), "--measures", "hessian", "--population", "3"]) == 2
    assert "--population" in capsys.readouterr().err


def test_compare_shows_the_measures_written_for_the_final_generation(run_dir):
    table = measure_champions(run_dir, ["qw"])
    final = final_table(run_dir)
    assert final["measured_qw"].tolist() == pytest.approx(table["qw"].tolist())
    assert ("qw (analyze --measures)", "measured_qw", "median") in final["rows"]
    text = (run_dir / MEASURES_FILE).read_text()
    header, *lines = text.splitlines()
    (run_dir / MEASURES_FILE).write_text("\n".join([header, *("3" + line[1:] for line in lines)]))  # generation 3: stale
    assert "measured_qw" not in final_table(run_dir)
    (run_dir / MEASURES_FILE).write_text(text[: len(text) // 2] + "x")
    with pytest.raises(RunError, match="measures.csv.*analyze"):
        final_table(run_dir)
    (run_dir / MEASURES_FILE).unlink()


def test_analyze_refuses_an_unknown_measure_in_one_line(run_dir, capsys):
    if "mlp" not in str(run_dir):
        pytest.skip("the command's handling is the same for every family: checked on one")
    assert cli.main(["analyze", str(run_dir), "--measures", "qw,bogus"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--measures" in err[0] and "bogus" in err[0]
    assert cli.main(["analyze", str(run_dir), "--measures", "qw,louvain"]) == 0
    assert "qw" in capsys.readouterr().out
    # exact Boolean MI needs 0/1 node values; neither network has them: one line, exit 2
    assert cli.main(["analyze", str(run_dir), "--measures", "mi_bool"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.slow  # the suite's time: the masks' training is a program of its own to compile
def test_weight_masks_of_trained_nets_on_a_fixed_retina_goal(run_dir):
    if "mlp" not in str(run_dir):
        pytest.skip("evolved nets have no weights to mask (the next test)")
    table = measure_champions(run_dir, ["mask"])  # trained on L AND R: each champion's masks for L and for R
    assert np.all((table["mask_iou"] >= 0) & (table["mask_iou"] <= 1))
    assert np.all(np.isfinite(table["mask_accuracy"]))


def test_weight_masks_are_refused_for_evolved_nets_in_one_line(run_dir, capsys):
    if "mlp" in str(run_dir):
        pytest.skip("the trained nets have masks (the test above)")
    assert cli.main(["analyze", str(run_dir), "--measures", "mask"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mask" in err[0] and "retina" in err[0]


def _check_hessian_of_the_champions(run_dir):
    """The hessian columns summarise the exact Hessian of each champion's smooth view: its
    trace equals the trace of jax.hessian of the flat loss over the present coordinates."""
    import jax
    from jax.flatten_util import ravel_pytree

    table = measure_champions(run_dir, ["hessian"])
    exp = experiment_for(records.read_config(run_dir))
    champions = records.read_champions(run_dir)
    for s in range(2):
        view = exp.smooth_view(exp.genome_from_record(champions, s, -1))
        flat, unravel = ravel_pytree(view.params)
        present = np.ones(flat.size, bool) if view.mask is None else np.asarray(view.mask)
        # jitted: one program, where the eager reference would compile each of its many ops
        hessian = np.asarray(jax.jit(jax.hessian(lambda v, data: view.loss(unravel(v), data)))(flat, view.data))
        assert table["hessian_n_params"][s] == present.sum()
        assert table["hessian_trace"][s] == pytest.approx(np.trace(hessian[np.ix_(present, present)]),
                                                          rel=1e-4, abs=1e-6)


def test_hessian_of_the_champions_is_that_of_their_smooth_view(run_dir):
    if "layered" in str(run_dir):
        pytest.skip("the suite's time: the layered champions' views are checked under -m slow (next test)")
    _check_hessian_of_the_champions(run_dir)


@pytest.mark.slow  # the suite's time: the layered view's Hessian is another program to compile
def test_hessian_of_layered_champions_is_that_of_their_smooth_view(run_dir):
    if "layered" not in str(run_dir):
        pytest.skip("the trained nets: the test above")
    _check_hessian_of_the_champions(run_dir)


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_analyze_hessian_draws_each_champions_basin_figures(run_dir, capsys):
    """`analyze --measures hessian` also writes RUN/broadness/seed{S}_{figure}.png, every
    seed's champion (the figures' own content: tests/report/test_broadness_plots.py)."""
    from evojax_mod.report.broadness_plots import BROADNESS_DIR, FIGURES

    if "layered" not in str(run_dir):
        pytest.skip("the command's wiring is the same for every family: checked on the masked one")
    assert cli.main(["analyze", str(run_dir), "--measures", "hessian"]) == 0
    assert f"figures: {2 * len(FIGURES)} in {run_dir / BROADNESS_DIR}" in capsys.readouterr().out
    written = sorted(p.name for p in (run_dir / BROADNESS_DIR).iterdir())
    assert written == sorted(f"seed{s}_{f}.png" for s in range(2) for f in FIGURES)


def test_mask_inputs_exist_only_for_trained_nets_on_a_fixed_retina_and_or_or():
    """Varying schedules without a goal list (RMVG, Boolean or continuous) are refused, not read."""
    from evojax_mod.report.measured import mask_inputs

    mlp = {"genome": {"kind": "mlp"}, "selection": {"kind": "optax"}, "run": SMALL}
    fixed = experiment_for(config_from_dict(mlp))
    genome = fixed.family.init(jax.random.PRNGKey(0))
    assert set(mask_inputs(fixed, genome)) == {"params", "subtasks"}
    for schedule in ({"kind": "rmvg", "period": 5}, {"kind": "fixed", "goals": ["xor"]}):
        assert mask_inputs(experiment_for(config_from_dict({**mlp, "schedule": schedule})), genome) == {}
    digits = experiment_for(config_from_dict({"problem": {"kind": "digit_pairs", "train_pairs": 8, "test_pairs": 4},
                                              "schedule": {"kind": "rmvg", "low": -2, "high": 2},
                                              "genome": {"kind": "mlp", "layers": [128, 4, 1]},
                                              "selection": {"kind": "optax"}, "run": SMALL}))
    assert mask_inputs(digits, digits.family.init(jax.random.PRNGKey(0))) == {}
    assert mask_inputs(experiment_for(config_from_dict({"run": SMALL})), None) == {}
