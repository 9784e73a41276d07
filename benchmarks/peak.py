"""What this machine can do, and how much of it evojax_mod's network evaluations use.

Peaks: fp32 matrix multiply (jnp.dot of two n x n matrices, 2 n^3 flops) and bitwise NAND on
uint32 words (a fused chain of ``depth`` NANDs per word, so that the loop is bound by
arithmetic, not memory; see `nand_peak`). Evaluations: Clune's layered retina network forward pass
(`layered.output_signs`, the engine's int8 path, over all 256 patterns, vmapped over P genomes), counted as the dense
matrix products it stands for, 2 x 256 x (8*8 + 8*4 + 4*2 + 2*1) = 2 x 256 x E flops per
network (E possible edges; the engine's form is int8 multiply-adds and signs, not matmuls); and
Kashtan & Alon's NAND circuits (`circuit.output_table`), one uint32 NAND per gate for the
whole 16-row truth table. Times are medians of ``repeats`` calls after compilation.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.baselines import median_seconds
from evojax_mod.genomes import circuit, layered
from evojax_mod.tasks.retina import retina_task


def matmul_peak(n: int = 2048, repeats: int = 5) -> dict:
    """fp32 GFLOP/s of jnp.dot on two n x n matrices: {size, seconds, gflops}."""
    k_a, k_b = jax.random.split(jax.random.PRNGKey(0))
    a = jax.random.normal(k_a, (n, n), jnp.float32)
    b = jax.random.normal(k_b, (n, n), jnp.float32)
    dot = jax.jit(jnp.dot)
    seconds = median_seconds(lambda: jax.block_until_ready(dot(a, b)), repeats)
    return {"size": n, "seconds": seconds, "gflops": 2 * n ** 3 / seconds / 1e9}


def nand_peak(n_words: int = 1 << 20, depth: int = 256, repeats: int = 5) -> dict:
    """uint32 NAND throughput: {n_words, depth, seconds, nand_words_per_second,
    bitwise_ops_per_second}. Each word goes through ``depth`` dependent steps
    x = ~(x & (b ^ c_i)) with a different constant c_i per step, so the compiler cannot fold
    the chain (with one fixed operand it is periodic and folds); a step is one NAND plus one
    XOR, three bitwise word operations, and is counted as one NAND."""
    k_a, k_b = jax.random.split(jax.random.PRNGKey(1))
    a = jax.random.bits(k_a, (n_words,), jnp.uint32)
    b = jax.random.bits(k_b, (n_words,), jnp.uint32)
    constants = np.random.default_rng(1).integers(0, 2 ** 32, depth, dtype=np.uint64).astype(np.uint32)

    @jax.jit
    def chain(a, b):
        x = a
        for c in constants:
            x = ~(x & (b ^ c))
        return x

    seconds = median_seconds(lambda: jax.block_until_ready(chain(a, b)), repeats)
    rate = n_words * depth / seconds
    return {"n_words": n_words, "depth": depth, "seconds": seconds,
            "nand_words_per_second": rate, "bitwise_ops_per_second": 3 * rate}


def retina_flops_per_network(spec: layered.LayeredSpec) -> int:
    """Dense-equivalent flops of one network on every retina pattern: 2 x 256 x E."""
    return 2 * retina_task().n_patterns * spec.n_edges


def retina_evaluation(population: int = 2000, repeats: int = 5) -> dict:
    """Forward passes of ``population`` random Clune networks over the 256 retina patterns:
    {population, seconds, evaluations_per_second, flops_per_network, gflops}."""
    spec = layered.LayeredSpec()
    inputs = jnp.asarray(retina_task().inputs_pm1())
    genomes = jax.jit(jax.vmap(lambda k: layered.init(k, spec)))(jax.random.split(jax.random.PRNGKey(2), population))
    evaluate = jax.jit(jax.vmap(lambda g: layered.output_signs(g, spec, inputs)))
    seconds = median_seconds(lambda: jax.block_until_ready(evaluate(genomes)), repeats)
    rate = population / seconds
    flops = retina_flops_per_network(spec)
    return {"population": population, "seconds": seconds, "evaluations_per_second": rate,
            "flops_per_network": flops, "gflops": rate * flops / 1e9}


def circuit_evaluation(population: int = 1000, repeats: int = 5) -> dict:
    """Truth tables of ``population`` random NAND circuits (4 inputs, 14 gates):
    {population, seconds, evaluations_per_second, nands_per_network, nand_words_per_second}."""
    spec = circuit.CircuitSpec()
    genomes = jax.jit(jax.vmap(lambda k: circuit.init(k, spec)))(jax.random.split(jax.random.PRNGKey(3), population))
    evaluate = jax.jit(jax.vmap(lambda g: circuit.output_table(g, spec)))
    seconds = median_seconds(lambda: jax.block_until_ready(evaluate(genomes)), repeats)
    rate = population / seconds
    return {"population": population, "seconds": seconds, "evaluations_per_second": rate,
            "nands_per_network": spec.max_gates, "nand_words_per_second": rate * spec.max_gates}


def peak_report(matmul: dict, nand: dict, retina: dict, circuits: dict, loop_rows: list[dict]) -> dict:
    """Achieved fractions of the peaks: the isolated evaluations, and the evaluation rate
    inside the full engine loops (``loop_rows``: bench rows, the best measured rate per loop;
    those loops also select, mutate and sort, so their fraction is a floor)."""
    def best(loop):
        rates = [r["evaluations_per_second"] for r in loop_rows if r["loop"] == loop and not r.get("error")]
        return max(rates, default=None)

    clune, circ = best("clune"), best("circuits")
    flops = retina["flops_per_network"]
    return {
        "retina_evaluation_fraction_of_matmul_peak": retina["gflops"] / matmul["gflops"],
        "circuit_evaluation_fraction_of_nand_peak": circuits["nand_words_per_second"] / nand["nand_words_per_second"],
        "clune_loop_evaluations_per_second": clune,
        "clune_loop_fraction_of_matmul_peak": None if clune is None else clune * flops / 1e9 / matmul["gflops"],
        "circuits_loop_evaluations_per_second": circ,
        "circuits_loop_fraction_of_nand_peak":
            None if circ is None else circ * circuits["nands_per_network"] / nand["nand_words_per_second"],
    }
