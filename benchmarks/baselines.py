"""Head-to-head pieces on one machine: non-dominated sorts (evojax_mod, pymoo, DEAP, numpy)
and a GA step (evojax_mod's elitist GA against evosax's SimpleGA) on the same fitness.

Times are seconds of wall clock after a warm-up call; jitted functions are compiled first and
their compile time is reported apart. Each timing is the median of ``repeats`` calls.
"""
from __future__ import annotations

import statistics
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from deap import base, tools
from pymoo.functions import is_compiled, load_function
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from benchmarks import numpy_baseline
from evojax_mod import objectives as obj
from evojax_mod.genomes import circuit, layered
from evojax_mod.selection import elitist, nsga2
from evojax_mod.tasks import COMBINERS, get_task, goal_code, retina_task
from evojax_mod.tasks import target as task_target

PCC_PRESSURE = (1.0, 0.25, 1.0)   # Clune 2013: the cost takes part in 25 % of comparisons


def median_seconds(fn, repeats: int) -> float:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@partial(jax.jit, static_argnums=0)
def pcc_population(n: int, key) -> tuple[layered.LayeredGenome, jax.Array]:
    """``n`` random Clune networks (evojax_mod's initial genomes, from ``key``) and their P&CC
    objectives, float32 [n, 3], every column maximised: performance on L-AND-R, minus the
    optimal-placement connection cost, behavioural diversity over the n. The mixed parent +
    child population of an early generation looks like this: few performance levels,
    continuous cost and diversity."""
    spec = layered.LayeredSpec()
    task = retina_task()
    target = jnp.asarray(task_target(task, COMBINERS["and"]))
    genomes = jax.vmap(lambda k: layered.init(k, spec))(jax.random.split(key, n))
    outputs = jax.vmap(lambda g: layered.express(g, spec, jnp.asarray(task.inputs_pm1()))[:, 0])(genomes)
    return genomes, jnp.stack([jax.vmap(obj.performance_maximise, in_axes=(0, None))(outputs, target),
                               -jax.vmap(lambda g: obj.optimal_length_minimise(g, spec))(genomes),
                               obj.diversity_maximise(obj.output_bits(outputs))], axis=1)


def pcc_objectives(n: int, seed: int = 0) -> np.ndarray:
    """The objectives of `pcc_population`, float64 [n, 3]."""
    return np.asarray(pcc_population(n, jax.random.PRNGKey(seed))[1], np.float64)


def ranks_from_fronts(fronts, n: int) -> np.ndarray:
    """Front index per row, int [n], from a list of index lists (rows in no front: -1)."""
    ranks = np.full(n, -1)
    for i, front in enumerate(fronts):
        ranks[np.asarray(front, int)] = i
    return ranks


def _deap_population(f: np.ndarray) -> list:
    """DEAP individuals whose fitness is a row of ``f`` (all weights +1: maximised); each
    remembers its row, to map fronts back."""
    fitness_class = type("FitnessMax", (base.Fitness,), {"weights": (1.0,) * f.shape[1]})
    return [_Row(fitness_class(tuple(values)), i) for i, values in enumerate(f)]


class _Row:
    """A DEAP individual stand-in: the sorts read only ``fitness``."""

    __slots__ = ("fitness", "row")

    def __init__(self, fitness, row: int):
        self.fitness, self.row = fitness, row


def _deap_ranks(sort, pop: list) -> np.ndarray:
    return ranks_from_fronts([[ind.row for ind in front] for front in sort(pop, len(pop))], len(pop))


def _compiled(fn, *args) -> tuple[object, float]:
    """(compiled ``jax.jit(fn)`` for ``args``, compile seconds)."""
    t0 = time.perf_counter()
    compiled = jax.jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - t0


def sort_timings(f: np.ndarray, repeats: int = 5, seed: int = 0) -> list[dict]:
    """Time one full non-dominated sort of the rows of ``f`` (float [N, M], maximised) by each
    implementation. Rows: implementation, algorithm, n, seconds (median per sort),
    compile_seconds (jitted ones), fronts, same_fronts (fronts equal evojax_mod's deterministic
    ranks; None for the stochastic survivor selection, which is another relation)."""
    n = len(f)
    f = np.asarray(f, np.float32).astype(np.float64)   # every implementation sees the same values
    f32 = jnp.asarray(f, jnp.float32)
    minimised = -np.ascontiguousarray(f)           # pymoo minimises
    pop = _deap_population(f)
    ranks_fn, ranks_compile = _compiled(lambda x: nsga2.nondominated_ranks(x, [True] * f.shape[1]), f32)
    survive, survive_compile = _compiled(
        lambda k, x: nsga2.survivors(k, x, PCC_PRESSURE, n // 2), jax.random.PRNGKey(seed), f32)
    key = jax.random.PRNGKey(seed)
    reference = np.asarray(ranks_fn(f32))

    def ours_ranks():
        return np.asarray(jax.block_until_ready(ranks_fn(f32)))

    def ours_survivors():
        return jax.block_until_ready(survive(key, f32))

    cython = "Cython" if is_compiled() else "pure Python (pymoo not compiled)"
    candidates = [
        ("evojax_mod nondominated_ranks", "peeling, [N, N] class counts, jitted", ours_ranks),
        ("evojax_mod survivors (stochastic, p = 1, 0.25, 1)",
         "stochastic-dominance sort to N/2 + crowding, jitted", ours_survivors),
        ("pymoo NonDominatedSorting().do", "moocore pareto_rank (C), pymoo 0.6 default",
         lambda: NonDominatedSorting().do(minimised, return_rank=True)[1]),
        ("pymoo fast_non_dominated_sort", f"Deb 2002, {cython}",
         lambda: ranks_from_fronts(load_function("fast_non_dominated_sort")(minimised), n)),
        ("pymoo efficient_non_dominated_sort", f"ENS sequential, {cython}",
         lambda: ranks_from_fronts(load_function("efficient_non_dominated_sort")(minimised), n)),
        ("DEAP sortLogNondominated", "Fortin 2013, pure Python",
         lambda: _deap_ranks(tools.sortLogNondominated, pop)),
        ("numpy peeling (numpy_baseline)", "[N, N, M] dominance, vectorised",
         lambda: numpy_baseline.nondominated_ranks(f)),
    ]
    rows = []
    compile_seconds = {ours_ranks: ranks_compile, ours_survivors: survive_compile}
    for name, algorithm, fn in candidates:
        seconds = median_seconds(fn, repeats)
        stochastic = fn is ours_survivors
        ranks = None if stochastic else np.asarray(fn())
        rows.append({"implementation": name, "algorithm": algorithm, "n": n, "seconds": seconds,
                     "compile_seconds": compile_seconds.get(fn),
                     "fronts": None if stochastic else int(ranks.max()) + 1,
                     "same_fronts": None if stochastic else bool(np.array_equal(ranks, reference))})
    return rows


# ------------------------------------------------------------------ GA step against evosax

def circuit_fitness(genomes: circuit.CircuitGenome, spec: circuit.CircuitSpec, goal: str = "G1") -> jax.Array:
    """Fraction of the 16 patterns a circuit gets right on Kashtan & Alon's goal, float32 [P]
    (maximised); genomes: a population (leading axis P)."""
    task = get_task("circuits")
    target = circuit.pack_bits(jnp.asarray(task_target(task, goal_code(task, goal))))
    tables = jax.vmap(lambda g: circuit.output_table(g, spec))(genomes)
    return circuit.fraction_correct(tables, target, spec)


def decode(x: jax.Array, spec: circuit.CircuitSpec) -> circuit.CircuitGenome:
    """Real vectors float [P, 2G + 1] to circuits: pointer i = floor(x_i) clipped to its
    allowed range [0, limit_i), the genome's pointer order (gate inputs row-major, output last)."""
    limits = jnp.asarray(spec.pointer_limits)
    pointers = jnp.clip(jnp.floor(x), 0, limits - 1).astype(jnp.int32)
    return circuit.CircuitGenome(gate_inputs=pointers[:, :-1].reshape(-1, spec.max_gates, 2),
                                 output=pointers[:, -1])


def _timed_scan(step, carry, generations: int, repeats: int) -> tuple[float, float, object]:
    """(compile seconds, median run seconds, final carry) of ``generations`` steps in one
    jitted lax.scan."""
    run = jax.jit(lambda c: jax.lax.scan(lambda c, _: (step(c), None), c, None, length=generations)[0])
    t0 = time.perf_counter()
    compiled = run.lower(carry).compile()
    compile_seconds = time.perf_counter() - t0
    out = jax.block_until_ready(compiled(carry))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = jax.block_until_ready(compiled(carry))
        times.append(time.perf_counter() - t0)
    return compile_seconds, statistics.median(times), out


def ga_comparison(population: int = 1000, generations: int = 200, repeats: int = 3, seed: int = 0) -> list[dict]:
    """One seed of each GA, jitted, ``generations`` steps in a lax.scan, on NAND circuits
    (4 inputs, 14 gates: 29 integer pointers) and the fixed goal G1.

    'GA step only': breeding from a fixed random fitness vector, no evaluation. evojax_mod:
    `elitist.offspring` (top-k elite 30 %, one-point crossover at rate 0.5, one point mutation
    at Pm 0.7). evosax SimpleGA: ``ask`` (argsort, elite 50 %, uniform crossover at rate 0.5,
    Gaussian mutation, std 1, on all 29 reals) + ``tell`` (best-so-far, metrics).
    'GA step + evaluation': the same, each population scored by `circuit_fitness` (evosax's
    reals decoded by `decode`; evosax minimises, so it is told -fitness).
    Rows: implementation, what, population, generations, compile_seconds, run_seconds,
    generations_per_second, evaluations_per_second (with evaluation), best_fitness (end of
    the run with evaluation; the GAs are not tuned alike, so this is context, not a result).
    """
    from evosax.algorithms import SimpleGA

    spec = circuit.CircuitSpec()
    n_elite = max(1, round(0.3 * population))
    key = jax.random.PRNGKey(seed)
    k_init, k_fit, k_run = jax.random.split(key, 3)
    genomes = jax.jit(jax.vmap(lambda k: circuit.init(k, spec)))(jax.random.split(k_init, population))
    fixed_fitness = jax.random.uniform(k_fit, (population,))
    breed = partial(elitist.offspring, n_elite=n_elite, n_total=population, crossover_rate=0.5,
                    crossover_fn=partial(circuit.crossover, spec=spec), mutate_fn=partial(circuit.mutate, spec=spec))

    n_dims = 2 * spec.max_gates + 1
    es = SimpleGA(population_size=population, solution=jnp.zeros(n_dims))
    params = es.default_params.replace(crossover_rate=0.5)
    x0 = jax.random.uniform(k_init, (population, n_dims)) * jnp.asarray(spec.pointer_limits)
    es_state = es.init(k_init, x0, -circuit_fitness(decode(x0, spec), spec), params)

    def ours(evaluate: bool):
        def step(c):
            k, g, fit = c
            k, k_breed = jax.random.split(k)
            g = breed(k_breed, g, fit)
            return k, g, circuit_fitness(g, spec) if evaluate else fit
        return step

    def theirs(evaluate: bool):
        def step(c):
            k, s, fit = c
            k, k_ask, k_tell = jax.random.split(k, 3)
            x, s = es.ask(k_ask, s, params)
            fit = -circuit_fitness(decode(x, spec), spec) if evaluate else fit
            s, _ = es.tell(k_tell, x, fit, s, params)
            return k, s, fit
        return step

    rows = []
    for what, evaluate in (("GA step only", False), ("GA step + evaluation", True)):
        for name, step, carry, sign in (
                ("evojax_mod elitist.offspring", ours(evaluate), (k_run, genomes, fixed_fitness), 1.0),
                ("evosax 0.3 SimpleGA ask + tell", theirs(evaluate), (k_run, es_state, fixed_fitness), -1.0)):
            compile_seconds, seconds, out = _timed_scan(step, carry, generations, repeats)
            gps = generations / seconds
            rows.append({"implementation": name, "what": what, "population": population,
                         "generations": generations, "compile_seconds": compile_seconds, "run_seconds": seconds,
                         "generations_per_second": gps,
                         "evaluations_per_second": gps * population if evaluate else None,
                         "best_fitness": float(jnp.max(sign * out[2])) if evaluate else None})
    return rows
