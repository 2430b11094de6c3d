"""A small, safe expression language: ``parse("tanh(w*x + b)", w=-3, x=2, b=6.88)`` → the Value graph.

Grammar: numbers, names, ``+ - * / **``, unary minus, parentheses, and calls to exp, log, tanh,
sigmoid and relu with one argument, with Python's precedence (``-x**2`` is ``-(x**2)``). Python's
``tokenize`` splits the text; a small operator-precedence parser (a loop with a stack, no
recursion) builds the Values — nothing is ever evaluated as Python, and a chain ``a + b + c + ...``
is as long as the user writes (a 10,000-input neuron is fine). Text outside the grammar (an
attribute, a subscript, a lambda, a keyword argument, ...) is read by Python's ``ast`` only to name
what it is, in an ``ExpressionError`` that points at the place with a caret:

    unknown function 'open'; the functions are exp, log, tanh, sigmoid, relu
      open('f')
      ^
"""

from __future__ import annotations

import ast
import io
import itertools
import keyword
import math
import numbers
import re
import tokenize
import unicodedata
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from .engine import OPS, Value, constant

__all__ = ["parse", "ExpressionError", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES"]

# The language's functions and operators are the engine's ops that have a name in it (engine.OPS).
_CALLS = {op.expr_name: op.apply for op in OPS.values() if op.expr_name and op.expr_name.isidentifier()}
FUNCTIONS = tuple(_CALLS)
# The limits keep a typo from making a graph no one meant. Length and parts bound the work; depth
# counts real nesting: each pair of parentheses, call, ** and unary minus inside another is a
# level, and a chain a + b - c + ... or a * b / c * ... is one level however long it is.
MAX_LENGTH = 200_000  # characters
MAX_DEPTH = 200  # levels of nesting
MAX_NODES = 100_000  # numbers, names, operators and calls
MAX_LABEL = 12  # a sub-expression at most this long labels its node ("w*x + b")

_SUPERSCRIPTS = str.maketrans({c: f"**{d}" for d, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
_BINARY = {op.expr_name: op.apply for op in OPS.values() if op.arity == 2 and op.expr_name}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "unary": 3, "**": 4}  # Python's; ** groups to the right
_AST_BINARY = {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow}
_OTHER_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&"}
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
        shown = f"  {text}" if self.position is None else _caret(text, self.position)
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
    log(-1), or a limit (MAX_LENGTH characters, MAX_DEPTH levels of nesting, MAX_NODES parts) —
    raises an ExpressionError.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse: the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _limit(f"is longer than {MAX_LENGTH} characters (MAX_LENGTH; it has {len(text)})",
                     text, MAX_LENGTH)
    if not text.strip():
        raise ExpressionError("the expression is empty", text, 0)
    items = _Parser(text).postfix()
    segments = _measure(text, items)
    leaves = _leaves(text, {**(values or {})}, variables)
    root = _build(text, items, segments, leaves)
    used = {item.text for item in items if item.kind == "name"}
    for name in leaves.keys() - used:  # a variable given but not in the expression is most likely a typo
        raise ExpressionError(f"{name} was given a value, but the expression does not use {name}", text, None)
    return root if isinstance(root, Value) else Value(root)


def _limit(what: str, text: str, position: int) -> ExpressionError:
    """Every limit says the same: which one, and its number."""
    return ExpressionError(f"limit exceeded: the expression {what}", text, position)


# -- reading: tokens, then postfix order -------------------------------------------------------
@dataclass(frozen=True)
class _Item:
    """One piece of the expression in postfix order (operands before their operator).

    ``kind``: "number", "name", "binary", "unary", "call" or "group" (a pair of parentheses: it
    changes no value, only the text an operand spans). ``start``/``end``: the offsets of the token
    (for "call" and "group" the end is after the ')').
    """

    kind: str
    text: str
    start: int
    end: int
    value: int | float = 0  # a number's value, as Python reads the literal


class _NotRead(Exception):
    """The parser met text outside the grammar; ``_diagnose`` says what it is (``reason`` when
    Python cannot parse the text either)."""

    def __init__(self, position: int, reason: str) -> None:
        self.position, self.reason = position, reason


class _Parser:
    """Shunting-yard: operands go straight to the output, operators wait on a stack until an
    operator that binds less tightly (or the end of their group) comes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]  # where each line starts

    def postfix(self) -> list[_Item]:
        try:
            return self._postfix()
        except _NotRead as e:
            raise _diagnose(self.text, e.position, e.reason) from None

    def _tokens(self):
        """(type, string, start offset, end offset) of every token that matters."""
        readline = io.StringIO(self.text, newline="").readline
        ended = False
        try:
            for token in tokenize.generate_tokens(readline):
                if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
                                  tokenize.ENDMARKER):  # INDENT: spaces before the expression
                    continue
                start = self.starts[token.start[0] - 1] + token.start[1]
                if token.type == tokenize.NEWLINE:
                    ended = True  # the end of the expression: only comments and blank lines may follow
                    continue
                if ended or token.type not in (tokenize.NAME, tokenize.NUMBER, tokenize.OP):
                    raise _NotRead(start, f"cannot read {token.string!r} here")
                yield token.type, token.string, start, self.starts[token.end[0] - 1] + token.end[1]
        except (tokenize.TokenError, SyntaxError):  # an open bracket or string at the end, a bad indent
            raise _NotRead(len(self.text), "the expression ends too early") from None

    def _postfix(self) -> list[_Item]:
        out: list[_Item] = []
        stack: list[_Item] = []  # operators and open groups waiting; kind "(" for a group or a call
        operand_next = True  # what the grammar expects: an operand, or an operator (or ')')
        previous_name: _Item | None = None  # a NAME just read: a call if '(' follows
        for kind, string, start, end in self._tokens():
            if previous_name is not None:
                name, previous_name = previous_name, None
                if string == "(":
                    if name.text not in FUNCTIONS:
                        raise _NotRead(name.start, f"unknown function {name.text!r}; the functions are "
                                                   f"{', '.join(FUNCTIONS)}")
                    stack.append(_Item("(", name.text, name.start, end))
                    operand_next = True  # the argument
                    continue
                out.append(self._variable(name))
            if operand_next:
                if kind == tokenize.NUMBER:
                    try:
                        value = ast.literal_eval(string)  # Python's literals: 1_000, 0x1f, 1e-3
                    except SyntaxError:  # 0777, 1__0, more digits than Python converts
                        raise _NotRead(start, f"cannot read the number {string}") from None
                    except ValueError:  # a huge hexadecimal number
                        value = math.inf
                    if not isinstance(value, (int, float)):
                        raise _NotRead(start, f"{string} is not a number; {_GRAMMAR}")
                    out.append(_Item("number", string, start, end, value))
                    operand_next = False
                elif kind == tokenize.NAME and not keyword.iskeyword(string):
                    # Python reads names in NFKC form (ﬁ is fi): so do we
                    previous_name = _Item("name", unicodedata.normalize("NFKC", string), start, end)
                    operand_next = False
                elif string in ("-", "+"):
                    stack.append(_Item("unary", string, start, end))
                elif string == "(":
                    stack.append(_Item("(", "", start, end))
                else:
                    raise _NotRead(start, f"{string!r} where a number, a name or '(' should be")
            elif kind == tokenize.OP and string in _BINARY:
                precedence = _PRECEDENCE[string]
                while stack and stack[-1].kind != "(" and (
                        _PRECEDENCE[_operator(stack[-1])] > precedence
                        or _PRECEDENCE[_operator(stack[-1])] == precedence and string != "**"):
                    out.append(stack.pop())  # it binds at least as tightly: it is done
                stack.append(_Item("binary", string, start, end))
                operand_next = True
            elif string == ")":
                while stack and stack[-1].kind != "(":
                    out.append(stack.pop())
                if not stack:
                    raise _NotRead(start, "unmatched ')'")
                group = stack.pop()
                out.append(_Item("call" if group.text else "group", group.text, group.start, end))
            else:
                raise _NotRead(start, f"{string!r} where an operator or ')' should be")
        if previous_name is not None:
            out.append(self._variable(previous_name))
        if operand_next or any(item.kind == "(" for item in stack):
            raise _NotRead(len(self.text), "the expression ends too early")
        out.extend(reversed(stack))
        return out

    @staticmethod
    def _variable(name: _Item) -> _Item:
        if name.text in FUNCTIONS:
            raise _NotRead(name.start, f"{name.text} is a function: call it, as in {name.text}(x)")
        return name


def _operator(item: _Item) -> str:
    return "unary" if item.kind == "unary" else item.text


# -- measuring: what each piece spans, the limits, the labels ------------------------------------
@dataclass
class _Span:
    start: int  # where the operand starts and ends in the text, its parentheses included
    end: int
    depth: int  # levels of nesting
    chain: str  # "+" or "*" when it is an unparenthesized chain of + - or * /, else ""


def _measure(text: str, items: list[_Item]) -> list[str | None]:
    """Check the depth and size limits; return each operator's or call's text ("w*x"), None
    for the other items. Python's ``ast`` gives a node the same text."""
    if sum(item.kind != "group" for item in items) > MAX_NODES:
        over = [item for item in items if item.kind != "group"][MAX_NODES]
        raise _limit(f"has more than {MAX_NODES} parts (MAX_NODES: numbers, names, operators and calls)",
                     text, over.start)
    stack: list[_Span] = []
    segments: list[str | None] = []
    # characters that are not spaces before each offset: a text with more than MAX_LABEL of them
    # cannot label a node, so the long texts of a long chain are never cut out and compared
    solid = list(itertools.accumulate((not c.isspace() for c in text), initial=0))
    for item in items:
        segment_start = None
        if item.kind in ("number", "name"):
            span = _Span(item.start, item.end, 0, "")
        elif item.kind == "binary":
            b, a = stack.pop(), stack.pop()
            chain = {"+": "+", "-": "+", "*": "*", "/": "*"}.get(item.text, "")
            if chain and a.chain == chain:  # one more link of the same chain: no deeper
                depth = max(a.depth, b.depth + 1)
            else:
                depth = max(a.depth, b.depth) + 1
            span = _Span(a.start, b.end, depth, chain)
            segment_start = a.start
        elif item.kind == "group":
            inner = stack.pop()
            span = _Span(item.start, item.end, inner.depth + 1, "")
        else:  # unary or call
            inner = stack.pop()
            span = _Span(item.start, max(item.end, inner.end), inner.depth + 1, "")
            segment_start = item.start
        if span.depth > MAX_DEPTH:
            raise _limit(f"is nested deeper than {MAX_DEPTH} levels (MAX_DEPTH: each pair of parentheses, "
                         "call, ** and unary minus inside another is a level; a chain a + b + c + ... is "
                         "one level however long)", text, item.start)
        stack.append(span)
        short = segment_start is not None and solid[span.end] - solid[segment_start] <= MAX_LABEL
        segments.append(" ".join(text[segment_start:span.end].split()) if short else None)
    return segments


# -- building the Values ----------------------------------------------------------------------
def _leaves(text: str, values: dict, variables: dict) -> dict[str, Value]:
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


def _build(text: str, items: list[_Item], segments: list[str | None],
           leaves: dict[str, Value]) -> Value | float:
    """The Values, from the postfix items (one stack, no recursion); a float for a number alone."""
    root = max(k for k, item in enumerate(items) if item.kind != "group")  # the last thing computed
    # a short sub-expression labels its node, unless it occurs twice (two nodes, one name)
    counts = Counter(segment for segment in segments if segment is not None)
    stack: list[Value | float] = []
    for k, (item, segment) in enumerate(zip(items, segments)):
        if item.kind == "group":
            continue
        if item.kind == "number":
            stack.append(_number(text, item))
            continue
        if item.kind == "name":
            if item.text not in leaves:
                given = ", ".join(leaves) or "none"
                typed = text[item.start:item.end]
                power = typed.translate(_SUPERSCRIPTS)
                if power != typed:  # x² reads as the name x2 (Python's NFKC): a power was meant
                    raise ExpressionError(f"unknown name {item.text!r} ({typed} reads as the name "
                                          f"{item.text}, as in Python): for a power write {power}", text,
                                          item.start)
                raise ExpressionError(f"unknown name {item.text!r}; the variables given are: {given}",
                                      text, item.start)
            stack.append(leaves[item.text])
            continue
        if item.kind == "unary" and item.text == "+":
            continue  # +x is x itself
        try:
            out = _apply(item, stack)
        except (ValueError, ArithmeticError) as e:  # log(-1), 1/0, exp(1000)
            raise ExpressionError(str(e), text, item.start) from None
        if isinstance(out, Value) and k != root and segment is not None and len(segment) <= MAX_LABEL \
                and counts[segment] == 1:
            out.label = segment
        stack.append(out)
    return stack[-1]


def _apply(item: _Item, stack: list[Value | float]) -> Value | float:
    """One operator or call, on the operands at the top of the stack."""
    if item.kind == "binary":
        b, a = stack.pop(), stack.pop()
        if not isinstance(a, Value) and not isinstance(b, Value):
            a = constant(a, item.text)  # 2 * 3: make the graph anyway
        return _BINARY[item.text](a, b)
    x = stack.pop()
    if item.kind == "unary":
        return -x  # of a number, a number: -2
    return _CALLS[item.text](x if isinstance(x, Value) else constant(x, item.text))


def _number(text: str, item: _Item) -> float:
    try:
        x = float(item.value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ExpressionError(f"the number {item.text} is too large for a float", text, item.start)
    return x


# -- text outside the grammar: what is it? ------------------------------------------------------
def _diagnose(text: str, position: int, reason: str) -> ExpressionError:
    """The error for text the parser does not read. Python's ``ast`` names the construct (an
    attribute, a lambda, ...) when it can parse the text; else the parser's own ``reason``."""
    # Spaces before the expression are fine, but Python's parser calls them an indent: the first
    # one becomes a "(" (every offset stays where it was), closed after the text.
    source = "(" + text[1:] + "\n)" if text[:1] in (" ", "\t", "\f") else text
    try:
        with warnings.catch_warnings():  # Python's own hints are not the user's to read
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        if source is not text:  # Python's message is about the text with a "(": the parser's own
            return ExpressionError(reason, text, position)
        # Python gives no column when the text ends too early ("1 +"): point at the end.
        at = _offset(text, e.lineno, 0) + e.offset - 1 if e.lineno and e.offset else len(text)
        return ExpressionError(f"syntax error: {e.msg}", text, at)
    except ValueError as e:  # characters Python cannot read
        return ExpressionError(f"cannot read the expression: {e}", text, 0)
    except (RecursionError, MemoryError):  # nested beyond what Python's parser handles
        return ExpressionError(reason, text, position)
    if isinstance(tree.body, ast.Tuple) and not tree.body.elts:  # " # a comment": only the "()" we added
        return ExpressionError(reason, text, position)
    stack: list[ast.AST] = [tree.body]
    while stack:  # the first node outside the grammar, in reading order
        node = stack.pop()
        problem = _outside_grammar(source, node)  # read in what was parsed; shown in the user's text
        if problem:
            return ExpressionError(problem.reason, text, problem.position)
        children = [*node.args, *node.keywords] if isinstance(node, ast.Call) else ast.iter_child_nodes(node)
        stack.extend(reversed([child for child in children if isinstance(child, (ast.expr, ast.keyword))]))
    return ExpressionError(reason, text, position)


def _outside_grammar(text: str, node: ast.AST) -> ExpressionError | None:
    """What is wrong with this node, or None when the grammar has it."""
    def error(reason: str, at: ast.AST = node) -> ExpressionError:
        return ExpressionError(reason, text, _position(text, at))

    if isinstance(node, ast.Name):
        is_function = node.id in FUNCTIONS
        return error(f"{node.id} is a function: call it, as in {node.id}(x)") if is_function else None
    if isinstance(node, ast.Constant):
        x = node.value
        return None if isinstance(x, (int, float)) and not isinstance(x, bool) else \
            error(f"{x!r} is not a number; {_GRAMMAR}")
    if isinstance(node, ast.BinOp):
        if type(node.op) in _AST_BINARY:
            return None
        symbol = _OTHER_OPERATORS.get(type(node.op), type(node.op).__name__)
        if symbol == "^":  # x^2 on paper; Python's ^ is exclusive or
            return error("the operator ^ is not a power here (it is Python's exclusive or): for a power "
                         "write **, as in x**2")
        return error(f"the operator {symbol} is not allowed; {_GRAMMAR}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):  # a.b(...), f(x)(y), ...
            what = _NOT_ALLOWED.get(type(node.func), f"calling '{_segment(text, node.func)}'")
            return error(f"{what}: not allowed; {_GRAMMAR}", node.func)
        name = node.func.id
        if name not in FUNCTIONS:
            return error(f"unknown function {name!r}; the functions are {', '.join(FUNCTIONS)}")
        if node.keywords:
            return error(f"keyword arguments are not allowed; {name} takes one argument", node.keywords[0])
        if len(node.args) != 1:
            return error(f"{name} takes one argument, got {len(node.args)}")
        return None
    what = _NOT_ALLOWED.get(type(node), f"'{_segment(text, node)}'")
    return error(f"{what}: not allowed; {_GRAMMAR}")


def _segment(text: str, node: ast.AST) -> str:
    """The text of node as typed, on one line."""
    return " ".join((ast.get_source_segment(text, node) or "").split())


def _offset(text: str, lineno: int, column: int) -> int:
    """Offset in text of a line number (from 1) and a UTF-8 byte column, as ast reports them."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    start = starts[max(1, min(lineno, len(starts))) - 1]
    prefix = text[start:].encode("utf-8", "surrogatepass")[:column]
    return start + len(prefix.decode("utf-8", "ignore"))


def _position(text: str, node: ast.AST) -> int:
    """Where the caret goes for node: for an operator or an attribute, at its symbol."""
    if isinstance(node, ast.BinOp):  # the first character after the left operand and its ')'s
        end = _offset(text, node.left.end_lineno or 1, node.left.end_col_offset or 0)
        skipped = re.match(r"[\s)]*", text[end:])
        return end + (skipped.end() if skipped else 0)
    if isinstance(node, ast.Attribute):  # the dot
        return text.rfind(".", 0, _offset(text, node.end_lineno or 1, node.end_col_offset or 0))
    return _offset(text, getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
