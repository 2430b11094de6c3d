"""Plain-Python vectors and matrices (lists of rows) for the by-hand side of the demos' checks.

Nothing here touches the engine: these are the formulas computed the way one would on paper.
"""

from __future__ import annotations

import math

Vector = list[float]
Matrix = list[list[float]]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def matvec(A: Matrix, x: Vector) -> Vector:
    """A·x"""
    return [sum(a * b for a, b in zip(row, x)) for row in A]


def matmul(A: Matrix, B: Matrix) -> Matrix:
    """A·B"""
    return [matvec(transpose(B), row) for row in A]


def transpose(A: Matrix) -> Matrix:
    """Aᵀ"""
    return [list(column) for column in zip(*A)]


def outer(u: Vector, v: Vector) -> Matrix:
    """u ⊗ v: the matrix whose entry (i, j) is uᵢ·vⱼ."""
    return [[a * b for b in v] for a in u]
