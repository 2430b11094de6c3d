"""Your turn: the questions ``backward()`` answers, asked of the learner and checked by the engine.

For any graph, ``Exercise(root).questions()`` asks, in the order ``backward()`` works (a node after
all its users):

    ∂L/∂node                   its gradient, once every user has passed its share:
                               ∂L/∂node = Σ over its users u of ∂u/∂node · ∂L/∂u
    ∂node/∂input               then each local derivative of its op, one per edge (the op's own rule)

An answer is a number or a formula in the graph's names (``x``, ``1 - L**2``, ``(Z - t)*x1``), read
with the project's safe parser (``expr.parse``; nothing is ever eval'd). A number must be within
0.1% of the true value (``is_close``: ``|answer − truth| ≤ TOLERANCE·|truth| + ABSOLUTE``, as
``torch.isclose`` with rtol=0.001, atol=1e-12), so 0 is not an answer for a gradient of 2e-5; a
formula must be right here *and* at a few points where the leaves are moved a little (``replay``
computes the graph there again), so ``x`` does not pass for ``2`` because x happens to be 2. A
wrong answer gets a hint from the op's rule (``engine.OPS``). ``tinygrad_edu.quiz`` asks the
questions one at a time, at a terminal or from a file.

    >>> q = Exercise(parse("tanh(w*x + b)", w=-3, x=2, b=6.88)).questions()[0]
    >>> q.check("1 - L**2")      # Verdict(status='right', ...): truthy when right
"""

from __future__ import annotations

import math
import numbers
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from keyword import iskeyword
from typing import Any

from .engine import OPS, Value, arguments, topological_order
from .expr import FUNCTIONS, ExpressionError, parse
from .mathpage import number
from .trace import forward_order, gradients, leaves, node_names, op_text, operand, partner

__all__ = ["TOLERANCE", "ABSOLUTE", "MAX_ANSWER", "MOVED_POINTS", "Exercise", "Question", "Verdict", "Point",
           "replay", "is_close"]

TOLERANCE = 1e-3  # relative: |answer − truth| ≤ 0.001·|truth| (+ ABSOLUTE): 0.1%, 3 significant digits
ABSOLUTE = 1e-12  # float round-off around 0, no more: 0 is not 2e-5
MAX_ANSWER = 1_000  # characters: an answer longer than this is refused before it is parsed
MOVED_POINTS = 3  # points near this one where a formula must be right too
MOVE = 0.1  # how far a leaf moves: about 10% of max(1, |x|), in a random direction


def is_close(answer: float, truth: float, tolerance: float = TOLERANCE) -> bool:
    """``|answer − truth| ≤ tolerance·|truth| + ABSOLUTE``: relative at every size (torch.isclose's
    rule with rtol=tolerance, atol=1e-12), so a small gradient needs its own digits: for a truth of
    2e-5, 2.0001e-5 is right and 0 is wrong. ABSOLUTE only forgives float round-off around 0."""
    return abs(answer - truth) <= tolerance * abs(truth) + ABSOLUTE


# -- the graph at other values of its leaves ---------------------------------------------------
def replay(root: Value, moved: Mapping[Value, float]) -> dict[Value, Value]:
    """root's graph computed again with the leaves in ``moved`` set to new values: each node of the
    graph → the Value it has there (an op's new local derivatives included). Each op is made again
    by the engine itself (``OPS[op].apply``), so the value *and* the local derivatives at the new
    point come from the op's own code, never from a copy of its rules here.

    Pure: the graph is not touched (a new Value is made for every node that depends on a moved leaf;
    the others are their old selves). Raises what the ops raise (log of a negative number, ...).
    """
    new: dict[Value, Value] = {}
    for node in forward_order(root):
        if node.is_leaf:
            new[node] = Value(moved[node], label=node.label) if node in moved else node
            continue
        inputs = [new[parent] for parent in node.parents]
        if all(now is before for now, before in zip(inputs, node.parents)):
            new[node] = node  # depends on no moved leaf: the same numbers
            continue
        if node.op not in OPS:  # not a ValueError: a formula must never pass unchecked elsewhere
            raise NotImplementedError(f"replay: no rule to compute the op {node.op!r} again")
        # A constant goes in as its number, as it was written (x ** 2, not x ** Value(2)); an n-ary
        # node's folded numbers go back where they were (engine.arguments reads node.roles).
        values = [p.data if p.is_constant else v for p, v in zip(node.parents, inputs)]
        new[node] = OPS[node.op].apply(*arguments(node, values))
    return new


@dataclass(frozen=True)
class Point:
    """The graph at one set of leaf values: every node's value, local derivatives and ∂L/∂node."""

    nodes: dict[Value, Value]  # a node of the graph → its Value at this point
    grads: dict[Value, float]  # a Value at this point → ∂L/∂it
    where: str  # the leaf values, as "w = -2.9, x = 2.1"

    def value(self, node: Value) -> float:
        return self.nodes[node].data

    def local(self, node: Value, index: int) -> float:
        """∂node/∂(its input number index), at this point."""
        return self.nodes[node].local_grads[index]

    def grad(self, node: Value) -> float:
        return self.grads[self.nodes[node]]


def _kinks(root: Value, nodes: dict[Value, Value]) -> tuple[bool, ...]:
    """Which side of its kink each relu's input is on: a formula is only compared where these agree."""
    return tuple(nodes[n.parents[0]].data > 0.0 for n in forward_order(root) if n.op == "relu")


# -- verdicts and questions -------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """``status``: "right", "wrong" or "unreadable" (not a number or formula of this graph: no try
    is used up); ``message`` says why, in a sentence."""

    status: str
    message: str

    @property
    def ok(self) -> bool:
        return self.status == "right"

    def __bool__(self) -> bool:  # ``if question.check(answer):`` means right
        return self.ok


@dataclass(frozen=True, eq=False)
class Question:
    """One thing to compute: ``prompt`` (``∂L/∂x``) ``= ?``, about ``exercise``'s graph.

    ``truth(point)`` is the true value at a Point; ``kind`` is "local", "grad" or "value";
    ``topic`` names the kind of step for the score ("local derivative of tanh"); ``hint`` is the
    rule; ``solution`` the worked answer shown after the last try; with ``formula`` a plain number
    is not an answer (the number may be on the screen already: the question is its formula).
    """

    prompt: str
    truth: Callable[[Point], float] = field(repr=False)
    exercise: Exercise = field(repr=False)
    kind: str = "value"
    topic: str = ""
    context: str = ""
    hint: str = field(default="", repr=False)  # the repr shows the question, never its answer
    solution: str = field(default="", repr=False)
    formula: bool = False

    @property
    def answer(self) -> float:
        """The true value here."""
        return self.truth(self.exercise.points[0])

    def check(self, answer: str | float) -> Verdict:
        return self.exercise.check(self, answer)


_IDENTIFIER = re.compile(r"\b[^\W\d]\w*")

class Exercise:
    """One graph to practise on: its questions, and the checker of answers about it.

    ``root`` is L; ``names`` gives an answer more names: a node of the graph (``{"H1": h}``) or a
    number that stays put (``{"t": 1.0}``, a target the graph holds as a constant); ``tolerance`` as
    in ``is_close``; ``seed`` chooses the moved points (the same ones every time). The graph is
    never changed: no data, no grad.
    """

    def __init__(self, root: Value, names: Mapping[str, Value | float] | None = None,
                 tolerance: float = TOLERANCE, seed: int = 0) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Exercise(root): root must be a Value, got {type(root).__name__}: {root!r}")
        if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance > 0):
            raise ValueError(f"Exercise(tolerance): a positive number, got {tolerance!r}")
        self.root, self.tolerance = root, float(tolerance)
        self.names = node_names(root)
        count: dict[str, int] = {}
        for name in self.names.values():
            count[name] = count.get(name, 0) + 1
        # The names an answer can use: identifiers naming one node (not v1 twice, not "w*x").
        self.variables: dict[str, Value | float] = {
            name: node for node, name in self.names.items()
            if name.isidentifier() and count[name] == 1 and name not in FUNCTIONS}
        for name, x in (names or {}).items():
            if not (isinstance(name, str) and name.isidentifier()) or iskeyword(name) or name in FUNCTIONS:
                raise ValueError(f"Exercise(names=...): {name!r} cannot be a name in an answer")
            if isinstance(x, Value) and x not in self.names:
                raise ValueError(f"Exercise(names=...): {name} = {x!r} is not a node of this graph")
            if not isinstance(x, Value) and not (isinstance(x, (int, float)) and math.isfinite(x)):
                raise ValueError(f"Exercise(names=...): {name} must be a node or a finite number, got {x!r}")
            self.variables[name] = x if isinstance(x, Value) else float(x)
        self.users: dict[Value, list[tuple[Value, int]]] = {}  # node → its (user, input index) edges
        for user in forward_order(root):
            for i, parent in enumerate(user.parents):
                self.users.setdefault(parent, []).append((user, i))
        self.points = self._points(seed)

    # -- the points a formula is checked at ----------------------------------------------------
    def _point(self, nodes: dict[Value, Value]) -> Point:
        where = ", ".join(f"{self.names[leaf]} = {number(nodes[leaf].data)}" for leaf in leaves(self.root))
        return Point(nodes, gradients(nodes[self.root]), where)

    def _points(self, seed: int) -> list[Point]:
        """This point, then up to MOVED_POINTS points with every leaf moved a little. A move that
        leaves an op's domain (log of a negative number) or crosses a relu's kink is made smaller,
        then tried the other way (a leaf at relu's kink, u = 0, can only move to u < 0)."""
        here = {node: node for node in forward_order(self.root)}
        points = [self._point(here)]
        kinks = _kinks(self.root, here)
        rng = random.Random(seed)
        for _ in range(MOVED_POINTS):
            directions = {leaf: rng.choice((-1, 1)) * rng.uniform(0.5, 1.0) for leaf in leaves(self.root)}
            if not directions:
                break
            for scale in [MOVE / 4 ** k for k in range(6)] + [-MOVE / 4 ** k for k in range(6)]:
                moved = {leaf: leaf.data + scale * d * max(1.0, abs(leaf.data))
                         for leaf, d in directions.items()}
                try:
                    nodes = replay(self.root, moved)
                except (ValueError, ArithmeticError):
                    continue
                if _kinks(self.root, nodes) == kinks:
                    points.append(self._point(nodes))
                    break
        return points

    # -- questions ------------------------------------------------------------------------------
    def ask(self, prompt: str, truth: Callable[[Point], float], **about: Any) -> Question:
        """A question of your own about this graph: ``truth(point)`` is its value at a Point
        (``point.value(node)``, ``point.grad(node)``, ``point.local(node, i)``); ``about`` sets
        kind, topic, context, hint, solution (text) and formula (True: a number is no answer)."""
        return Question(prompt, truth, self, **about)

    def grad(self, node: Value, prompt: str | None = None, **about: Any) -> Question:
        """∂L/∂node, with the chain-rule hint and worked solution (over all of node's users)."""
        names, L = self.names, operand(self.names[self.root])
        here = self.points[0]
        users = self._users(node)
        terms = [(here.local(user, i), here.grad(user)) for user, i in users]
        factors = " + ".join(f"{self._local_prompt(u, i)} · ∂{L}/∂{operand(names[u])}" for u, i in users)
        above = ", ".join(dict.fromkeys(  # x*x uses x twice: its gradient is found once
            f"∂{L}/∂{operand(names[u])} = {number(g)}" for (u, _), (_, g) in zip(users, terms)))
        worked = " + ".join(f"{number(a)} × {number(g)}" for a, g in terms)
        total = f"∂{L}/∂{operand(names[node])}"
        if len(users) > 1:
            topic = "a sum over several users"
            hint = (f"{names[node]} is used {len(users)} times: add the contributions, {total} = {factors} "
                    f"(found before: {above})")
        else:
            topic = "the chain-rule product"
            hint = (f"the chain rule: {total} = {factors}, the local derivative times the gradient above "
                    f"({above})")
        defaults = {"kind": "grad", "topic": topic, "hint": hint,
                    "context": f"{names[node]} = {number(here.value(node))}",
                    "solution": f"{total} = {factors} = {worked} = {number(here.grad(node))}"}
        return self.ask(prompt or total, lambda point: point.grad(node), **(defaults | about))

    def local(self, node: Value, index: int, **about: Any) -> Question:
        """∂node/∂(its input number index), with the op's rule as the hint."""
        names, here = self.names, self.points[0]
        parent = node.parents[index]
        op, (role, _) = OPS[node.op], node.roles[index]
        rule = op.rule
        if len(op.roles) > 1:  # this input's rule, with the reason the op's rule gives after its ':'
            reason = op.rule.partition(": ")[2]
            rule = op.edge_rule(role) + (f": {reason}" if reason else "")
        hint = rule + (f" (here {letters})" if (letters := self._letters(node, index)) else "")
        shown = [node, *dict.fromkeys(p for p in node.parents if not p.is_constant)]
        context = ", ".join(f"{names[n]} = {number(here.value(n))}" for n in shown)
        if sum(p is parent for p in node.parents) > 1:
            context += f"; {names[parent]} is input {index + 1} of {len(node.parents)} here"
        defaults = {"kind": "local", "topic": f"the local derivative of {node.op}", "hint": hint,
                    "context": context,
                    "solution": f"{number(here.local(node, index))}, by the rule {rule}"}
        return self.ask(self._local_prompt(node, index), lambda point: point.local(node, index),
                        **(defaults | about))

    def _letters(self, node: Value, index: int) -> str:
        """What the letters of the op's rule stand for here: "a = x, b = 3"; for an input of dot or
        linear its own product's, "wᵢ = w1, xᵢ = 0.5"; "" for a sum's term and the bias."""
        names, op = self.names, OPS[node.op]
        if op.arity is not None:
            return ", ".join(f"{letter} = {names[p]}" for letter, p in zip(op.roles, node.parents))
        role, k = node.roles[index]
        if role not in ("w", "x"):
            return ""
        other = "x" if role == "w" else "w"
        factor = partner(node, index)
        folded = dict(node.constants).get((other, k))
        shown = names[factor] if factor is not None else f"{folded:g}" if folded is not None else "?"
        return f"{role}ᵢ = {names[node.parents[index]]}, {other}ᵢ = {shown}"

    def _users(self, node: Value) -> list[tuple[Value, int]]:
        """Every (user, index) with ``user.parents[index] is node``: one per edge out of node."""
        return self.users.get(node, [])

    def _local_prompt(self, node: Value, index: int) -> str:
        # Out of the root, ∂L/∂x would read like the gradient of the same name: write the op (as
        # explain does), ∂tanh(n)/∂n.
        top = op_text(node, self.names) if node is self.root else self.names[node]
        return f"∂{operand(top)}/∂{operand(self.names[node.parents[index]])}"

    def questions(self, only: str | None = None) -> list[Question]:
        """Every question of the backward pass, in its order: for each node (after all its users),
        ∂L/∂node, then the local derivative of each of its inputs (constants have none).
        ``only``: "local" or "grads" for one kind."""
        if only not in (None, "local", "grads"):
            raise ValueError(f"questions(only=...): 'local', 'grads' or None, got {only!r}")
        asked: list[Question] = []
        for node in topological_order(self.root):
            # An input of L alone has ∂L/∂v = ∂L/∂v·1, its local derivative: asked once, as that.
            direct = only is None and all(user is self.root for user, _ in self._users(node))
            if node is not self.root and not node.is_constant and only != "local" and not direct:
                asked.append(self.grad(node))
            if only != "grads":
                asked += [self.local(node, i) for i, p in enumerate(node.parents) if not p.is_constant]
        return asked

    # -- checking an answer ---------------------------------------------------------------------
    def check(self, question: Question, answer: str | float) -> Verdict:
        """Whether ``answer`` (a number, or text: a number or a formula in this graph's names)
        answers ``question``."""
        if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
            if not math.isfinite(answer):
                return Verdict("unreadable", f"{answer} is not a finite number")
            answer = repr(float(answer))  # read as the text of the same number: 0.501, 2e-05
        if not isinstance(answer, str):
            return Verdict("unreadable", f"an answer is a number or text, got {type(answer).__name__}")
        text = answer.strip()
        if not text:
            return Verdict("unreadable", "no answer: type a number or a formula")
        if len(text) > MAX_ANSWER:
            return Verdict("unreadable",
                           f"the answer is {len(text)} characters long; the limit is {MAX_ANSWER}")
        words = [word for word in dict.fromkeys(_IDENTIFIER.findall(text))
                 if word not in FUNCTIONS and not iskeyword(word)]
        used = [name for name in words if name in self.variables]
        unknown = [name for name in words if name not in self.variables]
        here, *moved = self.points
        if question.formula and not used and not unknown:
            about = f" ({question.context})" if question.context else ""
            return Verdict("unreadable", f"write {question.prompt} as a formula, not as a number{about}")
        if unknown:  # what the parser says of the text comes first (x.real, lambda), then the names
            problem = self._evaluate(text, used, here, dict.fromkeys(unknown, 1.0))
            if isinstance(problem, str):
                return Verdict("unreadable", problem)
            known = ", ".join(self.variables) or "none: answer with a number"
            are = "is not a name" if len(unknown) == 1 else "are not names"
            return Verdict("unreadable", f"{_quoted(unknown)} {are} in this graph; its names are {known}")
        value = self._evaluate(text, used, here)
        if isinstance(value, str):
            return Verdict("unreadable", value)
        truth = question.truth(here)
        if not is_close(value, truth, self.tolerance):
            return Verdict("wrong", f"{text} is not it" if not used else f"{text} is {number(value)} here; "
                           "that is not it")
        if not used:
            return Verdict("right", f"right: {number(truth)}")
        for point in moved:  # a formula must be right where the leaves are moved, too
            value, truth = self._evaluate(text, used, point), question.truth(point)
            if isinstance(value, str) or not is_close(value, truth, self.tolerance):
                gives = (f"cannot be computed ({value})" if isinstance(value, str)
                         else f"gives {number(value)}")
                return Verdict("wrong", f"{text} is right here, but not as a formula: at {point.where} it "
                               f"{gives}, and the answer there is {number(truth)}")
        if not moved:  # no leaf could move (not expected: see _points): say what was checked
            return Verdict("right", f"right: {text} = {number(question.truth(here))} here (the formula "
                           "could not be checked elsewhere)")
        return Verdict("right", f"right: {text} = {number(question.truth(here))} here, and the "
                       f"formula holds at {len(moved)} nearby point{'s' if len(moved) != 1 else ''} too")

    def _evaluate(self, text: str, used: list[str], point: Point, others: dict | None = None) -> float | str:
        """The value of the answer at a point, or why it has none (a sentence)."""
        try:
            values = {name: point.value(x) if isinstance(x, Value) else x
                      for name, x in ((name, self.variables[name]) for name in used)}
            value = parse(text, values | (others or {})).data
        except ExpressionError as e:
            return str(e)
        if not math.isfinite(value):
            return f"{text} is {value} here, not a finite number"
        return value


def _quoted(names: list[str]) -> str:
    shown = [repr(name if len(name) <= 30 else name[:27] + "...") for name in names[:3]]
    if len(names) > 3:
        shown.append(f"{len(names) - 3} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
