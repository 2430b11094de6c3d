"""The backward pass, one chain-rule step at a time.

``backward()`` applies one rule to every edge of the graph, from the output back to the leaves:

    ∂L/∂parent += ∂node/∂parent · ∂L/∂node
                  (local grad)    (upstream grad)

``gradients(root)`` applies the same rule on the side, into a dict, and returns ∂root/∂node for
every node; ``trace_backward(root)`` also writes each step down as a ``BackwardStep``, and
``explain(root)`` turns the steps into the derivation a teacher writes on the board. All three are
pure: they start from zero for this root and leave every ``.grad`` as they found it, so they show
the same numbers on every call, whatever ``backward()`` did before. ``node_names`` gives the nodes
the short names that pictures use too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .engine import OPS, Value, real, topological_order
from .mathpage import number

__all__ = ["BackwardStep", "gradients", "trace_backward", "explain", "step_equation", "node_names",
           "definition", "forward_order", "leaves", "jacobian", "op_text", "op_symbol", "partner",
           "operand", "shown_steps"]


def node_names(root: Value) -> dict[Value, str]:
    """A short, stable name for every node of root's graph, shared by pictures and derivations.

    A node's label when it has one; an unlabelled root is "L" (the loss); a constant is its number;
    every other node is v1, v2, ... in the order the forward pass computed them. The same graph
    always gets the same names.
    """
    order = forward_order(root)
    taken = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    count = 0
    for node in order:
        if node.label:
            name = node.label
        elif node is root and "L" not in taken:
            name = "L"
        elif node.is_constant:
            name = f"{node.data:g}"
        else:
            count += 1
            while f"v{count}" in taken:
                count += 1
            name = f"v{count}"
        names[node] = name
    return names


def definition(root: Value, expression: str) -> str:
    """What root is and its value, as a derivation starts: ``L = (w*x - y)**2 = 4.000`` for the
    expression root was made from; a root named by the expression itself is not written twice:
    ``x = 2.000``, not ``x = x = 2.000``."""
    name = node_names(_check_root(root, "definition"))[root]
    if not isinstance(expression, str):
        raise TypeError("definition(expression): the text root was made from, got "
                        f"{type(expression).__name__}: {expression!r}")
    named = name if expression.strip() == name else f"{name} = {expression.strip()}"
    return f"{named} = {number(root.data)}"


def forward_order(root: Value) -> list[Value]:
    """Every node of root's graph in the order one computes them by hand, reading left to right:
    ``w*x + b`` gives w, x, w*x, b, w*x + b. Each node comes after its inputs."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:  # depth first, first input first; a stack, so deep graphs need no recursion
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents))
    return order


def leaves(root: Value) -> list[Value]:
    """The leaves the user made (not constants), in reading order: ``w*x + b`` gives w, x, b."""
    return [node for node in forward_order(root) if node.is_leaf and not node.is_constant]


@dataclass(frozen=True)
class BackwardStep:
    """One chain-rule step:  ∂L/∂parent += local_grad · upstream_grad.

    ``node``               the node being processed (its gradient is complete)
    ``parent``             one of its inputs, receiving gradient
    ``local_grad``         ∂node/∂parent, computed in the forward pass
    ``upstream_grad``      ∂L/∂node
    ``contribution``       local_grad · upstream_grad
    ``parent_grad_after``  ∂L/∂parent summed so far, this step included (the final ∂L/∂parent once
                           every user of parent has passed its share: a sum when it has several)
    """

    node: Value
    parent: Value
    local_grad: float
    upstream_grad: float
    contribution: float
    parent_grad_after: float


def _check_root(root: object, function: str) -> Value:
    if not isinstance(root, Value):
        raise TypeError(f"{function}(root): root must be a Value, got {type(root).__name__}: {root!r}")
    return root


def _chain_rule(root: Value, gradient: float, steps: list[BackwardStep] | None) -> dict[Value, float]:
    """∂root/∂node for every node (times gradient), from zero, into a dict: no .grad is read or
    written. Appends each step to ``steps`` when given. The one chain-rule loop of this module.

    The order is ``backward()``'s (``topological_order``: a node after all its users), so a node's
    gradient is complete when its turn comes; within a node its inputs come in order.
    """
    grads = {root: gradient}
    for node in topological_order(root):
        upstream = grads[node]  # complete: every user of node came earlier in the order
        for parent, local in zip(node.parents, node.local_grads):
            contribution = local * upstream
            total = grads.get(parent, 0.0) + contribution
            grads[parent] = total
            if steps is not None:
                steps.append(BackwardStep(node, parent, local, upstream, contribution, total))
    return grads


def gradients(root: Value, gradient: float = 1.0) -> dict[Value, float]:
    """∂root/∂node for every node of root's graph (constants and root itself included), as
    ``root.backward(gradient)`` on fresh grads would leave them in ``node.grad``.

    Pure: computed from zero on the side, whatever the grads hold; every ``.grad`` is left as it
    was. A picture or a derivation of *this* root shows these numbers, not ``.grad``, which sums
    every ``backward()`` run so far.
    """
    _check_root(root, "gradients")
    return _chain_rule(root, real(gradient, "gradients(gradient)"), None)


def trace_backward(root: Value, gradient: float = 1.0) -> list[BackwardStep]:
    """The chain-rule steps of ``root.backward(gradient)``, in the order it applies them, with
    their numbers: ∂root/∂node from zero, as ``gradients(root)`` gives them.

    Pure: no ``.grad`` is read or changed, so the steps are the same on every call (call
    ``backward()`` when the grads should be filled in). ``topological_order`` is the order
    ``backward()`` walks (deepest level first); within a node the first input comes first. A leaf
    root has no steps.
    """
    _check_root(root, "trace_backward")
    steps: list[BackwardStep] = []
    _chain_rule(root, real(gradient, "trace_backward(gradient)"), steps)
    return steps


def shown_steps(steps: list[BackwardStep]) -> list[BackwardStep]:
    """The steps worth showing a learner: all but those into constants (the 2 in ``x * 2``)."""
    return [step for step in steps if not step.parent.is_constant]


# -- writing the derivation ------------------------------------------------------------------
@dataclass(frozen=True)
class _Style:
    name: Callable[[str], str]  # how a node's name is written
    d: Callable[[str, str], str]  # ∂top/∂bottom
    relations: dict[str, str]  # "=", "+=", "<-" and "->" as this style writes them
    numeral: Callable[[str], str]  # how a number written by ``number`` (or ``:g``) is written here
    dot: str
    times: str
    minus: str
    alpha: str

    def number(self, x: float) -> str:
        return self.numeral(number(x))


def _is_simple(name: str) -> bool:
    """A name that needs no parentheses: an identifier (``w1[0,2]`` too), a number or a call
    (not ``w*x + b``)."""
    return re.fullmatch(r"[^\W\d][\w.]*(\[[\w,]*\])?(\([^()]*\))?|-?[\d.]+(e[-+]?\d+)?", name) is not None


def operand(name: str) -> str:
    """A name as it reads after ∂: a sub-expression in parentheses, ∂(w*x + b)/∂(w*x)."""
    return name if _is_simple(name) else f"({name})"


_LATEX_SPECIAL = {c: "\\" + c for c in "#$%&_{}"} | {"\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"}


# a name's pieces: **, an identifier (w1[0,2] too), a number, a space, any other character
_LATEX_TOKEN = re.compile(r"(?P<power>\*\*)|(?P<word>[^\W\d][\w.]*(?:\[[\w,]*\])?)"
                          r"|(?P<number>\d[\d.]*(?:e[-+]?\d+)?)|(?P<space>\s+)|(?P<other>.)", re.S)
# A function of the expression language as LaTeX writes it (OPS[op].latex: \tanh, \sigma, \operatorname{relu})
_LATEX_CALLS = {op.expr_name: op.latex.format("{0}").removesuffix("({0})")
                for op in OPS.values() if op.expr_name and op.expr_name.isidentifier()}
_LATEX_SYMBOLS = {"·": r" \cdot ", "×": r" \times ", "−": " - ", "Σ": r"\sum ", "…": r"\ldots{}"}


def _latex_char(c: str) -> str:
    """One character for LaTeX math: specials escaped, Greek letters as commands (α → {\alpha})."""
    if c in _LATEX_SPECIAL or c in _LATEX_SYMBOLS:
        return _LATEX_SPECIAL.get(c) or _LATEX_SYMBOLS[c]
    greek = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER (\w+)", unicodedata.name(c, ""))
    if greek:
        letter = greek.group(2).lower()
        return "{\\" + (letter if greek.group(1) == "SMALL" else letter.capitalize()) + "}"
    return c


def _latex_number(text: str) -> str:
    r"""A number as LaTeX math: ``1.808e-05`` → ``1.808 \times 10^{-5}``, ``inf`` → ``\infty``."""
    mantissa, e, exponent = text.partition("e")
    if text.lstrip("-") in ("inf", "nan"):
        return text.replace("inf", r"\infty").replace("nan", r"\mathrm{NaN}")
    return mantissa + (rf" \times 10^{{{int(exponent)}}}" if e else "")


def _latex_name(name: str) -> str:
    r"""A name as LaTeX math: ``w*x`` → ``w \cdot x``, ``(w*x - y)**2`` → ``(w \cdot x - y)^{2}``,
    names of several letters upright (``\mathrm{v1}``), numbers as numbers (``1e-05`` →
    ``1 \times 10^{-5}``), in parentheses where ``operand`` puts them. Any text is written as
    characters LaTeX prints (``_`` → ``\_``, ``{`` → ``\{``), so a label cannot break the math."""
    tokens = [(m.lastgroup, m.group()) for m in _LATEX_TOKEN.finditer(name) if m.lastgroup != "space"]
    out: list[str] = []
    depth = 0  # parentheses open
    exponents: list[int] = []  # the depth at which each open superscript started
    for k, (kind, token) in enumerate(tokens):
        after = tokens[k + 1][1] if k + 1 < len(tokens) else ""
        if kind == "power":
            out.append("^{")
            exponents.append(depth)
            continue
        if kind == "word":
            escaped = "".join(map(_latex_char, token))
            if after == "(":
                out.append(_LATEX_CALLS.get(token, rf"\operatorname{{{escaped}}}"))
            else:
                out.append(escaped if len(token) == 1 else rf"\mathrm{{{escaped}}}")
        elif kind == "number":
            out.append(_latex_number(token))
        elif token == "*":
            out.append(r" \cdot ")
        elif token in "+-" and k and (tokens[k - 1][0] in ("word", "number") or tokens[k - 1][1] in ")…"):
            out.append(f" {token} ")  # binary: spaced as in the text; unary (-x, x**-1) tight
        else:
            depth += (token == "(") - (token == ")")
            out.append(_latex_char(token))
        ends_operand = (kind in ("word", "number") or token == ")") and after not in ("(", "**")
        while ends_operand and exponents and exponents[-1] == depth:  # x**2 ends here: close ^{2}
            out.append("}")
            exponents.pop()
    out += "}" * len(exponents)  # a label cut short, such as "x**"
    latex = "".join(out)
    return latex if _is_simple(name) else f"({latex})"


_STYLES = {
    "text": _Style(operand, lambda top, bottom: f"∂{top}/∂{bottom}",
                   {"=": " = ", "+=": " += ", "<-": " ← ", "->": " → "}, str, " · ", " × ", " − ", "α"),
    "latex": _Style(_latex_name, lambda top, bottom: rf"\frac{{\partial {top}}}{{\partial {bottom}}}",
                    {"=": " = ", "+=": r" \mathrel{+}= ", "<-": r" \leftarrow ", "->": r" \;\Rightarrow\; "},
                    _latex_number, r" \cdot ", r" \times ", " - ", r"\alpha"),
}


def explain(root: Value, style: str = "text", lr: float | None = None,
            params: Iterable[Value | str] | None = None) -> str:
    """The backward pass as a derivation, one chain-rule step per line, e.g.

        ∂L/∂w += ∂z/∂w · ∂L/∂z = 2.0000 × -0.5000 = -1.0000

    then every leaf's gradient ∂L/∂leaf and, with a learning rate ``lr``, the gradient-descent
    update ``w ← w − α·∂L/∂w`` of each parameter (written down only: no data changes). ``params``
    says which leaves are parameters (Values or their names, such as ``["w", "b"]``: the inputs and
    targets of ``(w*x - y)**2`` are not updated); without it every leaf is, and the heading says
    so. Nodes are named by ``node_names`` (labels, else L, v1, v2, ...); a step's running total is
    shown when a node collects gradient from several users. Steps into constants are left out.

    ``style``: "text" (a terminal), "markdown" (a notebook cell; math in $...$) or "latex" (an
    ``align*`` environment for slides, needs amsmath).

    Pure: the numbers are ∂root/∂node from zero (``trace_backward``), whatever the grads held; no
    ``.grad`` changes, and the same graph always gives the same text. ``root.backward()`` fills
    the grads in.
    """
    _check_root(root, "explain")
    if style not in ("text", "markdown", "latex"):
        raise ValueError(f"explain: style must be 'text', 'markdown' or 'latex', got {style!r}")
    if lr is not None:
        lr = real(lr, "explain(lr)")
        if not (math.isfinite(lr) and lr > 0.0):
            raise ValueError(f"explain: the learning rate lr must be a positive number, got {lr!r}")
    plain = node_names(root)
    updated = _parameters(root, params, plain, lr)
    s = _STYLES["text" if style == "text" else "latex"]
    names = {node: s.name(name) for node, name in plain.items()}
    L = names[root]
    root_op = s.name(op_text(root, plain))

    def grad(node: Value) -> str:
        return s.d(L, names[node])

    def math_text(text: str) -> str:  # math inside a heading
        return text if style == "text" else f"${text}$"

    steps: list[BackwardStep] = []
    grads = _chain_rule(root, 1.0, steps)
    sections: list[tuple[str, list[tuple[str, str, str]]]] = []  # (heading, [(lhs, relation, rhs)])
    lines = [(grad(root), "=", s.number(1.0))]  # where every backward pass starts: ∂L/∂L = 1
    lines += [_step_row(step, names, root, root_op, s) for step in shown_steps(steps)]
    sections.append(("Backward pass, one chain-rule step per line:", lines))
    if not root.is_leaf:  # a root that is a leaf itself has no other: its ∂L/∂L = 1 is above
        sections.append(("Gradients of the leaves:",
                         [(grad(leaf), "=", s.number(grads[leaf])) for leaf in leaves(root)]))
    if lr is not None:
        dot = s.dot.strip()  # α·∂L/∂w, tight
        which = ("every leaf treated as a parameter (none were named)" if params is None else
                 "parameters " + ", ".join(math_text(names[leaf]) for leaf in updated))
        sections.append((f"Gradient descent with learning rate {math_text(s.alpha)} = {lr:g}, {which}:", [
            (names[leaf], "<-", f"{names[leaf]}{s.minus}{s.alpha}{dot}{grad(leaf)} = {s.number(leaf.data)}"
             f"{s.minus}{s.numeral(f'{lr:g}')}{s.times}{s.number(grads[leaf])} = "
             f"{s.number(leaf.data - lr * grads[leaf])}")
            for leaf in updated]))
    return _layout(sections, style, s)


def _parameters(root: Value, params: Iterable[Value | str] | None, names: dict[Value, str],
                lr: float | None) -> list[Value]:
    """The leaves explain updates, in reading order: those params names (Values or names), else all."""
    graph_leaves = leaves(root)
    if params is None:
        return graph_leaves
    if lr is None:
        raise ValueError("explain: params says which leaves gradient descent updates; "
                         "give a learning rate lr too")
    if isinstance(params, (str, Value)):  # one parameter on its own
        params = [params]
    known = ", ".join(names[leaf] for leaf in graph_leaves) or "none"
    chosen: set[Value] = set()
    for param in params:
        if isinstance(param, str):
            found = [leaf for leaf in graph_leaves if names[leaf] == param]
        elif isinstance(param, Value):
            found = [param] if param in graph_leaves else []
        else:
            raise TypeError(f"explain: params must be Values or names of leaves, got {type(param).__name__}: "
                            f"{param!r}")
        if not found:
            shown = param if isinstance(param, str) else names.get(param, param.label or repr(param))
            raise ValueError(f"explain: the parameter {shown!r} is not a leaf of the graph; "
                             f"its leaves are {known}")
        chosen.update(found)
    if not chosen:
        raise ValueError(f"explain: params is empty; name at least one of the leaves {known}")
    return [leaf for leaf in graph_leaves if leaf in chosen]


def op_symbol(node: Value) -> str:
    """The op as pictures write it (``OPS[op].symbol``): ``·``, ``tanh``, ``w·x + b``; "" for a leaf."""
    return OPS[node.op].symbol if node.op else ""


def partner(node: Value, i: int) -> Value | None:
    """For a dot or linear node, the input whose value is ∂node/∂(its input i): since
    ∂(w·x)/∂wᵢ = xᵢ and ∂(w·x)/∂xᵢ = wᵢ, that is xᵢ for wᵢ and wᵢ for xᵢ, read from
    ``node.roles``. None for other ops, for the bias, and when the factor is a number the node
    folded in (it has no node)."""
    if node.op not in ("dot", "linear"):
        return None
    role, k = node.roles[i]
    other = {"w": ("x", k), "x": ("w", k)}.get(role)
    return next((q for q, r in zip(node.parents, node.roles) if r == other), None)


def op_text(node: Value, names: dict[Value, str]) -> str:
    """The op that made node, written with its inputs' names (``OPS[op].text``): ``v2*w``,
    ``tanh(v3)``, ``v1 + b``, ``-v1``; a long sum shortened, ``a + b + … + e``; a dot or linear node
    by its formula, ``w·x + b``; a leaf by its own name. ``names`` is ``node_names(root)``."""
    if node.is_leaf:  # a leaf made nothing
        return names[node]
    op = OPS[node.op]
    called = "({0})" in op.text  # tanh({0}) has its parentheses; -{0} and {0}*{1} need an operand's
    inputs = [names[p] if called else operand(names[p]) for p in node.parents]
    if node.op == "sum" and len(inputs) > 4:
        inputs = [inputs[0], inputs[1], "…", inputs[-1]]
    return op.write(inputs)


def _step_row(step: BackwardStep, names: dict[Value, str], root: Value, root_op: str,
              s: _Style) -> tuple[str, str, str]:
    """∂L/∂parent += ∂node/∂parent · ∂L/∂node = local × upstream = contribution (→ the sum so far).

    Out of the root L, the local derivative ∂L/∂w would read like the total gradient of the same
    name, so it is written with the root's op instead: ∂(v2*w)/∂w.
    """
    L = names[root]
    local = s.d(root_op if step.node is root else names[step.node], names[step.parent])
    grad_parent = s.d(L, names[step.parent])
    rhs = (f"{local}{s.dot}{s.d(L, names[step.node])} = "
           f"{s.number(step.local_grad)}{s.times}{s.number(step.upstream_grad)} = "
           f"{s.number(step.contribution)}")
    if step.parent_grad_after != step.contribution:  # it already had gradient: show the sum
        rhs += f"{s.relations['->']}{grad_parent} = {s.number(step.parent_grad_after)}"
    return grad_parent, "+=", rhs


def step_equation(step: BackwardStep, names: dict[Value, str], root: Value) -> str:
    """One step as a line of text: ``∂L/∂w += ∂z/∂w · ∂L/∂z = 2.0000 × -0.5000 = -1.0000``;
    ``names`` is ``node_names(root)``."""
    s = _STYLES["text"]
    styled = {node: s.name(name) for node, name in names.items()}
    lhs, relation, rhs = _step_row(step, styled, root, s.name(op_text(root, names)), s)
    return f"{lhs}{s.relations[relation]}{rhs}"


def _layout(sections: list[tuple[str, list[tuple[str, str, str]]]], style: str, s: _Style) -> str:
    """The sections as a terminal text, a Markdown cell or a LaTeX align* environment."""
    out = []
    for heading, lines in sections:
        if style == "text":
            out += [heading, *(f"  {lhs}{s.relations[rel]}{rhs}" for lhs, rel, rhs in lines), ""]
        elif style == "markdown":
            out += [heading, "", *(f"- ${lhs}{s.relations[rel]}{rhs}$" for lhs, rel, rhs in lines), ""]
        else:
            out.append(rf"\intertext{{{heading}}}" if out else rf"\begin{{align*}}  % {heading}")
            out += [rf"{lhs} &{s.relations[rel].strip()} {rhs} \\" for lhs, rel, rhs in lines]
    if style == "latex":
        out[-1] = out[-1].removesuffix(r" \\")  # no empty row at the end
        out.append(r"\end{align*}")
    return "\n".join(out).rstrip("\n") + "\n"


# -- Jacobians: the chain rule for a block of nodes --------------------------------------------
def jacobian(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value]) -> list[list[float]]:
    """The Jacobian of ``outputs`` with respect to ``inputs``, a matrix as a list of rows:

        J[i][j] = ∂outputs[i]/∂inputs[j]        (0 where inputs[j] is not in outputs[i]'s graph)

    Row i is one reverse pass from outputs[i] over the stored local derivatives (``gradients``):
    no new graph, no nudging. A single Value counts as a list of one. For a block of the graph
    that every path from L to the inputs goes through (a layer, say), the chain rule for
    matrices gives the inputs' gradients from the outputs':

        δ_inputs = Jᵀ · δ_outputs        (∂L/∂inputs[j] = Σᵢ J[i][j] · ∂L/∂outputs[i])

    Pure, like ``gradients``: no ``.grad`` is read or written.
    """
    rows = _values(outputs, "outputs")
    columns = _values(inputs, "inputs")
    return [[grads.get(x, 0.0) for x in columns] for grads in map(gradients, rows)]


def _values(values: object, what: str) -> list[Value]:
    """A Value, or a list of them, as a list; anything else a TypeError naming jacobian's argument."""
    if isinstance(values, Value):
        return [values]
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"jacobian({what}): a Value or a list of Values, got {type(values).__name__}: "
                        f"{values!r:.80}")
    for k, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"jacobian({what}): {what}[{k}] must be a Value, "
                            f"got {type(v).__name__}: {v!r:.80}")
    if not values:
        raise ValueError(f"jacobian({what}): the list is empty; a Jacobian needs at least one {what[:-1]}")
    return list(values)
