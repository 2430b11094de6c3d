"""Small, seeded toy data sets in pure Python: two moons, noisy digit bitmaps, a train/test split.

Everything is generated (no download) from a ``random.Random(seed)``, so the same seed gives the same
data on every machine. Points are lists of floats and labels are ints, ready for ``MLP``:

    >>> X, y = make_moons(100, noise=0.1, seed=0)
    >>> len(X), len(X[0]), sorted(set(y))
    (100, 2, [0, 1])
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence

from .engine import real

__all__ = ["DIGIT_GLYPHS", "bitmap_to_text", "make_digits", "make_moons", "train_test_split"]

# The ten digits as 5-wide, 7-tall bitmaps (a classic LCD-style font): "#" = ink.
DIGIT_GLYPHS = [
    [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],  # 0
    ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],  # 1
    [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],  # 2
    ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],  # 3
    ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],  # 4
    ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],  # 5
    ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],  # 6
    ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],  # 7
    [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],  # 8
    [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],  # 9
]
DIGIT_WIDTH, DIGIT_HEIGHT = 5, 7


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles in the plane (scikit-learn's ``make_moons``, in pure Python).

    Half the points (label 0) lie on the upper arc (cos t, sin t), the others (label 1) on the lower
    arc (1 − cos t, 1/2 − sin t), t evenly spaced in [0, π]; each coordinate then gets Gaussian noise
    of standard deviation ``noise``, and the points are shuffled. Returns ``(X, y)``.
    """
    _check_count("make_moons", "n", n, minimum=2)
    _check_noise("make_moons", noise)
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points = [([math.cos(t), math.sin(t)], 0) for t in _linspace(0.0, math.pi, n_upper)]
    points += [([1.0 - math.cos(t), 0.5 - math.sin(t)], 1) for t in _linspace(0.0, math.pi, n_lower)]
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for (x, y), _ in points]
    return X, [label for _, label in points]


def make_digits(
    n_per_class: int = 30, noise: float = 0.1, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """Noisy 5×7 bitmaps of the digits 0–9: ``n_per_class`` images of each digit, shuffled.

    Each image is a list of 35 pixels (row by row; 1.0 = ink, 0.0 = paper) drawn from
    ``DIGIT_GLYPHS``, with each pixel flipped with probability ``noise``. Returns ``(X, y)`` with
    ``y`` the digit of each image.
    """
    _check_count("make_digits", "n_per_class", n_per_class, minimum=1)
    _check_noise("make_digits", noise)
    if noise > 0.5:
        raise ValueError(f"make_digits: noise is the chance of flipping a pixel, at most 0.5, got {noise!r}")
    rng = random.Random(seed)
    examples = []
    for digit, glyph in enumerate(DIGIT_GLYPHS):
        clean = [1.0 if ch == "#" else 0.0 for row in glyph for ch in row]
        for _ in range(n_per_class):
            examples.append(([1.0 - p if rng.random() < noise else p for p in clean], digit))
    rng.shuffle(examples)
    return [pixels for pixels, _ in examples], [digit for _, digit in examples]


def bitmap_to_text(pixels: Sequence[float], width: int = DIGIT_WIDTH) -> str:
    """A bitmap as lines of text: "#" where a pixel is at least 0.5, "·" elsewhere."""
    if len(pixels) % width:
        raise ValueError(f"bitmap_to_text: {len(pixels)} pixels do not fill rows of width {width}")
    rows = [pixels[i : i + width] for i in range(0, len(pixels), width)]
    return "\n".join("".join("#" if p >= 0.5 else "·" for p in row) for row in rows)


def train_test_split(
    X: Sequence, y: Sequence, test_size: float | int = 0.25, seed: int = 0
) -> tuple[list, list, list, list]:
    """Shuffle the examples and hold some out: ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction in (0, 1) of the examples (rounded up, as scikit-learn does) or a whole
    number of them; both parts keep at least one example.
    """
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} examples but y has {len(y)}")
    n = len(X)
    fraction = real(test_size, "train_test_split: test_size")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0.0 < fraction < 1.0:
        n_test = math.ceil(fraction * n)
    else:
        raise ValueError(f"train_test_split: a fractional test_size must be in (0, 1), got {test_size!r}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} leaves {n_test} of {n} examples for testing; "
            "both parts need at least one"
        )
    order = list(range(n))
    random.Random(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


# -- helpers ------------------------------------------------------------------------------
def _linspace(start: float, stop: float, count: int) -> list[float]:
    """``count`` evenly spaced numbers from start to stop, both included (numpy's linspace)."""
    if count == 1:
        return [start]
    return [start + (stop - start) * i / (count - 1) for i in range(count)]


def _check_count(caller: str, name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{caller}: {name} must be an int, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"{caller}: {name} must be at least {minimum}, got {value}")


def _check_noise(caller: str, noise: object) -> None:
    if not 0.0 <= real(noise, f"{caller}: noise") < math.inf:
        raise ValueError(f"{caller}: noise must be a non-negative finite number, got {noise!r}")
