"""Handwritten digit images from local sources, for the digit-pair problem (`problems.digit_pairs`).

Two sources: scikit-learn's bundled 8x8 digits (``sklearn.datasets.load_digits``, shipped
with the package, never downloaded; 1797 images, pixels 0..16) and MNIST (28x28, pixels
0..255) from a local file: an .npz with ``x_train``, ``y_train`` (and optionally ``x_test``,
``y_test``, pooled with them: the problem makes its own split) or an uncompressed IDX images
file with its IDX labels file. A missing, unreadable or damaged file is a one-line
`ConfigError` naming the path and the config key. Numpy only (config validation reads the
headers without importing jax).
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evojax_mod.errors import ConfigError

SKLEARN_SIDE = 8
SKLEARN_MAX = 16.0
MNIST_MAX = 255.0
# IDX magic: two zero bytes, the element type (0x08 = unsigned byte), the number of dimensions.
IDX_UBYTE = 0x08
NPZ_KEYS = (("x_train", "y_train"), ("x_test", "y_test"))


@dataclass(frozen=True)
class PairShape:
    """What a genome must fit: name (for messages), image_shape (H, W, C) of one pair as the
    network sees it, n_inputs = H * W * C (the flattened pair)."""

    name: str
    image_shape: tuple[int, int, int]

    @property
    def n_inputs(self) -> int:
        return int(np.prod(self.image_shape))


def _fail(at: str, path: str, problem: str) -> ConfigError:
    return ConfigError(" ".join(f"config key '{at}': '{path}' {problem}".split()))


def _idx_header(path: str, ndim: int, at: str) -> tuple[int, ...]:
    """The dimensions of an unsigned-byte IDX file of ``ndim`` dimensions, checked against
    its size (a truncated file is damaged)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4 + 4 * ndim)
        size = Path(path).stat().st_size
    except OSError as err:
        raise _fail(at, path, f"cannot be read ({err.strerror or err})") from None
    if len(head) < 4 + 4 * ndim or head[:2] != b"\0\0" or head[2] != IDX_UBYTE or head[3] != ndim:
        raise _fail(at, path, f"is not an IDX file of unsigned bytes with {ndim} dimension(s) (damaged, or "
                              "gzipped: unpack it first)")
    dims = tuple(int(d) for d in np.frombuffer(head[4:], ">u4"))
    if size != len(head) + int(np.prod(dims)):
        raise _fail(at, path, f"is damaged: {size} bytes where its header {list(dims)} needs "
                              f"{len(head) + int(np.prod(dims))}")
    return dims


def _npz_shapes(path: str, at: str) -> dict[str, tuple[int, ...]]:
    """Shapes of the arrays of an .npz, from their headers (nothing decompressed)."""
    try:
        with zipfile.ZipFile(path) as archive:
            shapes = {}
            for name in archive.namelist():
                with archive.open(name) as member:
                    major, _ = np.lib.format.read_magic(member)
                    header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
                    shape, _, _ = header(member)
                shapes[name.removesuffix(".npy")] = shape
            return shapes
    except OSError as err:
        raise _fail(at, path, f"cannot be read ({err.strerror or err})") from None
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _fail(at, path, "is not an .npz archive of arrays (damaged?)") from None


def _is_zip(path: str, at: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(2) == b"PK"
    except OSError as err:
        raise _fail(at, path, f"cannot be read ({err.strerror or err})") from None


def check_mnist(path: str, labels: str, at: str) -> tuple[int, int]:
    """(H, W) of the MNIST images at ``path`` (config key ``at``.path), after checking the
    headers: ConfigError when a file is missing, unreadable, damaged or lacks what is needed."""
    if not path:
        raise ConfigError(f"config key '{at}.path': expected the path of an MNIST .npz or IDX images file "
                          "under source mnist, got ''")
    if not Path(path).is_file():
        raise _fail(f"{at}.path", path, "not found (an MNIST .npz or IDX images file)")
    if _is_zip(path, f"{at}.path"):
        shapes = _npz_shapes(path, f"{at}.path")
        if "x_train" not in shapes or "y_train" not in shapes:
            raise _fail(f"{at}.path", path, f"has no x_train and y_train arrays (has: {', '.join(shapes) or 'none'})")
        for x, y in NPZ_KEYS:
            if x in shapes and (len(shapes[x]) != 3 or shapes.get(y) != shapes[x][:1]):
                raise _fail(f"{at}.path", path, f"holds {x} {list(shapes[x])} and {y} {list(shapes.get(y, ()))}: "
                                                "expected [n, H, W] images and [n] labels")
        return tuple(shapes["x_train"][1:])
    dims = _idx_header(path, 3, f"{at}.path")
    if not labels:
        raise ConfigError(f"config key '{at}.labels': expected the IDX labels file of '{path}', got ''")
    if not Path(labels).is_file():
        raise _fail(f"{at}.labels", labels, "not found (the IDX labels file)")
    (n_labels,) = _idx_header(labels, 1, f"{at}.labels")
    if n_labels != dims[0]:
        raise _fail(f"{at}.labels", labels, f"holds {n_labels} labels for {dims[0]} images in '{path}'")
    return dims[1:]


def _read_idx(path: str, ndim: int, at: str) -> np.ndarray:
    dims = _idx_header(path, ndim, at)
    return np.fromfile(path, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _read_npz(path: str, at: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            parts = [(data[x], data[y]) for x, y in NPZ_KEYS if x in data.files]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise _fail(at, path, f"cannot be read ({err})") from None
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


def load(section, at: str = "problem") -> tuple[np.ndarray, np.ndarray]:
    """(images float32 [n, H, W] in [0, 1], labels int32 [n] in 0..9) of a `DigitPairsConfig`."""
    if section.source == "sklearn":
        from sklearn.datasets import load_digits  # bundled with scikit-learn: no download
        digits = load_digits()
        return (digits.images / SKLEARN_MAX).astype(np.float32), digits.target.astype(np.int32)
    check_mnist(section.path, section.labels, at)
    if _is_zip(section.path, f"{at}.path"):
        images, labels = _read_npz(section.path, f"{at}.path")
    else:
        images, labels = _read_idx(section.path, 3, f"{at}.path"), _read_idx(section.labels, 1, f"{at}.labels")
    if labels.min() < 0 or labels.max() > 9:
        raise _fail(f"{at}.path", section.path, f"holds labels outside 0..9 ({labels.min()}..{labels.max()})")
    return (images / MNIST_MAX).astype(np.float32), labels.astype(np.int32)


def pair_shape(section, at: str = "problem") -> PairShape:
    """The shape of one pair as the network sees it (`PairShape`), from the headers alone."""
    side = (SKLEARN_SIDE, SKLEARN_SIDE) if section.source == "sklearn" else check_mnist(section.path,
                                                                                      section.labels, at)
    h, w = side
    shape = (h, 2 * w, 1) if section.layout == "side_by_side" else (h, w, 2)
    return PairShape(name=f"digit_pairs ({section.source}, {section.layout})", image_shape=shape)
