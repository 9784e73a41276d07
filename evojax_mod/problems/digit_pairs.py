"""Digit pairs: two handwritten digits (M1, M2) in, a * M1 + b * M2 out, for the goal (a, b)
(or, with one-hot targets, a_M1 + b_M2 for a goal of 20 coefficients).

The research agenda's first experiment (randomly sampled modularly varying goals on a network
that reads two digits; `research/papers.md` §4). A `regression.RegressionProblem` whose K = 2
sub-targets are the two labels (or K = 20: their one-hot codes, `sub_targets`). Built on the
host, once per config:

1. the images (`digit_images.load`: scikit-learn's 8x8 digits, or MNIST from a local file)
   are shuffled with ``data_seed`` and the last ``test_fraction`` of them set aside, so a test
   pair shows no image the network was trained on;
2. ``train_pairs`` pairs are drawn (uniformly, with replacement) from the training images and
   ``test_pairs`` from the test images, with the same generator;
3. a pair is one image of the two side by side, M1 left (H x 2W x 1), or the two as channels
   (H x W x 2), flattened row-major (then channel) for the network's inputs;
4. the probes for `modularity.invariance`: each test pair, then the same pair with M1 replaced
   by a test image of another label, then with M2 replaced so.
"""
from __future__ import annotations

import numpy as np

from evojax_mod import digit_images
from evojax_mod.problems.regression import RegressionProblem, Split


def pair_inputs(images: np.ndarray, first: np.ndarray, second: np.ndarray, layout: str) -> np.ndarray:
    """float32 [m, n_inputs]: images [n, H, W]; first, second int [m] image indices of M1, M2."""
    axis = 2 if layout == "side_by_side" else 3
    left, right = images[first], images[second]
    if axis == 3:
        left, right = left[..., None], right[..., None]
    return np.concatenate([left, right], axis=axis).reshape(len(first), -1).astype(np.float32)


def input_groups(shape: tuple[int, int, int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The flat input indices of M1 and of M2 for a pair of shape (H, W', C) (`pair_inputs`)."""
    h, w, c = shape
    index = np.arange(h * w * c).reshape(h, w, c)
    halves = (index[:, : w // 2], index[:, w // 2:]) if c == 1 else (index[..., 0], index[..., 1])
    return tuple(tuple(int(i) for i in np.sort(part.ravel())) for part in halves)


def other_label(rng: np.random.Generator, pool: np.ndarray, labels: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """int [m]: for each entry of ``avoid`` (labels), an image index of ``pool`` whose label
    differs, drawn uniformly among them."""
    chosen = np.empty(len(avoid), np.int64)
    for digit in np.unique(avoid):
        candidates = pool[labels[pool] != digit]
        rows = np.flatnonzero(avoid == digit)
        chosen[rows] = rng.choice(candidates, len(rows))
    return chosen


def sub_targets(labels: np.ndarray, targets: str) -> np.ndarray:
    """float32 [m, K]: the sub-targets of pairs whose labels are ``labels`` int [m, 2]: the
    labels themselves (K = 2) under "labels", their one-hot codes side by side (K = 20, M1's
    first) under "one_hot"."""
    if targets == "labels":
        return labels.astype(np.float32)
    return np.concatenate([np.eye(10, dtype=np.float32)[labels[:, i]] for i in range(2)], axis=1)


def coefficient_names(targets: str) -> tuple[str, ...]:
    """The goal's coefficient names: a, b; or a0..a9, b0..b9 (one per digit of M1, then M2)."""
    return ("a", "b") if targets == "labels" else tuple(f"{c}{d}" for c in "ab" for d in range(10))


def digit_pairs_problem(section, batch_size: int) -> RegressionProblem:
    """The problem of a validated `config.DigitPairsConfig` section; ``batch_size`` as
    `RegressionProblem`'s."""
    images, labels = digit_images.load(section)
    rng = np.random.default_rng(section.data_seed)
    order = rng.permutation(len(labels))
    n_test = max(1, int(round(section.test_fraction * len(labels))))
    train_pool, test_pool = order[:-n_test], order[-n_test:]
    train = rng.choice(train_pool, (section.train_pairs, 2))
    test = rng.choice(test_pool, (section.test_pairs, 2))

    def split(pairs):
        return Split(inputs=pair_inputs(images, pairs[:, 0], pairs[:, 1], section.layout),
                     sub_targets=sub_targets(labels[pairs], section.targets))

    first = other_label(rng, test_pool, labels, labels[test[:, 0]])
    second = other_label(rng, test_pool, labels, labels[test[:, 1]])
    probes = np.stack([pair_inputs(images, test[:, 0], test[:, 1], section.layout),
                       pair_inputs(images, first, test[:, 1], section.layout),
                       pair_inputs(images, test[:, 0], second, section.layout)])
    shape = digit_images.pair_shape(section).image_shape
    return RegressionProblem(train=split(train), test=split(test), batch_size=batch_size, probes=probes,
                             input_groups=input_groups(shape), coefficient_names=coefficient_names(section.targets))
