"""Functional modularity by weight masks (Csordás, van Steenkiste & Schmidhuber 2021, ICLR;
measures.md §6.3): which weights does each sub-task need, and do two sub-tasks need the same
ones?

For each sub-task a mask is trained on the frozen network: one real logit per weight, a hard
0/1 sample of each weight's keep/drop drawn every step by the Gumbel-sigmoid with a
straight-through gradient (the forward pass sees the binary mask, the backward pass the
sigmoid's slope), and the loss = the sub-task's loss + alpha * sum(logits), the paper's
sparsity term, which pushes out every weight the sub-task does not need. Biases are never
masked (as in the paper): a leaf of rank >= 2 of the parameter pytree is a weight matrix, a
vector is a bias. After training a weight is in the mask when its logit is > 0 (keep
probability > 1/2). Two readouts:

  IoU      |keep_A & keep_B| / |keep_A | keep_B| over the present (non-zero) weights, per
           weight matrix and overall: ~0 when the sub-tasks use disjoint weights, 1 when
           they use the same ones.
  drops    sub-task accuracy with all weights minus with the weights of a mask *removed*
           (the inverted mask: keep only the weights not in it). "own": A's drop when A's
           mask is removed (and B's for B's); "other": B's drop when A's mask is removed (and
           A's for B's). Modular: own large, other near 0.

A network is a `jax.tree_util.Partial(apply, params)`: ``apply(params, x [P, n_in]) ->
[P, n_out]`` outputs read positive as 1 (the MLP family's logits, the layered surrogate's
tanh), params its parameter pytree. Its function is static and its arrays traced, so every
function here jits once per family and vmaps over networks. A sub-task is (inputs [P, n_in],
targets bool [P, n_out], outputs bool [n_out]: the outputs it is about, the others ignored);
the loss is the binary cross-entropy of those outputs read as logits, the MLP's training loss.
Accuracy: the fraction of patterns with every one of those outputs right.

The retina has one output, L AND R, so it has no separate L and R outputs to mask for.
`retina_subtasks` takes the patterns on which one side decides the output — for AND, those
where the other side holds an object (so the output equals this side's sub-goal), for OR,
those where it holds none — with the goal's targets there. A mask for "L" must keep what
computes L, plus whatever keeps the right side's evidence at "present" over the right objects
it is shown; a net that needs the same weights for both shows a high IoU. With one output,
both masks keep what feeds it, so the last matrix's IoU is high in any net, and removing either
mask breaks that output for both sub-tasks (drop own = drop other, about 0.5 on six trained
8-8-4-2-1 MLPs): on the retina, read the IoU of the hidden layers' matrices.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import optax
from jax.tree_util import Partial

from evojax_mod.tasks.retina import pixels_pm1, retina_task

# A sub-task: inputs [P, n_in], targets bool [P, n_out], outputs bool [n_out] (those it is about)
Subtask = tuple[jax.Array, jax.Array, jax.Array]


def weight_logits(params, init: float = 1.0):
    """The mask logits: params' structure, a [..] array of ``init`` for each weight matrix
    (rank >= 2), None for each bias. init 1 as the paper: every weight starts kept (p 0.73)."""
    return jax.tree.map(lambda w: jnp.full(w.shape, init, w.dtype) if w.ndim >= 2 else None, params)


def masked(params, masks):
    """params with each weight matrix multiplied by its mask (float or bool, same shape);
    masks: `weight_logits`' structure, None on the biases, which stay as they are."""
    return jax.tree.map(lambda m, w: w if m is None else w * m, masks, params,
                        is_leaf=lambda x: x is None)


def gumbel_sigmoid(logits, key, tau: float = 1.0):
    """A hard 0/1 sample [same shape] with P(1) = sigmoid(logits), whose gradient is that of
    the relaxed sample sigmoid((logits + logistic noise) / tau) (straight-through)."""
    u = jax.random.uniform(key, logits.shape, logits.dtype, 1e-6, 1 - 1e-6)
    soft = jax.nn.sigmoid((logits + jnp.log(u) - jnp.log1p(-u)) / tau)
    hard = (soft > 0.5).astype(logits.dtype)
    return soft + jax.lax.stop_gradient(hard - soft)


def subtask_loss(network: Partial, params, task: Subtask) -> jax.Array:
    """float32 []: mean binary cross-entropy of the sub-task's outputs (logits) against the
    targets, over patterns and those outputs."""
    inputs, targets, outputs = task
    loss = optax.sigmoid_binary_cross_entropy(network.func(params, inputs), targets)
    return jnp.sum(jnp.where(outputs, loss, 0)) / (targets.shape[0] * jnp.sum(outputs))


def accuracy(network: Partial, params, task: Subtask) -> jax.Array:
    """float32 [] in [0, 1]: fraction of the sub-task's patterns with every output right."""
    inputs, targets, outputs = task
    return jnp.mean(jnp.all(((network.func(params, inputs) > 0) == targets) | ~outputs, axis=-1))


def train_mask(network: Partial, task: Subtask, key, *, steps: int = 2000, alpha: float = 1e-4,
               learning_rate: float = 1e-2, tau: float = 1.0):
    """The trained mask logits of one sub-task (`weight_logits`' structure), weights frozen.

    network: `Partial(apply, params)`; task: `Subtask`; key: the Gumbel noise. Adam at
    ``learning_rate`` for ``steps`` full-batch steps on subtask loss + alpha * sum(logits)
    (the paper's settings: alpha 1e-4, lr 1e-2, logits from 1). Keep = logits > 0."""
    params = network.args[0]
    optimiser = optax.adam(learning_rate)

    def loss(logits, k):
        keys = iter(jax.random.split(k, len(jax.tree.leaves(logits))))
        sample = jax.tree.map(lambda lg: gumbel_sigmoid(lg, next(keys), tau), logits)
        total = sum(jnp.sum(lg) for lg in jax.tree.leaves(logits))
        return subtask_loss(network, masked(params, sample), task) + alpha * total

    def step(carry, k):
        logits, state = carry
        updates, state = optimiser.update(jax.grad(loss)(logits, k), state)
        return (optax.apply_updates(logits, updates), state), None

    logits = weight_logits(params)
    (logits, _), _ = jax.lax.scan(step, (logits, optimiser.init(logits)), jax.random.split(key, steps))
    return logits


def mask_iou(keep_a, keep_b, present) -> tuple[jax.Array, jax.Array]:
    """(float32 [n_matrices] IoU of each weight matrix, float32 [] IoU of all weights) of two
    masks (bool, `weight_logits`' structure) over the present weights (bool, same structure;
    an absent, zero weight does nothing whether kept or not). NaN where neither keeps any."""
    triples = list(zip(*map(jax.tree.leaves, (keep_a, keep_b, present))))
    inter = jnp.stack([jnp.sum(a & b & p) for a, b, p in triples])
    union = jnp.stack([jnp.sum((a | b) & p) for a, b, p in triples])
    ratio = lambda i, u: jnp.where(u > 0, i / jnp.where(u > 0, u, 1), jnp.nan)
    return ratio(inter, union), ratio(inter.sum(), union.sum())


@partial(jax.jit, static_argnames=("steps",))
def mask_modularity(network: Partial, task_a: Subtask, task_b: Subtask, key, *, steps: int = 2000,
                    alpha: float = 1e-4, learning_rate: float = 1e-2, tau: float = 1.0) -> dict:
    """The mask readouts of one network on two sub-tasks (module docstring), float32 values:
    "iou" (all weights), "iou_layers" [n_matrices], "drop_own", "drop_other" (accuracy
    fractions; the mean over the two sub-tasks), "mask_accuracy" (mean accuracy of each
    sub-task under its own mask: near 1 when the masks found what the sub-tasks need, the
    condition for the other readouts to mean anything) and "accuracy" (mean with all weights).
    Jittable; vmap over networks (with the same sub-tasks) as
    ``jax.vmap(lambda net: mask_modularity(net, task_a, task_b, key, steps=steps))(networks)``,
    networks one `Partial` whose params have a leading axis."""
    params = network.args[0]
    key_a, key_b = jax.random.split(key)
    train = partial(train_mask, network, steps=steps, alpha=alpha, learning_rate=learning_rate, tau=tau)
    keep_a = jax.tree.map(lambda lg: lg > 0, train(task_a, key_a))
    keep_b = jax.tree.map(lambda lg: lg > 0, train(task_b, key_b))
    present = jax.tree.map(lambda m, w: None if m is None else w != 0, keep_a, params,
                           is_leaf=lambda x: x is None)
    iou_layers, iou = mask_iou(keep_a, keep_b, present)
    acc = lambda keep, task: accuracy(network, masked(params, keep), task)
    without = lambda keep: jax.tree.map(lambda k: ~k, keep)
    full_a, full_b = accuracy(network, params, task_a), accuracy(network, params, task_b)
    drop_own = (full_a - acc(without(keep_a), task_a) + full_b - acc(without(keep_b), task_b)) / 2
    drop_other = (full_b - acc(without(keep_a), task_b) + full_a - acc(without(keep_b), task_a)) / 2
    return {"iou": iou, "iou_layers": iou_layers, "drop_own": drop_own, "drop_other": drop_other,
            "mask_accuracy": (acc(keep_a, task_a) + acc(keep_b, task_b)) / 2,
            "accuracy": (full_a + full_b) / 2}


def retina_subtasks(goal: str = "and") -> tuple[Subtask, Subtask]:
    """The retina's L and R sub-tasks for a one-output net of the goal "and" or "or" (module
    docstring): L = the patterns where the right side lets the left decide, targets L there
    (AND: R present; OR: R absent; 128 patterns either way), and R mirrored. ±1 pixel inputs."""
    if goal not in ("and", "or"):
        raise ValueError(f"retina_subtasks: goal must be 'and' or 'or', got {goal!r}")
    left, right = retina_task().sub_goals
    x = pixels_pm1()
    deciding = lambda other: other if goal == "and" else ~other
    side = lambda own, other: (jnp.asarray(x[deciding(other)]), jnp.asarray(own[deciding(other)][:, None]),
                               jnp.ones(1, bool))
    return side(left, right), side(right, left)
