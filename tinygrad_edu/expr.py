"""A small, safe expression language: ``parse("tanh(w*x + b)", w=-3, x=2, b=6.88)`` → the Value graph.

Grammar: numbers, names, ``+ - * / **``, unary minus, parentheses, and calls to exp, log, tanh,
sigmoid and relu with one argument. Python's ``ast`` module parses the text; a whitelist walks the
tree and builds Values — nothing is ever evaluated as Python. Anything outside the grammar (an
attribute, a subscript, a lambda, a keyword argument, ...) is an ``ExpressionError`` that points at
the place with a caret:

    unknown function 'open'; the functions are exp, log, tanh, sigmoid, relu
      open('f')
      ^
"""

from __future__ import annotations

import ast
import math
import numbers
import operator
import re
import warnings
from collections import Counter
from collections.abc import Mapping

from .engine import Value, _constant

__all__ = ["parse", "ExpressionError", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES"]

FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu")
MAX_LENGTH = 10_000  # characters
MAX_DEPTH = 200  # levels of the syntax tree (Python itself stops at 200 nested parentheses)
MAX_NODES = 2_000  # numbers, names, operators and calls
MAX_LABEL = 12  # a sub-expression at most this long labels its node ("w*x + b")

_BINARY = {ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub), ast.Mult: ("*", operator.mul),
           ast.Div: ("/", operator.truediv), ast.Pow: ("**", operator.pow)}
_OTHER_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&"}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_GRAMMAR = "an expression has numbers, names, + - * / **, parentheses and calls to " + ", ".join(FUNCTIONS)
_NOT_ALLOWED = {  # what a learner would call it
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[i])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons", ast.BoolOp: "'and' / 'or'", ast.IfExp: "'if ... else'",
    ast.NamedExpr: "assignments (:=)", ast.Starred: "unpacking (*)",
    ast.List: "lists", ast.Tuple: "tuples", ast.Set: "sets", ast.Dict: "dicts",
    ast.JoinedStr: "strings", ast.keyword: "keyword arguments",
}


class ExpressionError(ValueError):
    """A problem with an expression; ``position`` is the offset into ``text`` the caret points at
    (None: the problem is nowhere in the text, which is shown without a caret)."""

    def __init__(self, reason: str, text: str, position: int | None) -> None:
        self.reason, self.text = reason, text
        self.position = None if position is None else max(0, min(position, len(text)))
        shown = f"  {text}" if position is None else _caret(text, self.position)
        super().__init__(f"{reason}\n{shown}")


def _caret(text: str, position: int, width: int = 76) -> str:
    """The line of text holding position, with a caret under it (a window of a long line)."""
    start = max(text.rfind("\n", 0, position), text.rfind("\r", 0, position)) + 1
    end = min([i for i in (text.find("\n", position), text.find("\r", position)) if i >= 0] or [len(text)])
    line, column = text[start:end].replace("\t", " "), position - start
    if len(line) > width:  # show the part around the caret
        left = max(0, min(column - width // 2, len(line) - width))
        before, after = ("..." if left else ""), ("..." if left + width < len(line) else "")
        line, column = before + line[left:left + width] + after, column - left + len(before)
    return f"  {line}\n  {' ' * column}^"


def parse(text: str, values: Mapping[str, float | Value] | None = None, /,
          **variables: float | Value) -> Value:
    """The Value graph of ``text``; variables come from the mapping ``values`` and/or keywords.

    Each variable becomes one leaf Value labelled with its name (a Value passed in is used as it
    is); short sub-expressions label their node ("w*x"). Every problem — syntax, an unknown name or
    function, a missing or unused variable, anything outside the grammar, a math error such as
    log(-1), or a limit (MAX_LENGTH characters, MAX_DEPTH levels, MAX_NODES nodes) — raises an
    ExpressionError.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}",
                              text, MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("the expression is empty", text, 0)
    tree = _syntax_tree(text)
    leaves = _leaves(text, tree, {**(values or {})}, variables)
    root = _Builder(text, tree, leaves).build(tree.body)
    _unused(text, tree, leaves)
    return root if isinstance(root, Value) else Value(root)


def _syntax_tree(text: str) -> ast.Expression:
    try:
        with warnings.catch_warnings():  # Python's own hints are not the user's to read
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        # Python gives no column when the text ends too early ("1 +"): point at the end.
        position = _offset(text, e.lineno, 0) + e.offset - 1 if e.lineno and e.offset else len(text)
        raise ExpressionError(f"syntax error: {e.msg}", text, position) from None
    except (RecursionError, MemoryError):  # nested beyond what Python's parser handles
        raise ExpressionError(f"the expression is nested too deeply (the limit is {MAX_DEPTH} levels)",
                              text, 0) from None
    except ValueError as e:  # characters Python cannot read
        raise ExpressionError(f"cannot read the expression: {e}", text, 0) from None
    count, stack = 0, [(tree.body, 1)]
    while stack:  # limits checked without recursion, before anything is built
        node, depth = stack.pop()
        if not isinstance(node, ast.expr):
            continue
        count += 1
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep",
                                  text, _position(text, node))
        if count > MAX_NODES:
            raise ExpressionError(f"the expression has more than {MAX_NODES} parts",
                                  text, _position(text, node))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def _offset(text: str, lineno: int, column: int) -> int:
    """Offset in text of a line number (from 1) and a UTF-8 byte column, as ast reports them."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    start = starts[max(1, min(lineno, len(starts))) - 1]
    prefix = text[start:].encode("utf-8", "surrogatepass")[:column]
    return start + len(prefix.decode("utf-8", "ignore"))


def _position(text: str, node: ast.AST) -> int:
    return _offset(text, node.lineno, node.col_offset)


def _leaves(text: str, tree: ast.Expression, values: dict, variables: dict) -> dict[str, Value]:
    """One leaf Value per variable given (a Value passed in is used as it is)."""
    twice = values.keys() & variables.keys()
    if twice:
        raise ExpressionError(f"{', '.join(sorted(twice))} given twice (in the mapping and as a keyword)",
                              text, 0)
    values.update(variables)
    leaves = {}
    for name, x in values.items():
        if name in FUNCTIONS:
            raise ExpressionError(f"{name} is a function; a variable cannot be called {name}", text, 0)
        if isinstance(x, Value):
            leaves[name] = x
        elif isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x):
            leaves[name] = Value(float(x), label=name)
        else:
            raise ExpressionError(f"the value of {name} must be a finite number, got {x!r}", text, 0)
    return leaves


def _unused(text: str, tree: ast.Expression, leaves: dict[str, Value]) -> None:
    """A variable given but not in the expression is most likely a typo: say so."""
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    for name in leaves.keys() - used:
        raise ExpressionError(f"{name} was given a value, but the expression does not use {name}",
                              text, None)


class _Builder:
    """Walks the syntax tree and builds Values, allowing only the grammar's node types."""

    def __init__(self, text: str, tree: ast.Expression, leaves: dict[str, Value]) -> None:
        self.text, self.leaves = text, leaves
        self.root = tree.body
        # A short sub-expression labels its node, unless it occurs twice (two nodes, one name).
        ops = (ast.BinOp, ast.UnaryOp, ast.Call)
        self.segments = Counter(self._segment(n) for n in ast.walk(tree) if isinstance(n, ops))

    def build(self, node: ast.expr) -> Value | float:
        """A Value, or a float for a number literal (the engine wraps it as a constant when used)."""
        if isinstance(node, ast.Constant):
            return self._number(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            symbol, apply = _BINARY[type(node.op)]
            a, b = self.build(node.left), self.build(node.right)
            if not isinstance(a, Value) and not isinstance(b, Value):
                a = _constant(a, symbol)  # 2 * 3: make the graph anyway
            return self._labelled(node, lambda: apply(a, b))
        if isinstance(node, ast.BinOp):
            symbol = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise self._error(f"the operator {symbol} is not allowed; {_GRAMMAR}", node)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            x = self.build(node.operand)
            if not isinstance(x, Value) or isinstance(node.op, ast.UAdd):
                return _UNARY[type(node.op)](x)  # -2 is a number; +x is x itself
            return self._labelled(node, lambda: -x)
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _NOT_ALLOWED.get(type(node), f"'{self._segment(node)}'")
        raise self._error(f"{what}: not allowed; {_GRAMMAR}", node)

    def _number(self, node: ast.Constant) -> float:
        x = node.value
        if not isinstance(x, (int, float)) or isinstance(x, bool):
            raise self._error(f"{x!r} is not a number; {_GRAMMAR}", node)
        try:
            x = float(x)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self._error(f"the number {self._segment(node)} is too large for a float", node)
        return x

    def _name(self, node: ast.Name) -> Value:
        if node.id in self.leaves:
            return self.leaves[node.id]
        if node.id in FUNCTIONS:
            raise self._error(f"{node.id} is a function: call it, as in {node.id}(x)", node)
        given = ", ".join(self.leaves) or "none"
        raise self._error(f"unknown name {node.id!r}; the variables given are: {given}", node)

    def _call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name):  # a.b(...), f(x)(y), ...
            what = _NOT_ALLOWED.get(type(node.func), f"calling '{self._segment(node.func)}'")
            raise self._error(f"{what}: not allowed; {_GRAMMAR}", node.func)
        name = node.func.id
        if name not in FUNCTIONS:
            raise self._error(f"unknown function {name!r}; the functions are {', '.join(FUNCTIONS)}", node)
        if node.keywords:
            raise self._error(f"keyword arguments are not allowed; {name} takes one argument",
                              node.keywords[0])
        if len(node.args) != 1:
            raise self._error(f"{name} takes one argument, got {len(node.args)}", node)
        x = self.build(node.args[0])
        if not isinstance(x, Value):
            x = _constant(x, name)
        return self._labelled(node, getattr(x, name))

    def _labelled(self, node: ast.expr, compute) -> Value:
        """compute() with a math error turned into an ExpressionError at node; label it when short."""
        try:
            out = compute()
        except (ValueError, ArithmeticError) as e:
            raise self._error(str(e), node) from None
        segment = self._segment(node)
        if node is not self.root and len(segment) <= MAX_LABEL and self.segments[segment] == 1:
            out.label = segment
        return out

    def _segment(self, node: ast.expr) -> str:
        """The text of node as typed, on one line."""
        return " ".join((ast.get_source_segment(self.text, node) or "").split())

    def _error(self, reason: str, node: ast.AST) -> ExpressionError:
        """An error with the caret at node; for an operator or an attribute, at its symbol."""
        text = self.text
        if isinstance(node, ast.BinOp):  # the first character after the left operand and its ')'s
            end = _offset(text, node.left.end_lineno, node.left.end_col_offset)
            position = end + re.match(r"[\s)]*", text[end:]).end()
        elif isinstance(node, ast.Attribute):  # the dot
            position = text.rfind(".", 0, _offset(text, node.end_lineno, node.end_col_offset))
        else:
            position = _position(text, node)
        return ExpressionError(reason, text, position)
