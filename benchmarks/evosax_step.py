"""One evosax generation on the retina MLP: inside `EvosaxOptimiser` against evosax used directly.

    python -m benchmarks.evosax_step [--population 64] [--repeats 50] [--seed 0]

The network is the retina-size dense MLP (8-8-4-2-1, tanh, 121 parameters,
`MlpFamily().init`). A member's loss is `BooleanProblem.data_loss` on L-AND-R over all 256
patterns: mean binary cross-entropy, MINIMISED (both sides tell evosax the loss as is, since
evosax minimises). One generation is ask, the vmapped loss of every member, tell, as one jitted
call. 'evosax direct' is evosax 0.3's README loop (algorithm built with its own optimizer and
std, ``es.ask`` / ``es.tell`` with ``es.default_params``); 'ours' is `EvosaxOptimiser.step`,
whose sigma and learning rate are traced settings. Times: milliseconds per generation, the
median of ``--repeats`` calls on the same state after one warm-up call, the two implementations
called in turn so that a shared machine's load falls on both alike; the compile (lower +
compile) is timed apart. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import optax

from evojax_mod.families.mlp import MlpFamily
from evojax_mod.optimisers.evosax_ import STRATEGIES, EvosaxOptimiser
from evojax_mod.problems.boolean import BooleanProblem
from evojax_mod.tasks import get_task, goal_code, target_bits

SIGMA = 0.1
LEARNING_RATE = 0.05


def retina_loss():
    """(family, loss(params, key) -> float32 [], minimised: cross-entropy on L-AND-R)."""
    family, task = MlpFamily(), get_task("retina")
    index = task.sub_goal_index
    problem = BooleanProblem(task=task, target=lambda goal: target_bits(goal, index, xp=jnp))
    goal = goal_code(task, "and")
    clean = {"input_noise": 0.0, "target_noise": 0.0}
    return family, lambda params, key: problem.data_loss(family, params, *problem.batch(key, goal, clean))


def direct(strategy: str, population: int, params):
    """evosax's algorithm and params as its README builds them, sigma and rate fixed."""
    from evosax.algorithms import CMA_ES, SNES, Open_ES

    if strategy == "cma_es":
        es = CMA_ES(population_size=population, solution=params)
        return es, es.default_params.replace(std_init=SIGMA)
    if strategy == "open_es":
        es = Open_ES(population_size=population, solution=params, optimizer=optax.adam(LEARNING_RATE),
                     std_schedule=optax.constant_schedule(SIGMA))
        return es, es.default_params
    es = SNES(population_size=population, solution=params, optimizer=optax.adam(LEARNING_RATE))
    return es, es.default_params.replace(std_init=SIGMA)


def direct_generation(es, es_params, loss):
    """One README generation: ask, vmapped loss (one key for all members), tell."""
    def generation(key, state):
        k_ask, k_loss, k_tell = jax.random.split(key, 3)
        population, state = es.ask(k_ask, state, es_params)
        fitness = jax.vmap(loss, in_axes=(0, None))(population, k_loss)
        state, _ = es.tell(k_tell, population, fitness, state, es_params)
        return state
    return generation


def compiled(generation, key, state) -> tuple[float, callable]:
    """(compile seconds, a call of the compiled ``jax.jit(generation)`` on ``key, state``)."""
    t0 = time.perf_counter()
    run = jax.jit(generation).lower(key, state).compile()
    return time.perf_counter() - t0, lambda: jax.block_until_ready(run(key, state))


def interleaved_medians(calls: list, repeats: int) -> list[float]:
    """Median seconds of each call over ``repeats`` rounds, the calls alternating within a
    round so that a shared machine's load falls on all of them alike; one warm-up round."""
    for call in calls:
        call()
    times = [[] for _ in calls]
    for _ in range(repeats):
        for call, spent in zip(calls, times):
            t0 = time.perf_counter()
            call()
            spent.append(time.perf_counter() - t0)
    return [statistics.median(spent) for spent in times]


def rows(population: int, repeats: int, seed: int) -> list[dict]:
    """One row per strategy and implementation: compile seconds, ms per generation."""
    family, loss = retina_loss()
    k_params, k_init, k_step = jax.random.split(jax.random.PRNGKey(seed), 3)
    params = family.init(k_params)
    out = []
    for strategy in STRATEGIES:
        ours = EvosaxOptimiser(strategy, population_size=population, sigma=SIGMA, learning_rate=LEARNING_RATE)
        settings = jax.tree.map(jnp.float32, ours.settings())
        es, es_params = direct(strategy, population, params)
        cases = {"ours (EvosaxOptimiser.step)": compiled(lambda k, s: ours.step(k, s, loss, settings), k_step,
                                                         ours.init(k_init, params, settings)),
                 "evosax direct (README loop)": compiled(direct_generation(es, es_params, loss), k_step,
                                                         es.init(k_init, params, es_params))}
        medians = interleaved_medians([call for _, call in cases.values()], repeats)
        out += [{"strategy": strategy, "implementation": name, "compile_s": compile_seconds,
                 "ms_per_generation": 1e3 * seconds}
                for (name, (compile_seconds, _)), seconds in zip(cases.items(), medians)]
    return out


def table(results: list[dict], population: int) -> str:
    """Markdown: each row with its ratio to evosax direct for the same strategy."""
    direct_ms = {r["strategy"]: r["ms_per_generation"] for r in results if r["implementation"].startswith("evosax")}
    lines = [f"One generation, retina MLP (121 parameters), population {population}, "
             f"{jax.devices()[0].platform}, median per call",
             "",
             "| strategy | implementation | ms / generation | vs direct | compile s |",
             "|---|---|---:|---:|---:|"]
    lines += [f"| {r['strategy']} | {r['implementation']} | {r['ms_per_generation']:.3f} | "
              f"{r['ms_per_generation'] / direct_ms[r['strategy']]:.2f}x | {r['compile_s']:.2f} |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evosax_step", description=__doc__.split("\n")[0])
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(table(rows(args.population, args.repeats, args.seed), args.population))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
