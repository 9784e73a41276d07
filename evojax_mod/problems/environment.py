"""What a Boolean task's evolved networks are scored on each generation: which of the task's
patterns (all, or a subset drawn per seed, redrawn every few generations) and how noisy the
inputs and targets are. The experiments ask this object; the draws are its own.

    subset        uint32 [W] packed pattern mask (pattern p in bit p % 32 of word p // 32): all
                  patterns, or ``patterns`` distinct ones drawn uniformly (Kashtan & Alon's
                  retina nets see 100 of 256); redrawn at every multiple of ``redraw_every``
                  generations from a stream folded from the seed's schedule key
    noisy         inputs (+-1) with each sign flipped at rate ``input_noise`` and targets
                  flipped at rate ``target_noise`` (`evojax_mod.noise`), fresh for every key;
                  for networks scored as packed truth tables, an input flip is a read of the
                  table at another pattern (p XOR the flipped bits, `noisy_patterns`)

Every value here is static: a config's environment is compiled into its programs.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp

from evojax_mod import noise
from evojax_mod.genomes import threshold

# Folded into the seed's schedule key for the redraws, so that the other draws of a run stay as
# they were without them.
REDRAW_STREAM = 0xE417


@dataclass(frozen=True)
class PatternEnvironment:
    """n_patterns: the task's P. patterns: 0 = all; n = a subset of n drawn per seed.
    redraw_every: 0 = drawn once; n = redrawn every n generations. input_noise, target_noise:
    flip probabilities."""

    n_patterns: int
    patterns: int = 0
    redraw_every: int = 0
    input_noise: float = 0.0
    target_noise: float = 0.0

    def subset(self, key) -> jax.Array:
        """uint32 [W]: all patterns, or ``patterns`` distinct ones drawn uniformly with ``key``."""
        n_all, n = self.n_patterns, self.patterns
        if n == 0 or n == n_all:
            chosen = jnp.ones(n_all, bool)
        else:
            chosen = jnp.zeros(n_all, bool).at[jax.random.permutation(key, n_all)[:n]].set(True)
        return threshold.pack_patterns(chosen)

    def subset_at(self, subset, schedule_key, generation) -> jax.Array:
        """uint32 [W]: generation ``generation``'s subset: a new draw at every multiple of
        ``redraw_every``, else ``subset``."""
        every = self.redraw_every
        if not every:
            return subset
        key = jax.random.fold_in(jax.random.fold_in(schedule_key, REDRAW_STREAM), generation // every)
        return jax.lax.cond(generation % every == 0, self.subset, lambda _: subset, key)

    @property
    def noisy(self) -> bool:
        return self.input_noise > 0 or self.target_noise > 0

    def noisy_inputs(self, key, inputs: jax.Array) -> jax.Array:
        """float32 [P, n]: ``inputs`` (+-1) with signs flipped at the input_noise rate."""
        return noise.flip_inputs(jax.random.split(key)[0], inputs, self.input_noise)

    def noisy_targets(self, key, targets: jax.Array) -> jax.Array:
        """bool [P]: ``targets`` flipped at the target_noise rate (a stream apart from the inputs')."""
        return noise.flip_labels(jax.random.split(key)[1], targets, self.target_noise)

    def noisy_patterns(self, key, n_inputs: int) -> jax.Array:
        """int32 [P]: the pattern each pattern's noisy inputs form, p XOR a mask whose n_inputs
        bits are each set at the input_noise rate."""
        flips = jax.random.uniform(jax.random.split(key)[0], (self.n_patterns, n_inputs)) < self.input_noise
        return jnp.arange(self.n_patterns) ^ jnp.sum(flips * (1 << jnp.arange(n_inputs)), axis=1)

    @staticmethod
    def read_tables(tables: jax.Array, patterns: jax.Array) -> jax.Array:
        """uint32 [..., W]: packed truth tables (pattern p in bit p % 32 of word p // 32) with
        pattern p's entry read at ``patterns[p]`` (`noisy_patterns`)."""
        bits = (tables[..., patterns // 32] >> (patterns % 32).astype(jnp.uint32)) & 1
        return threshold.pack_patterns(bits)

    def noisy_target_words(self, key, words: jax.Array) -> jax.Array:
        """uint32 [W]: packed targets with each pattern's bit flipped at the target_noise rate."""
        flips = jax.random.uniform(jax.random.split(key)[1], (self.n_patterns,)) < self.target_noise
        return words ^ threshold.pack_patterns(flips)
