"""Threefry-2x32 random bits and key splits, bit-identical to `jax.random.bits` and
`jax.random.split` on raw uint32[2] keys (the default threefry implementation with
`jax_threefry_partitionable`, JAX's default since 0.5), but with the 20 rounds unrolled.

Why: on the CPU, JAX lowers threefry as a rolled 5-step while loop (to keep compile times
short). The loop cannot fuse with what consumes its bits and copies its state every step;
for the ~155 000 words a Clune generation draws for mutation at population 1000 that was
about 2.5 ms of a ~14 ms generation. Unrolled, the hash is one elementwise fusion. Because the
bits are the same, a run's results do not depend on which of the two is used. Every draw
takes ``kernels`` (see `evojax_mod.kernels`): "plain" delegates to jax.random, whose rolled
loop is the better choice off the CPU.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from evojax_mod import xla_cpu
from evojax_mod.kernels import is_fast

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotate_left(x: jax.Array, d: int) -> jax.Array:
    return (x << np.uint32(d)) | (x >> np.uint32(32 - d))


def threefry2x32(k1: jax.Array, k2: jax.Array, x1: jax.Array, x2: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The Threefry-2x32 block cipher with 20 rounds (Salmon et al. 2011) on counter words
    x1, x2 (uint32, any equal shapes) under the key (k1, k2) (uint32 scalars)."""
    ks = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
    x = [x1 + ks[0], x2 + ks[1]]
    for block in range(5):
        for r in _ROTATIONS[block % 2]:
            x[0] = x[0] + x[1]
            x[1] = x[0] ^ _rotate_left(x[1], r)
        x[0] = x[0] + ks[(block + 1) % 3]
        x[1] = x[1] + ks[(block + 2) % 3] + np.uint32(block + 1)
    return x[0], x[1]


def _key_words(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    return key[0], key[1]


def _counters(shape: tuple[int, ...]) -> tuple[jax.Array, jax.Array]:
    """The high and low words of each element's row-major index (high is 0 below 2^32)."""
    size = math.prod(shape)
    if size >= 2 ** 32:
        raise ValueError(f"at most 2^32 - 1 random words per call, asked for {size}")
    low = jax.lax.iota(jnp.uint32, size).reshape(shape)
    return jnp.zeros(shape, jnp.uint32), low


def bits(key: jax.Array, shape: tuple[int, ...], *, kernels: str = "fast") -> jax.Array:
    """Uniform random uint32 words of the given shape; equals jax.random.bits(key, shape)."""
    shape = tuple(int(s) for s in shape)
    if not is_fast(kernels):
        return jax.random.bits(key, shape, jnp.uint32)
    b1, b2 = threefry2x32(*_key_words(key), *_counters(shape))
    return b1 ^ b2


def split(key: jax.Array, num: int = 2, *, kernels: str = "fast") -> jax.Array:
    """``num`` new raw keys, uint32 [num, 2]; equals jax.random.split(key, num) for raw keys
    (and its key data for typed ones). Fast: the keys are written out (`xla_cpu.materialised`),
    or XLA fuses this hash into the one that consumes a key, and LLVM spends seconds on that
    nested kernel (3.3 s for the keys of a Clune population's initial genomes)."""
    if not is_fast(kernels):
        keys = jax.random.split(key, num)
        return jax.random.key_data(keys) if jnp.issubdtype(keys.dtype, jax.dtypes.prng_key) else keys
    b1, b2 = threefry2x32(*_key_words(key), *_counters((int(num),)))
    return xla_cpu.materialised(jnp.stack([b1, b2], axis=1))


def uniform(key: jax.Array, shape: tuple[int, ...], *, kernels: str = "fast") -> jax.Array:
    """float32 uniform on [0, 1) from the top 23 bits of each word; equals
    jax.random.uniform(key, shape)."""
    if not is_fast(kernels):
        return jax.random.uniform(key, shape)
    mantissa = (bits(key, shape) >> np.uint32(9)) | np.uint32(0x3F800000)
    return jax.lax.bitcast_convert_type(mantissa, jnp.float32) - jnp.float32(1.0)


def exponential(key: jax.Array, shape: tuple[int, ...], *, kernels: str = "fast") -> jax.Array:
    """float32 Exp(1) samples; equals jax.random.exponential(key, shape)."""
    if not is_fast(kernels):
        return jax.random.exponential(key, shape)
    return -jnp.log1p(-uniform(key, shape))


def randint(key: jax.Array, shape: tuple[int, ...], minval: int, maxval: int, dtype=jnp.int32, *,
            kernels: str = "fast") -> jax.Array:
    """Uniform integers in [minval, maxval) of an 8-, 16- or 32-bit integer dtype, static bounds
    within the dtype; equals jax.random.randint(key, shape, minval, maxval, dtype), which draws
    in 32 bits for all of these dtypes: two words an element (from the key's two halves)
    combined modulo the span, then cast to the dtype."""
    if not is_fast(kernels):
        return jax.random.randint(key, shape, minval, maxval, dtype)
    info = jnp.iinfo(dtype)
    if info.bits > 32 or not info.min <= minval < maxval <= info.max:
        raise ValueError(f"randint: bounds [{minval}, {maxval}) must be non-empty and within "
                         f"{jnp.dtype(dtype).name} of at most 32 bits")
    k1, k2 = split(key, kernels=kernels)
    span = np.uint32(maxval - minval)
    # jax's multiplier: (2^16 mod span)^2 mod span, the square taken in uint32, so it wraps to
    # 0 for spans above 2^16 (then the first word drops out)
    root = 2 ** 16 % int(span)
    multiplier = np.uint32((root * root) % 2 ** 32 % int(span))
    offset = jax.lax.rem(bits(k1, shape) % span * multiplier + bits(k2, shape) % span, span)
    return (jnp.int32(minval) + offset.astype(jnp.int32)).astype(dtype)


def gumbel(key: jax.Array, shape: tuple[int, ...], *, kernels: str = "fast") -> jax.Array:
    """float32 standard Gumbel samples; equals jax.random.gumbel(key, shape) (its default "low"
    mode: -log(-log(u)) with u uniform on [tiny, 1))."""
    if not is_fast(kernels):
        return jax.random.gumbel(key, shape)
    tiny, one = jnp.float32(jnp.finfo(jnp.float32).tiny), jnp.float32(1.0)
    u = jax.lax.max(tiny, uniform(key, shape) * (one - tiny) + tiny)
    return -jnp.log(-jnp.log(u))


def bernoulli(key: jax.Array, p: float, shape: tuple[int, ...], *, kernels: str = "fast") -> jax.Array:
    """bool samples, True with probability p; equals jax.random.bernoulli(key, p, shape)."""
    if not is_fast(kernels):
        return jax.random.bernoulli(key, p, shape)
    return uniform(key, shape) < jnp.float32(p)


def _stable_order(words: jax.Array) -> jax.Array:
    """Indices that sort uint32 ``words`` [n] stably, int32 [n]: what sort_key_val(words,
    arange(n)) gives, through two single-array sorts of packed words (a sort carrying a
    second array is about 3x slower on the CPU) when n <= 2^16.

    With b = bits of an index: sort (low 32-b bits of the word, index) packed in 32 bits;
    then, in that order, sort (high b bits, rank) packed in 2b bits. The result is ordered by
    (high, low, index), i.e. by the word with ties in index order."""
    n = words.shape[0]
    b = max(1, (n - 1).bit_length())
    if 2 * b > 32:
        return jax.lax.sort_key_val(words, jnp.arange(n, dtype=jnp.int32))[1]
    index_mask = np.uint32((1 << b) - 1)
    rows = jnp.arange(n, dtype=jnp.uint32)
    low = (words & np.uint32((1 << (32 - b)) - 1)) << np.uint32(b)
    by_low = jax.lax.sort(low | rows) & index_mask
    high = jnp.take(words, by_low, mode="clip") >> np.uint32(32 - b)
    by_high = jax.lax.sort((high << np.uint32(b)) | rows) & index_mask
    return jnp.take(by_low, by_high, mode="clip").astype(jnp.int32)


def permutation(key: jax.Array, n: int, *, kernels: str = "fast") -> jax.Array:
    """A uniformly random permutation of range(n), int32 [n]; equals
    jax.random.permutation(key, n): ceil(3 ln n / ln(2^32 - 1)) rounds of stably sorting by
    fresh random words (one round up to n = 1625)."""
    if not is_fast(kernels):
        return jax.random.permutation(key, n)
    x = jnp.arange(n)
    rounds = int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        key, subkey = split(key)
        x = jnp.take(x, _stable_order(bits(subkey, (n,))), mode="clip")
    return x
