"""The generation loop, for any experiment (`experiments.base.Experiment`).

A run is a `lax.scan` over blocks of generations inside one jitted call per chunk, over the
seeds in batches (`lax.map` over batches, `vmap` within one); with several devices the seed
axis is split over them through `jax.sharding` and `shard_map`. Each block ends with one
metrics row and champion snapshot. Nothing here knows which experiment it runs.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np


def run_chunk(exp, state, n_logs, block, max_logs: int):
    """``n_logs`` blocks of ``block`` generations for one seed, a metrics row and the champion
    at the end of each block. ``n_logs`` (at most ``max_logs``) and ``block`` are traced int32
    scalars, so one compiled program serves every chunk of a run: full ones, the shorter ones
    off the log grid, and the row of generation 0 (one block of no generations). Returns
    (state, rows [max_logs, K], champions [max_logs]); entries from ``n_logs`` on are zeros."""
    logged = jax.tree.map(lambda a: jnp.zeros((max_logs, *a.shape), a.dtype), jax.eval_shape(exp.metrics, state))

    def logged_block(i, carry):
        s, out = carry
        s = jax.lax.fori_loop(0, block, lambda _, x: exp.step(x), s)
        return s, jax.tree.map(lambda buffer, new: buffer.at[i].set(new), out, exp.metrics(s))

    state, (rows, champs) = jax.lax.fori_loop(0, n_logs, logged_block, (state, logged))
    return state, rows, champs


def seed_keys(base_seed: int, n_seeds: int) -> jax.Array:
    """One key per seed index; seed i is the same run whatever the number of seeds."""
    base = jax.random.PRNGKey(base_seed)
    return jax.vmap(lambda i: jax.random.fold_in(base, i))(jnp.arange(n_seeds))


def batch_inputs(exp, rc) -> tuple[jax.Array, dict | None]:
    """(keys [B], settings {name: float32 [B]} or None) of every entry of a run's batch: the
    seeds, or under a sweep each value's seeds (value-major), each with the key of its seed in
    a run of its own (`Experiment.batch_settings`)."""
    keys = seed_keys(rc.seed, rc.seeds)
    settings = exp.batch_settings(rc.seeds)
    if settings is None:
        return keys, None
    return jnp.tile(keys, (len(exp.config.sweep.values), 1)), settings


@partial(jax.jit, static_argnums=(0, 2))
def batched_init(exp, keys, seed_batch: int, settings=None):
    """Initial states of all seeds (leading axis S), laid out over devices and batches as
    `batched_chunk` is; ``settings`` ({name: [S]}, `batch_inputs`) go to each seed's init.
    Their metrics row comes from the chunk program (`run_chunk` with no generations), so the
    metrics compile once. One seed at a time compiles faster, too
    (quickstart at population 200 on a 2-core CPU: 8.3 s against 19.9 s for a vmap of its 4
    seeds)."""
    if settings is None:
        return over_seeds(exp.init, keys, seed_batch)
    return over_seeds(lambda entry: exp.init(*entry), (keys, settings), seed_batch)


def state_structure(exp, rc, seed_batch: int = 1):
    """Shapes and dtypes (``jax.ShapeDtypeStruct``) of the seed-batched state of ``exp`` under
    run config ``rc``, traced, nothing compiled: what a checkpoint's state must fit."""
    keys, settings = batch_inputs(exp, rc)
    return jax.eval_shape(lambda k, s: batched_init(exp, k, seed_batch, s), keys, settings)


@partial(jax.jit, static_argnums=(0, 4, 5))
def batched_chunk(exp, state, n_logs, block, max_logs: int, seed_batch: int):
    """`run_chunk` for all seeds (leading axis S), laid out by `over_seeds`; ``n_logs`` and
    ``block`` (int32 scalars) are the same for every seed."""
    return over_seeds(lambda s: run_chunk(exp, s, n_logs, block, max_logs), state, seed_batch)


def chunk_rows(log_every: int, checkpoint_every: int) -> int:
    """The most rows a chunk of `chunk_plan` logs, whatever its start and end: the length of
    the chunk program's row buffer."""
    return max(1, checkpoint_every // log_every)


def over_seeds(one, tree, seed_batch: int):
    """``one`` applied to every seed of ``tree`` (leading axis S). Each device takes its own
    seeds ``seed_batch`` at a time: vmapped within a batch, one batch after another; a batch at
    least as large as a device's seed count vmaps them all. The same bits either way."""
    def per_device(s):
        if seed_batch >= jax.tree.leaves(s)[0].shape[0]:
            return jax.vmap(one)(s)
        # batch_size None for one seed at a time: no vmap of one, the same bits in fewer kernels
        return jax.lax.map(one, s, batch_size=seed_batch if seed_batch > 1 else None)

    n_seeds = jax.tree.leaves(tree)[0].shape[0]
    mesh = seed_mesh(n_seeds)
    if mesh is None:
        return per_device(tree)
    split = jax.sharding.PartitionSpec("seeds")
    # check_vma off: the generation loop mixes per-device values with replicated constants
    return jax.shard_map(per_device, mesh=mesh, in_specs=split, out_specs=split, check_vma=False)(tree)


def chunk_plan(start: int, end: int, log_every: int, checkpoint_every: int) -> list[tuple[int, int]]:
    """The chunks from generation ``start`` to ``end`` as (n_logs, block) pairs, in order.

    Chunks end at the multiples of ``checkpoint_every`` (checkpoints) and at ``end``; rows are
    logged at the multiples of ``log_every``. A stretch off that grid — up to the first grid
    point after a start that is off it, or from the last grid point to an ``end`` that is off
    it — is one shorter block, so the final generation is always logged and checkpointed."""
    plan, g = [], start
    while g < end:
        stop = min(end, (g // checkpoint_every + 1) * checkpoint_every)
        if g % log_every:
            block = min(stop, (g // log_every + 1) * log_every) - g
            plan.append((1, block))
            g += block
            continue
        n_logs = (stop - g) // log_every
        if n_logs:
            plan.append((n_logs, log_every))
            g += n_logs * log_every
        if g < stop:
            plan.append((1, stop - g))
            g = stop
    return plan


def seed_mesh(n_seeds: int) -> jax.sharding.Mesh | None:
    """The one-axis mesh of all devices (of all processes) that splits ``n_seeds`` seeds, or None
    where there is one device or the seeds do not split evenly."""
    devices = jax.devices()
    if len(devices) == 1 or n_seeds % len(devices) != 0:
        return None
    return jax.sharding.Mesh(np.asarray(devices), ("seeds",))


def default_seed_batch(n_seeds: int) -> int:
    """Seeds a device vmaps at once unless told: one on CPUs, where a wide batch loses to one
    seed's working set staying in cache (8 Clune seeds at population 1000 on a 2-core CPU, ms
    a seed-generation: 8.6 vmapped against 7.0 one at a time on one device, 5.2 against 4.5 on
    two); all of them elsewhere, where the width fills the accelerator."""
    return 1 if jax.default_backend() == "cpu" else n_seeds


def shard_seeds(tree, n_seeds: int):
    """Place a seed-batched pytree on all devices, split along the seed axis (`seed_mesh`);
    otherwise leave it on the default device."""
    mesh = seed_mesh(n_seeds)
    if mesh is None:
        return tree
    return jax.device_put(tree, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("seeds")))
