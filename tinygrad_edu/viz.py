"""Pictures with Graphviz: the graph of a Value, and the network picture of an MLP.

In ``draw_dot`` every Value is a box ``name | data | grad`` and every op a small node of its own,
so an edge runs input → op → output. The edge from an input to its op carries the local derivative
the forward pass stored, ∂out/∂in: backward() multiplies exactly these numbers (chain rule), so the
picture shows every factor of every gradient. Names of unlabelled nodes come from
``trace.node_names``, the same names the step-by-step derivations use.

Everything that draws goes through ``to_svg`` or ``render``, laid out by the Graphviz backend in
use (``graphviz_backend``: the system ``dot`` or Graphviz in WebAssembly). ``draw_dot`` and
``draw_mlp`` return a ``graphviz_backend.Picture``, a graphviz.Digraph that Jupyter displays
through the same backend, and a display never raises: without a renderer, or for a graph too big
to read, it shows text.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import graphviz

from .blocks import block_graph, draw_blocks
from .engine import OPS, Value
from .files import write_atomic
from .graphviz_backend import TIMEOUT, Picture, draw, mimebundle
from .mathpage import number
from .nn import MLP
from .trace import forward_order, gradients, leaves, node_names, op_symbol

__all__ = ["draw_dot", "draw_mlp", "render", "to_svg", "repr_mimebundle", "grad_field", "local_derivative",
           "weight_pen", "FORMATS", "MAX_NODES", "DISPLAY_MAX_NODES"]

FORMATS = ("svg", "png", "pdf", "dot")  # render() picks one from the file's suffix
MAX_NODES = 500  # draw_dot's default limit: past it, a network's neuron-level picture (draw_mlp) says more
# A Value with more nodes than this displays in Jupyter as a text summary, not as a picture. The
# lecture's neuron has 6 to 30 nodes; one output of its MLP(3, [4, 4, 1]) 58, which still shows; its
# 4-example loss 130 (several screens wide), which shrunk to a notebook's width nobody can read
# (tests/test_readme.py counts both). draw_dot(v) displays any size: the way to see it anyway.
DISPLAY_MAX_NODES = 100

# draw_dot(by="scope")'s title: what its boxes and edges mean
BLOCKS_LEGEND = ("a box is a scope: its nodes, inputs → outputs\n"
                 "an edge A → B: the k values of A that B reads; "
                 "J: m×k = ∂(B's m outputs that depend on them)/∂(those k values)")
# Courier, every character 0.6 em wide: both Graphviz backends know its metrics, and every viewer
# has a monospace font of the same widths (Liberation Mono, DejaVu Sans Mono, Courier New), so the
# text stays inside the boxes Graphviz sized for it (with Helvetica, a viewer without it used wider text).
FONT = "Courier"
LEAF_FILL = "#dbeafe"  # leaves the user made: the inputs and parameters gradients are for
ROOT_FILL = "#fef3c7"  # the output (the loss)
HIGHLIGHT = "#dc2626"  # the node and edge of the current step (backward_frames)
POSITIVE, NEGATIVE, ZERO = "#2563eb", "#dc2626", "#9ca3af"  # weight colours in draw_mlp


def grad_field(grad: float | None) -> str:
    """A Value's grad field in draw_dot: ``grad 0.5010``, or ``grad`` and a blank when not known yet."""
    return "grad " if grad is None else f"grad {number(grad, exact=True)}"


def _text(s: str) -> graphviz.nohtml:
    """A plain DOT label: backslashes kept literally, newlines as line breaks, never read as HTML."""
    return graphviz.nohtml(s.replace("\\", "\\\\").replace("\n", "\\n"))


def _field(s: str) -> str:
    """One field of a record label: the characters records give a meaning are escaped."""
    return re.sub(r"([\\{}|<>])", r"\\\1", s.replace("\n", " "))


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    max_nodes: int = MAX_NODES,
    *,
    shown_grads: Mapping[Value, float] | None = None,
    highlight_node: Value | None = None,
    highlight_edge: tuple[Value, Value] | None = None,
    caption: str | None = None,
    by: str = "node",
    depth: int | None = None,
    expand: str | None = None,
) -> Picture:
    """The graph that computed ``root``: data and grad on every Value, ∂out/∂in on every edge.

    ``shown_grads`` (Value → grad): only these nodes show a grad, the others a blank one (a frame
    of the backward pass). ``highlight_node`` is drawn in red; ``highlight_edge = (parent, node)``
    highlights the edge from parent into node's op, the one carrying ∂L/∂node back to parent.
    ``caption`` is the graph's title. Node ids follow the forward pass's order, so the same graph
    always gives the same DOT source, byte for byte. They are the SVG's ids too, for a page to
    address: node i of ``trace.forward_order(root)`` is ``n{i}``, its op ``n{i}op``, the edge from
    its input j into the op ``n{i}in{j}`` (the one labelled ∂node/∂input) and from the op ``n{i}out``.

    ``by="scope"`` draws a graph of any size one box per scope (``tinygrad_edu.blocks``): how many
    nodes, inputs and outputs each has, and on each edge the shape of the Jacobian between them;
    ``depth=1`` keeps the top-level scopes only, ``expand="layer2"`` draws that block's scalar nodes
    (at most ``max_nodes``).
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_dot: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if by not in ("node", "scope"):
        raise ValueError(f"draw_dot: by must be 'node' or 'scope', got {by!r}")
    if by == "scope":
        if shown_grads is not None or highlight_node is not None or highlight_edge is not None:
            raise TypeError("draw_dot: shown_grads, highlight_node and highlight_edge draw single nodes; "
                            "they apply to by='node', not to by='scope'")
        dot = _picture("blocks", rankdir, f"{caption}\n\n{BLOCKS_LEGEND}" if caption else BLOCKS_LEGEND)
        return draw_blocks(dot, block_graph(root, depth), expand, max_nodes, show_grad)
    if depth is not None or expand is not None:
        raise TypeError("draw_dot: depth and expand apply to by='scope' (a picture of blocks), "
                        "not to by='node'")
    order = forward_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "for a network draw the neuron-level picture with draw_mlp(model), or pass a larger max_nodes"
        )
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    if highlight_node is not None and highlight_node not in ids:
        raise ValueError("draw_dot: highlight_node is not a node of root's graph")
    if highlight_edge is not None:
        parent, child = highlight_edge
        if child not in ids or not any(p is parent for p in child.parents):
            raise ValueError("draw_dot: highlight_edge must be (parent, node) with parent an input of node")
    if shown_grads is None and show_grad:
        shown_grads = {node: node.grad for node in order}
    names = node_names(root)
    across = rankdir in ("LR", "RL")  # braces turn a record's fields sideways: keep them one row

    dot = _picture("tinygrad_edu", rankdir, caption)
    for node in order:
        node_id, hot = ids[node], node is highlight_node
        emphasis = {"color": HIGHLIGHT, "penwidth": "3", "fontcolor": HIGHLIGHT} if hot else {}
        if node.is_constant:  # a number an op wrapped: no box of its own, nothing to learn
            dot.node(node_id, _text(names[node]), id=node_id, shape="plaintext", fontcolor="#6b7280",
                     **emphasis)
            continue
        # exact: an input 0.02 reads "0.02", not "0.02000" (a narrower box); others keep 4 digits
        fields = [_field(names[node]), f"data {number(node.data, exact=True)}"]
        if shown_grads is not None:
            fields.append(grad_field(shown_grads.get(node)))
        label = " | ".join(fields)
        fill = LEAF_FILL if node.is_leaf else ROOT_FILL if node is root else "white"
        dot.node(node_id, graphviz.nohtml(f"{{ {label} }}" if across else label), id=node_id,
                 shape="record", style="filled", fillcolor=fill, **emphasis)
        if node.is_leaf:
            continue
        op_id = f"{node_id}op"
        dot.node(op_id, _text(op_symbol(node)), id=op_id, shape="ellipse", margin="0.02", height="0.3",
                 **emphasis)
        dot.edge(op_id, node_id, id=f"{node_id}out")
        for i, parent in enumerate(node.parents):
            attrs = {"id": f"{node_id}in{i}"}
            # A constant is not differentiated with respect to (for x ** 2 the engine stores no ∂/∂2).
            if show_local_grads and not parent.is_constant:
                attrs["label"] = _text(" = ".join(local_derivative(node, i)))
            if highlight_edge is not None and highlight_edge[0] is parent and highlight_edge[1] is node:
                attrs.update(color=HIGHLIGHT, fontcolor=HIGHLIGHT, penwidth="3")
            dot.edge(ids[parent], op_id, **attrs)
    return dot


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def local_derivative(node: Value, i: int) -> tuple[str, str]:
    """The label of the edge from ``node``'s input i into its op, (what, how much), shown as
    ``what = how much``: the local derivative written in terms of the op (``engine.OPS``), so it
    never reads like a gradient ∂L/∂node — ``∂tanh(u)/∂u = 0.5010``, ``∂(a·b)/∂a = 2.000``; an op
    with any number of inputs names the input by its role and place, from 1, and the factor it is:
    ``∂(w·x + b)/∂w₂ = x₂ = 1.400``."""
    op = OPS[node.op]
    role, index = node.roles[i]
    k = op.roles.index(role)
    what = op.partials[k]
    if op.arity is None:
        place = str(index + 1).translate(_SUBSCRIPT)
        what = what.replace("ᵢ", place)
        if op.derivatives[k] != "1":
            what += f" = {op.derivatives[k].replace('ᵢ', place)}"
    return what, number(node.local_grads[i], exact=True)


def _picture(name: str, rankdir: str, caption: str | None) -> Picture:
    """An empty picture in draw_dot's style, titled ``caption`` (when given)."""
    dot = Picture(
        name,
        graph_attr={"rankdir": rankdir, "bgcolor": "white", "fontname": FONT},
        node_attr={"fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9", "color": "#4b5563"},
    )
    if caption is not None:
        dot.attr(label=_text(caption), labelloc="t", fontsize="14")
    return dot


def to_svg(graph: Value | graphviz.Digraph, *, timeout: float | None = TIMEOUT, **draw_options) -> str:
    """The SVG text of a Value (drawn with ``draw_dot(graph, **draw_options)``) or of a drawn graph.

    Laid out by ``graphviz_backend.draw`` within ``timeout`` seconds; raises a RenderError
    (GraphvizNotFoundError when nothing can draw, RenderTimeoutError past the time limit).
    """
    return draw(_drawn(graph, draw_options, "to_svg"), "svg", timeout=timeout).decode("utf-8")


def render(graph: Value | graphviz.Digraph, path: str | Path, *, timeout: float | None = TIMEOUT,
           **draw_options) -> Path:
    """Write a picture to ``path``; the format comes from the suffix: .svg, .png, .pdf or .dot.

    ``graph`` is a Value (drawn with ``draw_dot(graph, **draw_options)``) or a drawn graph, such as
    ``draw_mlp(model)``. A .dot file is the DOT source and needs no Graphviz; .svg works on either
    backend; .png and .pdf need the system ``dot`` and without it raise GraphvizNotFoundError,
    which says to install Graphviz or to write .svg. The layout is stopped after ``timeout``
    seconds (None: no limit) with a RenderTimeoutError; missing folders on the way are made.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(
            f"render: cannot tell the picture format from {str(path)!r}; "
            f"end the file name with one of {', '.join('.' + f for f in FORMATS)}"
        )
    graph = _drawn(graph, draw_options, "render")
    return write_atomic(path, graph.source if fmt == "dot" else draw(graph, fmt, timeout=timeout))


def _drawn(graph: Value | graphviz.Digraph, draw_options: dict, caller: str) -> graphviz.Digraph:
    if isinstance(graph, Value):
        return draw_dot(graph, **draw_options)
    if not isinstance(graph, graphviz.Digraph):
        raise TypeError(f"{caller}: expected a Value or a graphviz.Digraph, got {type(graph).__name__}")
    if draw_options:
        raise TypeError(f"{caller}: {', '.join(draw_options)} apply to a Value, not to a drawn graph")
    return graph


def repr_mimebundle(graph: Value | graphviz.Digraph) -> dict[str, str]:
    """What Jupyter shows for a Value or a Picture: its SVG and a text. It never raises.

    A Value whose graph has more than ``DISPLAY_MAX_NODES`` nodes shows a text summary instead,
    with the way to draw it anyway, and when some of its nodes were made in a scope, its picture
    by scope (``draw_dot(v, by="scope")``), readable at any size; when nothing can draw, the text
    says how to get a renderer.
    """
    if not isinstance(graph, Value):
        return mimebundle(graph, f"{type(graph).__name__}({graph.name!r})")
    order = forward_order(graph)
    if len(order) > DISPLAY_MAX_NODES:
        if any(node.scope for node in order):
            return mimebundle(draw_dot(graph, by="scope"), _summary(graph, order))
        return {"text/plain": _summary(graph, order)}
    return mimebundle(draw_dot(graph), repr(graph))


def _summary(root: Value, order: list[Value]) -> str:
    """A graph too big to display, in a few lines: its size, depth and root, and how to see it."""
    n = len(order)
    limit = "" if n <= MAX_NODES else f", max_nodes={n}"
    return (f"{root!r}\n"
            f"a graph too big to display ({n} nodes, more than DISPLAY_MAX_NODES = {DISPLAY_MAX_NODES}): "
            f"{_count(len(leaves(root)), 'leaf', 'leaves')}, depth {root.depth}\n"
            f"to see it anyway: draw_dot(v{limit}), or render(v, 'graph.svg'{limit}) and open the file; "
            "for a network, draw_mlp(model) draws one node per neuron, and draw_dot(v, by='scope') one "
            "box per scope")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def draw_mlp(model: MLP, inputs: Sequence[float] | None = None, loss: Value | float | None = None,
             rankdir: str = "LR", *, grads: Sequence[float] | None = None, numbers: bool = True) -> Picture:
    """The network as a textbook draws it: one node per input and per neuron, one edge per weight.

    Each neuron shows its activation and bias; each edge its weight ``w``, blue when positive and
    red when negative, thicker the larger ``|w|`` (``weight_pen``). With ``inputs`` the forward pass
    runs (``model.describe().forward``) and each neuron shows its output. With ``loss`` (a Value)
    every edge also shows ∂L/∂w and every neuron ∂L/∂b of this loss (named L, or by its label: ∂J/∂w
    for a loss labelled J), computed from zero (``trace.gradients``: whatever the grads hold, and no
    ``.grad`` changes; 0 for a weight the loss does not use): the update is ``w ← w − α·∂L/∂w``.
    ``grads``: the gradients to show instead, one per parameter in ``model.parameters()`` order
    (a step recorded without its graph); ``loss`` may then be the loss's number, or None.
    ``numbers=False``: weights as colour and width only, neurons by their activation: a whole
    network at a glance (the training page shows the numbers on hover).

    The SVG's ids, for a page to address: parameter k of ``model.parameters()`` is ``p{k}`` (a weight
    its edge, a bias its neuron), input i ``x{i}``, the loss ``loss``.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"draw_mlp: model must be a tinygrad_edu.nn.MLP, got {type(model).__name__}")
    structure, params = model.describe(), model.parameters()
    values = [p.data for p in params]
    nin = structure.sizes[0]
    outputs = None
    if inputs is not None:
        point = [float(x) for x in inputs]
        if len(point) != nin:
            raise ValueError(f"draw_mlp: the model takes {nin} inputs, got {len(point)}")
        outputs = [[column[0] for column in layer] for layer in structure.forward(values, [point])]
    if grads is not None:
        shown = [float(g) for g in grads]
        if len(shown) != len(params):
            raise ValueError(f"draw_mlp: grads must hold one number per parameter ({len(params)}), "
                             f"got {len(shown)}")
    elif isinstance(loss, Value):
        of_loss = gradients(loss)  # .grad would show the sum of every backward() run so far
        shown = [of_loss.get(p, 0.0) for p in params]
    elif loss is not None:
        raise TypeError(f"draw_mlp: loss must be a Value (or its number, with grads=), "
                        f"got {type(loss).__name__}")
    with_grads = (grads is not None or loss is not None) and numbers
    L = loss.label if isinstance(loss, Value) and loss.label else "L"
    biggest = max(abs(values[structure.position(l, j, i)]) for l in range(1, len(structure.sizes))
                  for j in range(structure.sizes[l]) for i in range(structure.sizes[l - 1])) or 1.0

    dot = Picture(
        "mlp",
        graph_attr={"rankdir": rankdir, "bgcolor": "white", "fontname": FONT, "nodesep": "0.3",
                    "ranksep": "1.6" if numbers else "2.4"},
        node_attr={"fontname": FONT, "fontsize": "11"},
        edge_attr={"fontname": FONT, "fontsize": "9"},
    )
    previous = [f"x{i}" for i in range(nin)]
    with _column(dot, "inputs", previous) as column:
        for i, node_id in enumerate(previous):
            value = f" = {number(float(inputs[i]))}" if inputs is not None and numbers else ""
            column.node(node_id, _text(f"x[{i}]{value}"), id=node_id, shape="circle", style="filled",
                        fillcolor=LEAF_FILL)
    for l, (size, activation) in enumerate(zip(structure.sizes[1:], structure.activations), 1):
        ids = [f"l{l}n{j}" for j in range(size)]
        with _column(dot, f"layer{l}", ids) as column:
            for j, node_id in enumerate(ids):
                bias = structure.position(l, j)
                # n1[0] is the neuron whose bias nn labels b1[0] and whose weights w1[0,i]
                lines = ([f"n{l}[{j}]  {activation}", f"b = {number(values[bias])}"] if numbers
                         else [activation])
                if with_grads:
                    lines.append(f"∂{L}/∂b = {number(shown[bias])}")
                if outputs is not None and numbers:
                    lines.append(f"out = {number(outputs[l - 1][j])}")
                column.node(node_id, _text("\n".join(lines)), id=f"p{bias}", shape="ellipse")
        for j, node_id in enumerate(ids):
            for i, source in enumerate(previous):
                k = structure.position(l, j, i)
                colour, width = weight_pen(values[k], biggest)
                label = {}
                if numbers:
                    text = f"{structure.names[k] or 'w'} = {number(values[k])}"
                    if with_grads:
                        text += f"\n∂{L}/∂w = {number(shown[k])}"
                    # decorate: a line from the label to its edge, so each number is clearly one edge's
                    label = {"label": _text(text), "fontcolor": colour, "decorate": "true"}
                dot.edge(source, node_id, id=f"p{k}", color=colour, penwidth=width, **label)
        previous = ids
    if loss is not None:
        loss_value = loss.data if isinstance(loss, Value) else float(loss)
        dot.node("loss", _text(f"{L} = {number(loss_value)}"), id="loss", shape="box", style="filled",
                 fillcolor=ROOT_FILL)
        for node_id in previous:
            dot.edge(node_id, "loss", style="dashed", color=ZERO)
    return dot


def weight_pen(w: float, biggest: float) -> tuple[str, str]:
    """How draw_mlp draws a weight w: (colour, pen width) — blue when w > 0, red when w < 0, grey at
    0 (and NaN), 0.5 + 3.5·|w| / biggest points wide, biggest being the largest |w| of the network."""
    colour = POSITIVE if w > 0 else NEGATIVE if w < 0 else ZERO
    return colour, f"{0.5 + 3.5 * min(1.0, abs(w) / biggest):.2f}" if math.isfinite(w) else "0.50"


@contextlib.contextmanager
def _column(dot: graphviz.Digraph, name: str, ids: list[str]):
    """One layer of draw_mlp: its nodes on one rank, kept in index order by invisible edges."""
    with dot.subgraph(name=name) as column:
        column.attr(rank="same")
        yield column
        for upper, lower in zip(ids, ids[1:]):
            column.edge(upper, lower, style="invis")
