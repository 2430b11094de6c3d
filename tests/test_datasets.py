"""The toy data sets: right shapes and labels, exact geometry without noise, seeded, clear errors."""

import math

import pytest

from tinygrad_edu.datasets import DIGIT_GLYPHS, bitmap_to_text, make_digits, make_moons, train_test_split


# -- make_moons ----------------------------------------------------------------------------
def test_moons_shapes_and_balanced_labels():
    X, y = make_moons(101, noise=0.1, seed=3)
    assert len(X) == len(y) == 101
    assert all(len(x) == 2 and all(isinstance(c, float) for c in x) for x in X)
    assert sorted(set(y)) == [0, 1]
    assert y.count(0) == 50 and y.count(1) == 51


def test_moons_without_noise_lie_on_their_arcs():
    X, y = make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 0:  # upper arc: the unit circle's upper half
            assert math.hypot(a, b) == pytest.approx(1.0, abs=1e-12) and b >= -1e-12
        else:  # lower arc: a unit circle around (1, 0.5), lower half
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0, abs=1e-12) and b <= 0.5 + 1e-12


def test_moons_are_seeded():
    assert make_moons(30, 0.1, seed=7) == make_moons(30, 0.1, seed=7)
    assert make_moons(30, 0.1, seed=7) != make_moons(30, 0.1, seed=8)


def test_moons_noise_moves_points_by_about_noise():
    clean, _ = make_moons(400, noise=0.0, seed=1)
    noisy, _ = make_moons(400, noise=0.2, seed=1)  # same seed: same shuffle, then noise
    shifts = [c - n for p, q in zip(clean, noisy) for c, n in zip(p, q)]
    spread = math.sqrt(sum(s * s for s in shifts) / len(shifts))
    assert 0.17 < spread < 0.23


@pytest.mark.parametrize("kwargs, error", [
    ({"n": 1}, ValueError), ({"n": "100"}, TypeError), ({"n": 10.0}, TypeError), ({"n": True}, TypeError),
    ({"noise": -0.1}, ValueError), ({"noise": math.inf}, ValueError), ({"noise": "a"}, TypeError),
    ({"noise": 10**400}, ValueError),  # no float holds it: refused, not an OverflowError
])
def test_moons_bad_arguments(kwargs, error):
    with pytest.raises(error, match="make_moons"):
        make_moons(**{"n": 10, "noise": 0.1, **kwargs})


# -- make_digits ---------------------------------------------------------------------------
def test_digits_without_noise_are_the_glyphs():
    X, y = make_digits(3, noise=0.0, seed=0)
    assert len(X) == 30 and sorted(y) == sorted(list(range(10)) * 3)
    for pixels, digit in zip(X, y):
        assert len(pixels) == 35 and set(pixels) <= {0.0, 1.0}
        assert bitmap_to_text(pixels).replace("·", " ") == "\n".join(DIGIT_GLYPHS[digit])


def test_digit_glyphs_are_distinct_5_by_7_bitmaps():
    assert len(DIGIT_GLYPHS) == 10 and len(set(map(tuple, DIGIT_GLYPHS))) == 10
    assert all(len(glyph) == 7 and all(len(row) == 5 for row in glyph) for glyph in DIGIT_GLYPHS)


def test_digit_noise_flips_about_that_fraction_of_pixels():
    clean = {d: [1.0 if ch == "#" else 0.0 for row in g for ch in row] for d, g in enumerate(DIGIT_GLYPHS)}
    X, y = make_digits(40, noise=0.2, seed=5)
    flipped = sum(p != c for x, d in zip(X, y) for p, c in zip(x, clean[d])) / (len(X) * 35)
    assert 0.18 < flipped < 0.22


def test_digits_are_seeded_and_shuffled():
    X, y = make_digits(5, noise=0.1, seed=2)
    assert (X, y) == make_digits(5, noise=0.1, seed=2)
    assert (X, y) != make_digits(5, noise=0.1, seed=3)
    assert y != sorted(y)


@pytest.mark.parametrize("kwargs, error", [
    ({"n_per_class": 0}, ValueError), ({"n_per_class": 2.5}, TypeError),
    ({"noise": 0.6}, ValueError), ({"noise": -1}, ValueError), ({"noise": None}, TypeError),
    ({"noise": 10**400}, ValueError),
])
def test_digits_bad_arguments(kwargs, error):
    with pytest.raises(error, match="make_digits"):
        make_digits(**{"n_per_class": 2, "noise": 0.1, **kwargs})


def test_bitmap_to_text_rejects_a_ragged_bitmap():
    with pytest.raises(ValueError, match="34 pixels"):
        bitmap_to_text([0.0] * 34)


# -- train_test_split ----------------------------------------------------------------------
def test_split_keeps_pairs_and_partitions_the_examples():
    X = [[float(i)] for i in range(20)]
    y = list(range(20))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=1)
    assert len(X_test) == len(y_test) == 5 and len(X_train) == len(y_train) == 15
    assert all(x[0] == t for x, t in zip(X_train + X_test, y_train + y_test))
    assert sorted(y_train + y_test) == y
    assert y_test != y[:5]  # shuffled
    assert train_test_split(X, y, test_size=0.25, seed=1) == (X_train, X_test, y_train, y_test)


def test_split_sizes_fraction_rounds_up_and_int_counts():
    X, y = list(range(10)), list(range(10))
    assert len(train_test_split(X, y, test_size=0.33)[1]) == 4  # ceil(3.3), as scikit-learn
    assert len(train_test_split(X, y, test_size=3)[1]) == 3


@pytest.mark.parametrize("test_size, error", [
    (0.0, ValueError), (1.0, ValueError), (0, ValueError), (10, ValueError),
    (True, TypeError), ("0.2", TypeError),
])
def test_split_bad_test_size(test_size, error):
    with pytest.raises(error, match="train_test_split"):
        train_test_split(list(range(10)), list(range(10)), test_size=test_size)


def test_split_length_mismatch():
    with pytest.raises(ValueError, match="X has 3 examples but y has 2"):
        train_test_split([1, 2, 3], [1, 2])
