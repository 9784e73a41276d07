"""Where one Clune P&CC generation spends its time, stage by stage, early and late in a run.

    python -m benchmarks.step_profile [--population 1000] [--generations 0 300] [--repeats 20]

For one seed it evolves the P&CC preset to each listed generation, then times each stage of
`Experiment.step` as its own jitted function on that state (median of ``--repeats`` calls, compile
excluded): tournament, mutation, expression of the children (`layered.output_signs`), their
connection costs, the objectives of the mixed population, NSGA-II survivor selection of the
2P mixed individuals down to P; and the whole step. Stages run apart lose the fusion XLA finds
across them, so their sum can exceed the whole step. Prints a Markdown table, ms per generation.
"""
from __future__ import annotations

import argparse
from functools import partial

import jax
import jax.numpy as jnp

from benchmarks.baselines import median_seconds
from evojax_mod import bench, objectives
from evojax_mod.experiments.registry import experiment_for
from evojax_mod.genomes import layered
from evojax_mod.selection import nsga2

STAGES = ("tournament", "mutation", "express children", "cost of children", "objectives (2P)",
          "survivors (2P -> P)", "whole step")


@partial(jax.jit, static_argnums=(0, 2))
def evolve(exp, state, generations: int):
    return jax.lax.fori_loop(0, generations, lambda _, s: exp.step(s), state)


def stage_functions(exp, state) -> dict:
    """Each stage as a zero-argument call of a compiled function on inputs built from ``state``."""
    spec, n = exp.spec, exp.config.run.population
    key = jax.random.PRNGKey(1)
    inputs = exp.inputs()
    cost_fn = objectives.connection_cost_population(exp.config.objectives.connection_cost)

    tournament = jax.jit(lambda k, s: nsga2.tournament_winners(k, s.objectives, s.crowding, exp.pressure, kernels=exp.kernels))
    winners = tournament(key, state)
    mutate = jax.jit(lambda k, parents: jax.vmap(lambda kk, g: layered.mutate(kk, g, spec))(
        jax.random.split(k, n), jax.tree.map(lambda a: a[winners], parents)))
    children = mutate(key, state.parents)
    express = jax.jit(lambda genomes: jax.vmap(lambda g: layered.output_signs(g, spec, inputs)[:, 0])(genomes))
    cost = jax.jit(lambda genomes: cost_fn(genomes, spec))
    child_signs = express(children)
    signs = jnp.concatenate([state.signs, child_signs])
    costs = jnp.concatenate([state.costs, cost(children)])
    goal = state.goal
    objective_fn = jax.jit(lambda sg, c: exp.objectives(sg, c, goal)[0])
    mixed_objectives = objective_fn(signs, costs)
    survive = jax.jit(lambda k, f: nsga2.survivors(k, f, exp.pressure, n, kernels=exp.kernels))
    step = jax.jit(exp.step)
    calls = [lambda: tournament(key, state), lambda: mutate(key, state.parents),
             lambda: express(children), lambda: cost(children),
             lambda: objective_fn(signs, costs), lambda: survive(key, mixed_objectives),
             lambda: step(state)]
    return {name: (lambda c=c: jax.block_until_ready(c())) for name, c in zip(STAGES, calls)}


def profile(population: int, generations: list[int], repeats: int) -> dict[int, dict[str, float]]:
    """{generation: {stage: seconds}} for one seed of the P&CC preset at ``population``."""
    config = bench.bench_config("clune", population, 1, max(generations) or 1)
    exp = experiment_for(config)
    state = exp.init(jax.random.PRNGKey(0))
    done, out = 0, {}
    for g in sorted(generations):
        state = jax.block_until_ready(evolve(exp, state, g - done)) if g > done else state
        done = g
        out[g] = {name: median_seconds(fn, repeats) for name, fn in stage_functions(exp, state).items()}
    return out


def markdown(table: dict[int, dict[str, float]]) -> str:
    gens = sorted(table)
    lines = ["| stage | " + " | ".join(f"ms at generation {g}" for g in gens) + " |",
             "|---|" + "---:|" * len(gens)]
    for name in STAGES:
        lines.append(f"| {name} | " + " | ".join(f"{1e3 * table[g][name]:.2f}" for g in gens) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.step_profile", description=__doc__.split("\n")[0])
    parser.add_argument("--population", type=int, default=1000, help="parents per generation (multiple of 4)")
    parser.add_argument("--generations", type=int, nargs="+", default=[0, 300], help="where to profile")
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per stage (median)")
    args = parser.parse_args(argv)
    print(markdown(profile(args.population, args.generations, args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
