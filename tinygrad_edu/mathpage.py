"""A page of equations with their matrices, written so that every line's arithmetic holds at its
printed precision, as text, Markdown or LaTeX.

Equations are written once in a small markup (``δ^2 = (W^3ᵀ·δ^3) ⊙ f′(z^2)``: a superscript number
after ^, a subscript letter after _, Unicode for the rest) that text shows as Unicode and Markdown
and LaTeX as TeX. A ``Page`` collects headings, notes, equations (markup, matrices and numbers side by
side), the arithmetic each printed line shows (``relation``) and checks against the engine
(``check``: ✓, or ✗ FAILED); ``write(style)`` prints every number with the fewest significant digits
(SIGNIFICANT at least) at which every relation holds: redone on the printed operands, it gives the
printed result to within their rounding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Page", "Check", "Relation", "Matrix", "Part", "number", "precision", "text_math", "TOLERANCE",
           "SIGNIFICANT", "MAX_SHOWN"]

Matrix = list[list[float]]

TOLERANCE = 1e-10  # |engine − formula| ≤ TOLERANCE·max(1, |engine|): round-off, even over 100 terms
MAX_SHOWN = 8  # rows or columns: a bigger matrix is shown by its shape and corners
SIGNIFICANT = 4  # digits a number shows at least: a product of two is then right to about 3 digits


# -- the markup, for three styles ------------------------------------------------------------
_SUPERSCRIPTS = str.maketrans("0123456789lL", "⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸ")
_SUBSCRIPTS = dict(zip("0123456789ikm", "₀₁₂₃₄₅₆₇₈₉ᵢₖₘ"))
_TEX = {"δ": r"\delta ", "Θ": r"\Theta ", "⊙": r" \odot ", "·": r" \cdot ", "−": " - ", "α": r"\alpha ",
        "σ": r"\sigma ", "′": "'", "←": r" \leftarrow ", "Σ": r"\sum ", "∂": r"\partial ", "…": r" \ldots ",
        "≠": r" \neq ", "×": r" \times ", "θ": r"\theta ", "{": r"\{", "}": r"\}"}
_TEX_WORDS = {"log": r"\log", "exp": r"\exp", "tanh": r"\tanh", "max": r"\max",
              "softmax": r"\operatorname{softmax}", "sigmoid": r"\operatorname{sigmoid}",
              "relu": r"\operatorname{relu}"}
_MARKUP = re.compile(r"\^(\d+|[lL])(ᵀ?)|_(\w)|ᵀ|[A-Za-z]{3,}|.", re.S)


def text_math(markup: str) -> str:
    def one(match: re.Match) -> str:
        if match.group(1):
            return match.group(1).translate(_SUPERSCRIPTS) + match.group(2)
        if match.group(3):
            return _SUBSCRIPTS.get(match.group(3), "_" + match.group(3))
        return match.group(0)
    return _MARKUP.sub(one, markup)


def _tex_math(markup: str) -> str:
    def one(match: re.Match) -> str:
        if match.group(1):
            return "^{" + match.group(1) + (r"\top" if match.group(2) else "") + "}"
        if match.group(3):
            return "_{" + match.group(3) + "}"
        token = match.group(0)
        if token == "ᵀ":
            return r"^{\top}"
        return _TEX_WORDS.get(token, _TEX.get(token, token))
    return re.sub(r" (?=[\^_])", "", re.sub(r" +", " ", _MARKUP.sub(one, markup))).strip()


def _tex_text(text: str) -> str:
    """Prose for LaTeX or Markdown: its specials escaped."""
    return re.sub(r"([#%&_{}$])", r"\\\1", text)


def _prose(text: str, style: str) -> str:
    """Prose with math between $...$ (in markup): plain in text, $TeX$ in Markdown and LaTeX."""
    parts = text.split("$")
    if style == "text":
        return "".join(text_math(p) if k % 2 else p for k, p in enumerate(parts))
    return "".join(f"${_tex_math(p)}$" if k % 2 else _tex_text(p) for k, p in enumerate(parts))


# -- numbers at a precision ---------------------------------------------------------------------
def number(x: float, digits: int = SIGNIFICANT, *, exact: bool = False) -> str:
    """x to ``digits`` significant digits, the one way the project writes a number for a learner:
    ``2.000``, ``-0.5000``, ``0.002467``, ``1.808e-05``, ``11.00``; a whole part up to a million in
    full (``12346``, never fewer digits than asked); 0 as ``0``; ``nan``, ``inf`` as Python writes them.

    Every number keeps the same relative precision, so each printed line of arithmetic holds at
    its printed precision: ``2.000 × 0.002467 = 0.004933``, where fixed decimals would print
    ``2.0000 × 0.0025 = 0.0049``. ``exact=True``: a number that fewer digits give exactly (an input
    0.09, a target 1) is written so, as the data it is (a page's matrices, a picture's boxes and edges).
    """
    if not math.isfinite(x):
        return str(x)
    if x == 0.0:
        return "0"  # -0.0 too
    if exact:
        shortest = repr(x)  # the shortest text that reads back as x
        if x.is_integer() and abs(x) < 1e6:
            return f"{x:.0f}"
        if "e" not in shortest and len(shortest.lstrip("-").replace(".", "").lstrip("0")) <= digits:
            return shortest
    if 10.0 ** digits <= abs(float(f"{x:.{digits - 1}e}")) < 1e6:  # 9999.5 rounds up to 10000
        return f"{x:.0f}"
    return f"{x:#.{digits}g}".rstrip(".")  # the # keeps 2.000's zeros; 1235. loses its dot


def _exponent(x: float) -> int:
    return math.floor(math.log10(abs(x)))


def _ulp(x: float, digits: int) -> float:
    """One unit in the last place of x printed with ``digits`` significant digits (x ≠ 0)."""
    if -4 <= _exponent(x) < 6:
        return 10.0 ** -max(digits - 1 - _exponent(x), 0)
    return 10.0 ** (_exponent(x) - digits + 1)


def _rounded(x: object, digits: int) -> object:
    if isinstance(x, list):
        return [_rounded(v, digits) for v in x]
    return float(number(x, digits)) if isinstance(x, float) else x


@dataclass(frozen=True)
class Relation:
    """A printed line's arithmetic: ``result`` = ``compute(*operands)``, all as printed.

    It holds at a precision when compute, redone on the operands as printed, gives the result as
    printed to within their rounding: one unit in the result's last place, plus what half a unit in
    the last place of each printed operand moves it (to first order: one operand entry at a time).
    """

    compute: Callable[..., object]
    operands: tuple
    result: object

    def holds(self, digits: int) -> bool:
        shown = [_rounded(x, digits) for x in self.operands]
        again = _flatten(self.compute(*shown))
        slack = [0.0] * len(again)
        for k, x in enumerate(self.operands):
            for nudged in _nudges(x, digits):
                moved = _flatten(self.compute(*shown[:k], nudged, *shown[k + 1:]))
                slack = [s + abs(b - a) for s, a, b in zip(slack, again, moved)]
        for got, want, extra in zip(again, _flatten(self.result), slack):
            printed = number(want, digits)
            unit = _ulp(want, digits) if want != 0.0 else 0.0
            if not abs(got - float(printed)) <= (unit + extra) * (1 + 1e-9) + 1e-300:
                return False
        return True


def _nudges(x: object, digits: int) -> list[object]:
    """x (a number or a matrix) as printed, with one entry moved by half a unit in its last place:
    each entry that printing rounded (a number printed whole, such as a target or a 0, is exact)."""
    if isinstance(x, float):
        return [float(number(x, digits)) + _ulp(x, digits) / 2] if _is_rounded(x, digits) else []
    if not isinstance(x, list):
        return []
    out: list[object] = []
    for i, row in enumerate(x):
        for j, v in enumerate(row):
            if _is_rounded(v, digits):
                moved = [[float(number(u, digits)) for u in r] for r in x]
                moved[i][j] += _ulp(v, digits) / 2
                out.append(moved)
    return out


def _is_rounded(x: float, digits: int) -> bool:
    return float(number(x, digits)) != x


def _flatten(x: object) -> list[float]:
    if isinstance(x, list):
        return [v for item in x for v in _flatten(item)]
    return [x] if isinstance(x, float) else []


def precision(relations: list[Relation]) -> int:
    """The fewest significant digits (SIGNIFICANT at least) at which every relation holds."""
    for digits in range(SIGNIFICANT, 17):
        if all(r.holds(digits) for r in relations):
            return digits
    return 17  # a float's every digit: the printed numbers are the floats themselves


# -- a page of equations, written in any style --------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One equation compared with the engine's gradients: ``ok`` when every number agrees to
    TOLERANCE·max(1, |engine|)."""

    claim: str  # the equation, in markup: "δ^2 = ∂J/∂z^2"
    ok: bool
    count: int
    error: float  # the largest |engine − formula|

    def line(self, style: str) -> str:
        mark = "✓" if self.ok else "✗ FAILED:"
        if style != "text":
            mark = r"$\checkmark$" if self.ok else r"$\times$ FAILED:"
        agree = "agrees with" if self.ok else "does not agree with"
        return (f"{mark} {_prose(f'${self.claim}$', style)} {agree} the engine's gradients "
                f"({self.count} number{'s' if self.count != 1 else ''}, largest difference {self.error:.1g})")


Part = str | Matrix | float  # markup, a matrix or a number to print


class Page:
    """Headings, equations and checks in order; the numbers' precision is chosen when written."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, object]] = []
        self.relations: list[Relation] = []
        self.checks: list[Check] = []

    def heading(self, text: str) -> None:
        self.blocks.append(("heading", text))

    def note(self, text: str) -> None:
        self.blocks.append(("note", text))

    def equation(self, *segments: Sequence[Part]) -> None:
        """lhs = segment = segment ...; the last segment's matrix shape is printed after it."""
        self.blocks.append(("equation", segments))

    def relation(self, compute: Callable[..., object], operands: Sequence[object], result: object) -> None:
        """The arithmetic a printed line shows, to hold at the printed precision (a large matrix,
        shown in part, holds nothing a reader could redo)."""
        if all(_small(x) for x in (*operands, result)):
            self.relations.append(Relation(compute, tuple(operands), result))

    def check(self, claim: str, engine_numbers: Matrix | list[float], formula: Matrix | list[float]) -> None:
        got, want = _flatten(engine_numbers), _flatten(formula)
        errors = [abs(g - w) for g, w in zip(got, want)]
        worst = math.nan if any(map(math.isnan, errors)) else max(errors, default=0.0)
        ok = len(got) == len(want) and all(err <= TOLERANCE * max(1.0, abs(g)) for err, g in zip(errors, got))
        check = Check(claim, ok, len(want), worst)
        self.checks.append(check)
        self.blocks.append(("check", check))

    def write(self, style: str) -> str:
        digits = precision(self.relations)
        out: list[str] = []
        for kind, block in self.blocks:
            if kind == "heading":
                out += ["", _prose(str(block), style)] if out else [_prose(str(block), style)]
                if style == "markdown":
                    out[-1] = f"**{out[-1]}**"
            elif kind == "note":
                out.append(("  " if style == "text" else "") + _prose(str(block), style))
            elif kind == "check":
                out.append(("  " if style == "text" else "") + block.line(style))  # type: ignore[attr-defined]
            else:
                out += _equation(block, style, digits)  # type: ignore[arg-type]
            if style != "text" and kind != "equation":
                out[-1] += "\n" if style == "markdown" else r"\par"
        failed = sum(not c.ok for c in self.checks)
        total = f"{len(self.checks)} check{'s' if len(self.checks) != 1 else ''}"
        summary = (f"{failed} of {total} FAILED." if failed else
                   f"All {total} passed: every equation agrees with the engine's scalar gradients.")
        out += ["", summary]
        return "\n".join(out).strip("\n") + "\n"


def _small(x: object) -> bool:
    return not isinstance(x, list) or not x or not isinstance(x[0], list) or (
        len(x) <= MAX_SHOWN and len(x[0]) <= MAX_SHOWN)


def _shape(M: Matrix) -> str:
    return f"({len(M)}×{len(M[0])})"


def _shown(M: Matrix) -> tuple[list[int | None], list[int | None]]:
    """The rows and columns printed: all of a small matrix; a big one's first three and last (None: …)."""
    def pick(n: int) -> list[int | None]:
        return list(range(n)) if n <= MAX_SHOWN else [0, 1, 2, None, n - 1]
    return pick(len(M)), pick(len(M[0]))


def _cells(M: Matrix, digits: int, dots: tuple[str, str]) -> list[list[str]]:
    rows, cols = _shown(M)
    return [[(number(M[i][j], digits, exact=True) if i is not None and j is not None else dots[i is None])
             for j in cols] for i in rows]


def _equation(segments: Sequence[Sequence[Part]], style: str, digits: int) -> list[str]:
    last_matrix = next((p for p in reversed(segments[-1]) if isinstance(p, list)), None)
    shape = _shape(last_matrix) if last_matrix else ""
    if style != "text":
        def tex(part: Part) -> str:
            if isinstance(part, str):
                return _tex_math(part)
            if isinstance(part, float):
                return _tex_number(number(part, digits, exact=True))
            rows = _cells(part, digits, (r"\cdots", r"\vdots"))
            body = r" \\ ".join(" & ".join(_tex_number(c) for c in row) for row in rows)
            return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
        math_text = " = ".join(" ".join(tex(p) for p in seg) for seg in segments)
        math_text += rf" \quad {_tex_math(shape)}" if shape else ""
        return [f"$$ {math_text} $$", ""] if style == "markdown" else [rf"\[ {math_text} \]"]
    blocks = [[_text_block(p, digits) for p in seg] for seg in segments]
    lines: list[str] = []
    row: list[list[str]] = []
    indent = 0
    for k, seg in enumerate(blocks):
        joined = row + ([[" = "]] if row else []) + seg
        if row and _width(joined) + 2 > 100:
            lines += _side_by_side(row, 2 if not lines else indent)
            row = [["= "]] + seg
        else:
            row = joined
        if k == 0:
            indent = 2 + _width(seg) + 1  # continuation lines start under the first "="
    if shape:
        row = row + [["   " + text_math(shape)]]
    lines += _side_by_side(row, 2 if not lines else indent)
    return lines


def _tex_number(cell: str) -> str:
    mantissa, e, exponent = cell.partition("e")
    if cell in (r"\cdots", r"\vdots"):
        return cell
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if e else cell


def _text_block(part: Part, digits: int) -> list[str]:
    if isinstance(part, str):
        return [f" {part} " if part in ("−", "⊙") else text_math(part)]
    if isinstance(part, float):
        return [number(part, digits, exact=True)]
    cells = _cells(part, digits, ("…", "⋮"))
    width = max(len(c) for row in cells for c in row)
    return ["[" + "  ".join(c.rjust(width) for c in row) + "]" for row in cells]


def _width(blocks: list[list[str]]) -> int:
    return sum(max(map(len, b)) for b in blocks)


def _side_by_side(blocks: list[list[str]], indent: int) -> list[str]:
    """Blocks of lines next to each other, their middle lines level (where the text parts go)."""
    height = max(map(len, blocks))
    middle = height // 2
    lines = [" " * indent] * height
    for block in blocks:
        width = max(map(len, block))
        top = middle - len(block) // 2
        for r in range(height):
            k = r - top
            lines[r] += (block[k] if 0 <= k < len(block) else "").ljust(width)
    return [line.rstrip() for line in lines]
