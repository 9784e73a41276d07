"""Training speed of the digit-pair networks: steps per second of the MLP and the CNN at the
batch sizes a user would pick, for 1 and for 32 networks at once.

    python -m benchmarks.digits [--steps 50] [--repeats 3] [--nets 1,32]

The networks of `configs/digits/rmvg_adam.yaml` (a 128-64-32-1 ReLU MLP on 8 x 16 pairs) and
`configs/digits/rmvg_cnn_adam.yaml` (two 3x3 convolutions of 8 channels and a dense layer of 32 on
8 x 8 x 2 pairs), Adam under the preset's RMVG goal schedule (the goal drawn inside the step), on
10000 training pairs, at minibatches of 64 and 256 and, for the MLP, the whole training split
(full-batch GD's cost per step; the CNN's full batch takes minutes a step on a CPU). One
jitted call runs ``--steps`` updates of the nets, vmapped over them; compile time apart (one
untimed call first), the median of ``--repeats`` timings. Prints a Markdown table with the
machine named (`evojax_mod.bench.machine`).
"""
from __future__ import annotations

import argparse

import jax

from benchmarks.timing import median_seconds
from evojax_mod import bench
from evojax_mod.config import load_config
from evojax_mod.experiments.registry import experiment_for

# (name, preset, minibatch sizes; 0 = the whole training split)
PRESETS = (("MLP 128-64-32-1", "digits/rmvg_adam", (64, 256, 0)),
           ("CNN 8-8 (3x3) + 32", "digits/rmvg_cnn_adam", (64, 256)))


def steps_per_second(preset: str, batch: int, nets: int, steps: int, repeats: int) -> float:
    """Network-steps per second (nets x steps / seconds) of ``preset`` at minibatch ``batch``."""
    exp = experiment_for(load_config(preset, overrides={"objectives.batch_size": batch}))
    keys = jax.random.split(jax.random.PRNGKey(0), nets)
    states = jax.jit(jax.vmap(exp.init))(keys)
    train = jax.jit(jax.vmap(lambda s: jax.lax.fori_loop(0, steps, lambda _, x: exp.step(x), s)))
    return nets * steps / median_seconds(lambda: train(states), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nets", default="1,32", help="networks trained at once")
    args = parser.parse_args()
    counts = [int(n) for n in args.nets.split(",")]
    print(f"machine: {bench.machine()}")
    print("| network | batch | nets | net-steps/s | steps/s per net |")
    print("|---|---:|---:|---:|---:|")
    for name, preset, batches in PRESETS:
        for batch in batches:
            for nets in counts:
                rate = steps_per_second(preset, batch, nets, args.steps, args.repeats)
                print(f"| {name} | {batch or 'full (10000)'} | {nets} | {rate:,.0f} | {rate / nets:,.1f} |", flush=True)


if __name__ == "__main__":
    main()
