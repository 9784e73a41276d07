"""32 retina MLPs trained at once against the same 32 trained one after another.

    python -m benchmarks.mlp_batch [--nets 32] [--steps 500] [--repeats 3]

The composed experiment of `configs/optimisers/retina_adam.yaml` (a dense 8-8-4-2-1 tanh MLP,
Adam on the full batch of 256 patterns): `--steps` updates of `--nets` networks (a) vmapped in
one jitted call, (b) each network its whole training in one call of one jitted program, a
Python loop over the nets, (c) a Python loop over nets and steps calling one jitted update
(optax's README pattern). Compile time apart (each program is run once before timing); the
median of `--repeats` timings. Prints a Markdown table with the machine named.
"""
from __future__ import annotations

import argparse

import jax

from benchmarks.timing import median_seconds
from evojax_mod import bench
from evojax_mod.config import load_config
from evojax_mod.experiments.registry import experiment_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", type=int, default=32)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    exp = experiment_for(load_config("optimisers/retina_adam"))
    keys = jax.random.split(jax.random.PRNGKey(0), args.nets)
    train = lambda key: jax.lax.fori_loop(0, args.steps, lambda _, s: exp.step(s), exp.init(key))
    batched = jax.jit(jax.vmap(train))
    single = jax.jit(train)
    init, step = jax.jit(exp.init), jax.jit(exp.step)

    def stepwise():
        states = []
        for k in keys:
            state = init(k)
            for _ in range(args.steps):
                state = step(state)
            states.append(state)
        return states

    t_batch = median_seconds(lambda: batched(keys), args.repeats)
    t_loop = median_seconds(lambda: [single(k) for k in keys], args.repeats)
    t_steps = median_seconds(stepwise, args.repeats)
    m = bench.machine()
    print(f"machine: {m}")
    print("| path | nets | steps | seconds | net-steps/s | x vmapped |")
    print("|---|---:|---:|---:|---:|---:|")
    paths = (("one vmapped jit", t_batch), ("loop over nets, one jit each", t_loop),
             ("loop over nets and steps, jitted update", t_steps))
    for name, t in paths:
        print(f"| {name} | {args.nets} | {args.steps} | {t:.3f} | {args.nets * args.steps / t:,.0f} "
              f"| {t / t_batch:.1f}x |")
    print("(last column: seconds over the vmapped jit's)")


if __name__ == "__main__":
    main()
