"""Digit pairs: the pairs, layouts and targets are right on a hand-checked handful, the split
keeps test images out of training, the probes change one digit only, and MNIST files are
read from IDX or NPZ, a missing or damaged one being a one-line error (exit 2 from the CLI)."""
import dataclasses

import numpy as np
import pytest
import yaml
from sklearn.datasets import load_digits

from evojax_mod import cli
from evojax_mod.config import ConfigError, DigitPairsConfig, config_from_dict, load_config, to_dict
from evojax_mod.problems.digit_pairs import digit_pairs_problem, input_groups, pair_inputs, sub_targets
from evojax_mod.problems.regression import RegressionProblem

DIGITS = load_digits()
SMALL = DigitPairsConfig(train_pairs=12, test_pairs=6, test_fraction=0.25, data_seed=3)


@pytest.fixture(scope="module")
def problem():
    return digit_pairs_problem(SMALL, batch_size=0)


def _image_index(image: np.ndarray) -> int:
    """The row of sklearn's digits equal to ``image`` (8 x 8 in [0, 1])."""
    rows = np.flatnonzero(np.all(DIGITS.images.reshape(-1, 64) / 16 == image.reshape(64), axis=1))
    assert len(rows) >= 1
    return rows[0]


def test_layouts_place_the_two_images_by_hand():
    images = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3)  # two 2 x 3 images
    side = pair_inputs(images, np.array([0]), np.array([1]), "side_by_side")
    np.testing.assert_array_equal(side[0], [0, 1, 2, 6, 7, 8, 3, 4, 5, 9, 10, 11])  # row 0 of M1, of M2, ...
    channels = pair_inputs(images, np.array([1]), np.array([0]), "channels")
    np.testing.assert_array_equal(channels[0], [6, 0, 7, 1, 8, 2, 9, 3, 10, 4, 11, 5])  # (M1, M2) per pixel
    assert input_groups((2, 6, 1)) == ((0, 1, 2, 6, 7, 8), (3, 4, 5, 9, 10, 11))
    assert input_groups((2, 3, 2)) == ((0, 2, 4, 6, 8, 10), (1, 3, 5, 7, 9, 11))


def test_targets_weigh_the_labels_by_the_goal():
    parts = np.asarray([[3.0, 4.0], [0.0, 9.0], [7.0, 7.0]], np.float32)
    problem = RegressionProblem(train=None, test=None)
    np.testing.assert_array_equal(problem.target(parts, np.asarray([2.0, -1.0], np.float32)), [2, -9, 7])


def test_one_hot_targets_are_a_lookup_per_digit():
    labels = np.asarray([[3, 4], [0, 9], [7, 7]])
    parts = sub_targets(labels, "one_hot")
    assert parts.shape == (3, 20)
    goal = np.arange(20, dtype=np.float32) - 5  # a_d = d - 5, b_d = d + 5
    np.testing.assert_array_equal(RegressionProblem(train=None, test=None).target(parts, goal),
                                  [(3 - 5) + (4 + 5), -5 + 14, 2 + 12])
    np.testing.assert_array_equal(sub_targets(labels, "labels"), labels)
    problem = digit_pairs_problem(dataclasses.replace(SMALL, targets="one_hot"), batch_size=0)
    assert problem.train.sub_targets.shape == (12, 20) and problem.coefficient_names[10] == "b0"
    config = config_from_dict({"problem": {"kind": "digit_pairs", "targets": "one_hot"}, "run": {"population": 4},
                               "schedule": {"kind": "rmvg", "integer": False, "low": -2, "high": 2},
                               "genome": {"kind": "mlp", "layers": [128, 8, 1]}, "selection": {"kind": "optax"}})
    assert config.problem.sub_targets == 20
    with pytest.raises(ConfigError, match="problem.targets"):
        DigitPairsConfig(targets="onehot").validate("problem")
    with pytest.raises(ConfigError, match="schedule.goals"):
        config_from_dict({"problem": {"kind": "digit_pairs", "targets": "one_hot"}, "run": {"population": 4},
                          "genome": {"kind": "mlp", "layers": [128, 8, 1]}, "selection": {"kind": "optax"}})


def test_each_pair_shows_two_real_digits_with_their_labels(problem):
    assert problem.train.inputs.shape == (12, 128) and problem.test.sub_targets.shape == (6, 2)
    for split in (problem.train, problem.test):
        for x, labels in zip(split.inputs[:4], split.sub_targets[:4]):
            image = x.reshape(8, 16)
            for half, label in zip((image[:, :8], image[:, 8:]), labels):
                assert DIGITS.target[_image_index(half)] == label


def _halves(split) -> set[bytes]:
    """Every image a split shows, as bytes."""
    pairs = split.inputs.reshape(-1, 8, 16)
    return {half.tobytes() for x in pairs for half in (np.ascontiguousarray(x[:, :8]), np.ascontiguousarray(x[:, 8:]))}


def test_the_split_keeps_test_images_out_of_training_and_is_fixed_by_the_seed(problem):
    large = digit_pairs_problem(dataclasses.replace(SMALL, train_pairs=3000, test_pairs=1000), batch_size=0)
    train, test = _halves(large.train), _halves(large.test)
    assert len(train) > 1000 and len(test) > 300 and not train & test
    again = digit_pairs_problem(SMALL, batch_size=0)
    np.testing.assert_array_equal(again.train.inputs, problem.train.inputs)
    other = digit_pairs_problem(dataclasses.replace(SMALL, data_seed=4), batch_size=0)
    assert not np.array_equal(other.train.inputs, problem.train.inputs)


def test_probes_change_exactly_one_digit_to_another_label(problem):
    base, first, second = (p.reshape(-1, 8, 16) for p in problem.probes)
    np.testing.assert_array_equal(base.reshape(len(base), -1), problem.test.inputs)
    np.testing.assert_array_equal(first[:, :, 8:], base[:, :, 8:])
    np.testing.assert_array_equal(second[:, :, :8], base[:, :, :8])
    for changed, half in ((first, slice(0, 8)), (second, slice(8, 16))):
        for a, b in zip(changed, base):
            assert DIGITS.target[_image_index(a[:, half])] != DIGITS.target[_image_index(b[:, half])]


def _write_idx(path, array: np.ndarray):
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def _mnist_like(n=40):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 5, 5)).astype(np.uint8), (np.arange(n) % 10).astype(np.uint8)


def test_mnist_is_read_from_idx_and_from_npz(tmp_path):
    images, labels = _mnist_like()
    _write_idx(tmp_path / "images.idx", images)
    _write_idx(tmp_path / "labels.idx", labels)
    np.savez(tmp_path / "mnist.npz", x_train=images[:30], y_train=labels[:30], x_test=images[30:], y_test=labels[30:])
    common = dict(source="mnist", train_pairs=8, test_pairs=4, layout="channels")
    idx = digit_pairs_problem(DigitPairsConfig(path=str(tmp_path / "images.idx"), labels=str(tmp_path / "labels.idx"),
                                               **common), 0)
    npz = digit_pairs_problem(DigitPairsConfig(path=str(tmp_path / "mnist.npz"), **common), 0)
    assert idx.train.inputs.shape == (8, 50)
    np.testing.assert_array_equal(idx.train.inputs, npz.train.inputs)  # the same images, pooled the same way
    assert idx.train.inputs.max() <= 1.0 and set(idx.train.sub_targets.ravel()) <= set(range(10))


def _run_mnist(tmp_path, capsys, **problem):
    config = {"problem": {"kind": "digit_pairs", "source": "mnist", **problem},
              "genome": {"kind": "mlp", "layers": [50, 1]}, "selection": {"kind": "optax"},
              "run": {"population": 4, "generations": 1}}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(config))
    code = cli.main(["run", str(path), "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and not (tmp_path / "run").exists()
    return err


def test_a_missing_or_damaged_mnist_file_is_one_line_exit_2(tmp_path, capsys):
    missing = str(tmp_path / "nowhere.npz")
    assert "'problem.path': '" + missing + "' not found" in _run_mnist(tmp_path, capsys, path=missing)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    assert f"'{damaged}' is not an .npz archive" in _run_mnist(tmp_path, capsys, path=str(damaged))
    images, labels = _mnist_like()
    _write_idx(tmp_path / "images.idx", images)
    truncated = tmp_path / "truncated.idx"
    truncated.write_bytes((tmp_path / "images.idx").read_bytes()[:-7])
    assert f"'{truncated}' is damaged" in _run_mnist(tmp_path, capsys, path=str(truncated),
                                                     labels=str(tmp_path / "labels.idx"))
    assert "'problem.labels'" in _run_mnist(tmp_path, capsys, path=str(tmp_path / "images.idx"))
    with pytest.raises(ConfigError, match="problem.path"):
        DigitPairsConfig(source="sklearn", path="x.npz").validate("problem")


def test_digit_presets_round_trip_and_misfits_are_config_errors():
    for name in ("digits/rmvg_adam", "digits/mvg_gd", "digits/rmvg_cnn_adam", "digits/rmvg_openes"):
        config = load_config(name)
        assert config_from_dict(to_dict(config)) == config and "task" not in to_dict(config)
    cases = [({"genome": {"kind": "mlp", "layers": [64, 1]}, "selection": {"kind": "optax"}},
              "config key 'genome.layers': expected 128 inputs first"),
             ({"genome": {"kind": "layered"}}, "config key 'problem.kind': expected task under selection kind nsga2"),
             ({"problem": {"kind": "task"}, "genome": {"kind": "cnn"}},
              "config key 'genome.kind': expected a genome that fits task retina")]
    for sections, message in cases:
        with pytest.raises(ConfigError) as err:
            config_from_dict({"problem": {"kind": "digit_pairs"}, "run": {"population": 4}, **sections})
        assert str(err.value).startswith(message), str(err.value)
