"""The basin figures of a smooth view: every file is a PNG, written where `draw_view` says, from
arrays that agree with the broadness functions they come from."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from evojax_mod.broadness import matrix_free
from evojax_mod.experiments.base import SmoothView
from evojax_mod.report import broadness_plots as bp

PNG = b"\x89PNG"
XS = jnp.linspace(-2.0, 2.0, 7)[:, None]


def tiny_view(with_outputs: bool = True) -> SmoothView:
    """A 1-3-1 tanh net (P = 10, one bias masked out) on its own outputs at 7 inputs."""
    params = {"W1": jax.random.normal(jax.random.PRNGKey(0), (1, 3)), "b1": jnp.zeros(3),
              "W2": jax.random.normal(jax.random.PRNGKey(1), (3, 1)), "b2": jnp.zeros(1)}
    net = lambda p, batch: jnp.tanh(batch[0] @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    loss = lambda p, batch: 0.5 * jnp.mean(jnp.sum((net(p, batch) - batch[1]) ** 2, axis=-1))
    mask = jnp.ones(10, bool).at[3].set(False)
    return SmoothView(loss=loss, params=params, data=(XS, net(params, (XS, None))), mask=mask,
                      what="tiny net", outputs=net if with_outputs else None)


VIEW = tiny_view()  # one view for all tests: its functions are static arguments of one compiled program


def test_draw_view_writes_every_figure(tmp_path):
    paths = bp.draw_view(VIEW, tmp_path / "out", "seed0_", n_random=3, radius=0.5)
    assert [p.name for p in paths] == [f"seed0_{f}.png" for f in bp.FIGURES]
    assert all(p.read_bytes()[:4] == PNG for p in paths)
    assert not list((tmp_path / "out").glob(".*"))  # no temporary file left behind
    assert [p.name for p in bp.draw_view(tiny_view(False), tmp_path, n_random=2)] == \
        [f"{f}.png" for f in bp.FIGURES if f != "null_space"]


def test_view_arrays_hold_the_masked_spectrum_and_null_space():
    radii, offsets = jnp.linspace(0.0, 0.5, 21), jnp.linspace(-0.5, 0.5, 41)  # draw_view's: no new compile
    out = bp.view_arrays(VIEW.loss, VIEW.outputs, VIEW.params, VIEW.data, VIEW.mask, jax.random.PRNGKey(0),
                         radii, offsets, 3)
    assert np.isnan(out["eigs"][9]) and not np.isnan(out["eigs"][:9]).any()
    assert out["random"].shape == (3, 21) and out["sharpest"].shape == out["flattest"].shape == (3, 21)
    assert np.all(out["random"][:, 0] == 0.0) and out["slice"].shape == (41, 41)
    assert abs(float(out["slice"][20, 20])) < 1e-12  # offset 0 up to linspace's rounding
    # the sharpest direction rises fastest; 7 outputs and 9 parameters: at most 7 features
    assert out["sharpest"][0, -1] >= out["random"][:, -1].max() >= out["flattest"][0, -1]
    assert out["left"].shape == (7, 7) and 0 <= int(out["null"].sum()) <= 7


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_density_with_an_slq_estimate_and_an_empty_null_space(tmp_path):
    a = jnp.diag(jnp.array([0.0, 1.0, 1.0, 4.0]))
    grid = jnp.linspace(-1.0, 5.0, 50)
    density = matrix_free.slq_density(lambda v: a @ v, jax.random.PRNGKey(0), 4, grid, sigma=0.2,
                                      num_matvecs=3, num_probes=2)
    path = bp.plot_density(np.array([0.0, 1.0, 1.0, 4.0, np.nan]), tmp_path / "d.png", density)
    assert path.read_bytes()[:4] == PNG
    assert bp.plot_null_space(np.zeros((8, 0)), tmp_path / "n.png").read_bytes()[:4] == PNG
