"""Weight masks (Csordás et al. 2021): two XOR modules on separate outputs use disjoint weights
and removing one's mask breaks it alone; one XOR module serving both sub-tasks gives IoU 1."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import Partial

from evojax_mod.measures import compute
from evojax_mod.measures.masks import (accuracy, gumbel_sigmoid, mask_iou, mask_modularity,
                                       masked, retina_subtasks, weight_logits)
from evojax_mod.tasks.retina import retina_task

STEPS = 200  # enough: Adam moves an unneeded logit from 1 to below 0 in ~100 steps
X = np.array(list(itertools.product([-1.0, 1.0], repeat=4)), np.float32)  # all 16 patterns
XOR_A, XOR_B = X[:, 0] != X[:, 1], X[:, 2] != X[:, 3]


def apply(params, x):
    """[P, 2]: one tanh hidden layer, linear outputs."""
    (w1, b1), (w2, b2) = params
    return jnp.tanh(x @ w1 + b1) @ w2 + b2


def xor_net(modules):
    """Module m computes XOR of inputs 2m, 2m+1 on output m (hidden units 2m, 2m+1: OR and AND
    of the ±1 inputs); modules = (0,) or (0, 1). Every weight of a module is needed."""
    w1, b1, w2 = np.zeros((4, 4)), np.zeros(4), np.zeros((4, 2))
    for m in modules:
        block = slice(2 * m, 2 * m + 2)
        w1[block, block], b1[block], w2[block, m] = 2.0, [2.0, -2.0], [2.0, -2.0]
    return Partial(apply, tuple((jnp.asarray(w, jnp.float32), jnp.asarray(b, jnp.float32))
                                for w, b in ((w1, b1), (w2, np.full(2, -2.0)))))


def subtask(rows, output):
    targets = jnp.asarray(np.stack([XOR_A, XOR_B], 1)[rows])
    return jnp.asarray(X[rows]), targets, jnp.arange(2) == output


def test_separate_modules_use_disjoint_weights():
    net = xor_net((0, 1))
    every = np.ones(16, bool)
    out = mask_modularity(net, subtask(every, 0), subtask(every, 1), jax.random.PRNGKey(0), steps=STEPS)
    assert out["accuracy"] == 1.0 and out["mask_accuracy"] == 1.0
    assert out["iou"] == 0.0 and np.all(np.asarray(out["iou_layers"]) == 0.0)
    # removing A's weights leaves output A at its bias (always "false": half of XOR right), B intact
    assert out["drop_own"] == pytest.approx(0.5) and out["drop_other"] == 0.0


def test_one_module_for_both_subtasks_shares_every_weight():
    net = xor_net((0,))
    upper = X[:, 2] > 0  # the same XOR on two halves of the patterns
    out = mask_modularity(net, subtask(upper, 0), subtask(~upper, 0), jax.random.PRNGKey(1), steps=STEPS)
    assert out["mask_accuracy"] == 1.0 and out["iou"] == 1.0
    assert out["drop_own"] == pytest.approx(0.5) and out["drop_other"] == pytest.approx(0.5)


def test_vmapped_over_networks_equals_one_by_one():
    nets = [xor_net((0, 1)), xor_net((0,))]
    every = np.ones(16, bool)
    tasks = (subtask(every, 0), subtask(every, 1), jax.random.PRNGKey(2))
    stacked = jax.tree.map(lambda *a: jnp.stack(a), *nets)
    batched = jax.vmap(lambda n: mask_modularity(n, *tasks, steps=STEPS))(stacked)
    for i, net in enumerate(nets):
        single = mask_modularity(net, *tasks, steps=STEPS)
        for k, v in single.items():
            np.testing.assert_allclose(np.asarray(batched[k])[i], np.asarray(v), atol=1e-6)


def test_iou_and_masking_by_hand():
    params = ((jnp.ones((2, 2)), jnp.ones(2)),)
    logits = weight_logits(params)
    assert logits[0][1] is None and logits[0][0].shape == (2, 2)  # biases are never masked
    keep = ((jnp.array([[True, True], [False, False]]), None),)
    np.testing.assert_array_equal(masked(params, keep)[0][0], [[1, 1], [0, 0]])
    other = ((jnp.array([[True, False], [True, False]]), None),)
    present = ((jnp.array([[True, True], [True, False]]), None),)
    layers, overall = mask_iou(keep, other, present)
    assert float(overall) == pytest.approx(1 / 3) and float(layers[0]) == pytest.approx(1 / 3)


def test_gumbel_sigmoid_is_hard_with_the_sigmoid_rate():
    logits = jnp.full(20000, 0.8)
    sample = gumbel_sigmoid(logits, jax.random.PRNGKey(0))
    assert set(np.unique(np.asarray(sample))) <= {0.0, 1.0}
    assert float(sample.mean()) == pytest.approx(float(jax.nn.sigmoid(0.8)), abs=0.01)
    grad = jax.grad(lambda lg: gumbel_sigmoid(lg, jax.random.PRNGKey(0)).sum())(logits)
    assert float(grad.min()) > 0  # straight through: the relaxed sample's slope


def test_retina_subtasks_are_the_patterns_one_side_decides():
    left, right = retina_task().sub_goals
    for goal, combine in (("and", np.logical_and), ("or", np.logical_or)):
        for (x, targets, outputs), own in zip(retina_subtasks(goal), (left, right)):
            assert x.shape == (128, 8) and bool(outputs.all())
            bits = (np.asarray(x) > 0) @ (1 << np.arange(8))  # the pattern index of each row
            np.testing.assert_array_equal(np.asarray(targets[:, 0]), combine(left, right)[bits])
            np.testing.assert_array_equal(np.asarray(targets[:, 0]), own[bits])


@pytest.mark.slow  # the suite's time: a program of its own to compile
def test_registry_measure():
    nets = np.empty((1, 2), object)
    pairs = np.empty((1, 2), object)
    every = np.ones(16, bool)
    for i, modules in enumerate([(0, 1), (0, 1)]):
        nets[0, i], pairs[0, i] = xor_net(modules), (subtask(every, 0), subtask(every, 1))
    table = compute(["mask"], {"params": nets, "subtasks": pairs}, {"mask": {"steps": STEPS}})
    np.testing.assert_array_equal(table["mask_iou"], [0.0, 0.0])
    np.testing.assert_allclose(table["mask_drop_own"], 0.5)
    assert float(accuracy(xor_net((0,)), xor_net((0,)).args[0], subtask(every, 0))) == 1.0
