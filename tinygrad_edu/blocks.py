"""Block pictures: a graph of any size seen one scope at a time, where the chain rule is matrices.

A scope (``with tinygrad_edu.scope("attention"): ...``) names the nodes made inside it. Seen by
scope, the graph is a handful of blocks. A block's *inputs* are the nodes outside it that its nodes
read; its *outputs* are its nodes read from outside it (and the root, the graph's result). Between
two blocks A → B flow the values of A that B reads, x₁..xₖ, and the m outputs of B that depend on
them, y₁..yₘ, through the Jacobian

    J = ∂(y₁..yₘ)/∂(x₁..xₖ)        an m × k matrix,  so that  δₓ += Jᵀ · δ_y

(δ = ∂L/∂·): the scalar chain rule ∂L/∂x += ∂y/∂x · ∂L/∂y, one block at a time. ``block_graph``
finds the blocks, their inputs and outputs and the flows between them (with J's shape) in one pass
over the graph (and, for J's rows, one over a block per flow into it); ``draw_blocks`` draws them,
one box per block, and can expand one block into its scalar nodes. ``viz.draw_dot(root, by="scope")``
is the way to call it.

Nodes made outside any scope are grouped too: the leaves the user made (data, parameters) form
one block ``(leaves)``, and the ops form one block ``(no scope)`` per connected piece (numbered
``(no scope) 1``, ``2``, ... in the order the forward pass made them, when there are several).
Constants (the 2 in ``x * 2``) are folded numbers, not values that flow, and are left out.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import graphviz

from .engine import Value
from .mathpage import number
from .trace import forward_order, node_names, op_symbol

__all__ = ["Block", "Flow", "BlockGraph", "block_graph", "draw_blocks", "LEAVES", "NO_SCOPE"]

LEAVES = "(leaves)"  # the block of the leaves made outside any scope
NO_SCOPE = "(no scope)"  # the block(s) of the ops made outside any scope
LEAF_FILL = "#dbeafe"  # as in draw_dot: the leaves, the inputs and parameters gradients are for
ROOT_FILL = "#fef3c7"  # the block that holds the output (the loss)
CLUSTER_FILL = "#f9fafb"  # a scope that holds other scopes; the expanded block
FRAME_COLOUR = "#9ca3af"

_scope_of: Callable[[Value], str] = operator.attrgetter("scope")


@dataclass(frozen=True)
class Block:
    """One scope's nodes (its leaves included, constants left out), in the forward pass's order;
    ``inputs``: the nodes outside it that they read; ``outputs``: those of them read from outside
    (and the root, when it is here)."""

    name: str
    nodes: tuple[Value, ...]
    inputs: tuple[Value, ...]
    outputs: tuple[Value, ...]

    @property
    def leaves(self) -> int:
        """How many of its nodes are leaves (parameters, data made in this scope)."""
        return sum(node.is_leaf for node in self.nodes)


@dataclass(frozen=True)
class Flow:
    """The values of block ``source`` that block ``target`` reads; ``shape`` is (m, k), the shape
    of the Jacobian ∂(target's outputs)/∂(these k values), counting the m outputs that depend on
    them (the other outputs' rows are zero)."""

    source: str
    target: str
    values: tuple[Value, ...]
    shape: tuple[int, int]


@dataclass(frozen=True)
class BlockGraph:
    """root's graph by scope: its blocks (in the order their results are ready: by the depth of their
    first output that is no leaf; a block of leaves first), the flows between them, and which block
    each node is in."""

    root: Value
    blocks: dict[str, Block]
    flows: list[Flow]
    block_of: dict[Value, str]


def block_graph(root: Value, depth: int | None = None,
                scope_of: Callable[[Value], str] = _scope_of) -> BlockGraph:
    """The blocks of root's graph: one per scope, as deep as ``depth`` names go (``depth=1``: only the
    top-level scopes, "block1/attention" counts as "block1"; None: every scope). ``scope_of`` reads a
    node's scope ("" outside any), ``node.scope`` unless given."""
    if not isinstance(root, Value):
        raise TypeError(f"block_graph: root must be a Value, got {type(root).__name__}")
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
        raise ValueError(f"block_graph: depth must be a whole number ≥ 1 (or None for every scope), "
                         f"got {depth!r}")
    order = [node for node in forward_order(root) if not node.is_constant]
    block_of = _assign(order, depth, scope_of)
    members: dict[str, list[Value]] = {}
    inputs: dict[str, dict[Value, None]] = {}
    outputs: dict[str, dict[Value, None]] = {}
    flows: dict[tuple[str, str], dict[Value, None]] = {}
    for node in order:
        mine = block_of[node]
        members.setdefault(mine, []).append(node)
        for parent in node.parents:
            theirs = block_of.get(parent)  # None: a constant
            if theirs is None or theirs == mine:
                continue
            inputs.setdefault(mine, {})[parent] = None  # dicts as ordered sets
            outputs.setdefault(theirs, {})[parent] = None
            flows.setdefault((theirs, mine), {})[parent] = None
    outputs.setdefault(block_of[root], {})[root] = None
    # in the order their results are ready: by the depth of a block's first output that is no leaf
    # (a parameter another block reads too is ready from the start: 0 for a block of leaves only)
    ready = {name: min((node.depth for node in given if not node.is_leaf), default=0)
             for name, given in outputs.items()}
    blocks = {name: Block(name, tuple(nodes), tuple(inputs.get(name, ())), tuple(outputs.get(name, ())))
              for name, nodes in sorted(members.items(), key=lambda item: ready[item[0]])}
    return BlockGraph(root, blocks, [
        Flow(source, target, tuple(values), (_depending(blocks[target], values), len(values)))
        for (source, target), values in flows.items()], block_of)


def _depending(block: Block, values: dict[Value, None]) -> int:
    """How many of block's outputs depend on ``values`` (the rows of their Jacobian that can be
    nonzero): one pass over its nodes, which come after their inputs."""
    reached = set(values)
    for node in block.nodes:
        if any(parent in reached for parent in node.parents):
            reached.add(node)
    return sum(output in reached for output in block.outputs)


def _assign(order: list[Value], depth: int | None, scope_of: Callable[[Value], str]) -> dict[Value, str]:
    """Each node's block: its scope (cut to ``depth`` names); outside any scope, LEAVES for a leaf
    and a NO_SCOPE block per connected piece of ops."""
    block_of: dict[Value, str] = {}
    piece: dict[Value, Value] = {}  # union-find over the unscoped ops: a node → a node of its piece

    def find(node: Value) -> Value:
        while piece[node] is not node:
            piece[node] = piece[piece[node]]
            node = piece[node]
        return node

    for node in order:
        scope = scope_of(node)
        if scope:
            block_of[node] = scope if depth is None else "/".join(scope.split("/")[:depth])
        elif node.is_leaf:
            block_of[node] = LEAVES
        else:
            piece[node] = node
            for parent in node.parents:
                if parent in piece:
                    piece[find(parent)] = find(node)
    numbers: dict[Value, int] = {}
    for node in piece:  # in forward order: the pieces are numbered as the forward pass met them
        numbers.setdefault(find(node), len(numbers) + 1)
    for node in piece:
        block_of[node] = NO_SCOPE if len(numbers) == 1 else f"{NO_SCOPE} {numbers[find(node)]}"
    return block_of


def draw_blocks(dot: graphviz.Digraph, graph: BlockGraph, expand: str | None = None,
                max_nodes: int = 500, show_grad: bool = True) -> graphviz.Digraph:
    """Draw ``graph`` into ``dot`` (a new Digraph) and return it: one box per block with its name, how
    many nodes and leaves it holds and its inputs → outputs; one edge per flow A → B, labelled with
    how many values flow and J's shape. A scope that holds scopes is a frame around them.

    ``expand`` names a block to draw as its scalar nodes instead (name, op, data and grad each, at
    most ``max_nodes`` of them), with an edge from each block to the nodes that read it and from
    each node to the blocks that read it.
    """
    if expand is not None and expand not in graph.blocks:
        raise ValueError(f"draw_dot: expand={expand!r} is not a block of this graph; its blocks are "
                         f"{', '.join(map(repr, graph.blocks))}")
    if expand is not None and len(graph.blocks[expand].nodes) > max_nodes:
        raise ValueError(f"draw_dot: block {expand!r} has {len(graph.blocks[expand].nodes)} nodes, more than "
                         f"max_nodes={max_nodes}; pass a larger max_nodes, or expand a smaller block")
    dot.attr(nodesep="0.6")  # room for the labels of two arrows between the same two boxes
    ids = {name: f"b{i}" for i, name in enumerate(graph.blocks)}
    node_ids = {} if expand is None else {node: f"{ids[expand]}n{i}"
                                          for i, node in enumerate(graph.blocks[expand].nodes)}
    _boxes(dot, graph, ids, node_ids, expand, show_grad)
    for flow in graph.flows:
        if expand not in (flow.source, flow.target):
            m, k = flow.shape
            dot.edge(ids[flow.source], ids[flow.target], _text(f"{_count(k, 'value')}\nJ: {m:,}×{k:,}"))
    if node_ids:
        _wires(dot, graph, ids, node_ids)
    return dot


def _expanded(into: graphviz.Digraph, graph: BlockGraph, name: str, node_ids: dict[Value, str],
              show_grad: bool) -> None:
    """The block ``name`` as its scalar nodes in a frame: name and op, data, grad."""
    names = node_names(graph.root)
    with into.subgraph(name=f"cluster_{next(iter(node_ids.values()))}") as frame:
        frame.attr(label=_text(f"{name}: {_count(len(node_ids), 'node')}"), style="filled",
                   fillcolor=CLUSTER_FILL, color=FRAME_COLOUR)
        for node, node_id in node_ids.items():
            lines = [names[node] if node.is_leaf else f"{names[node]} = {op_symbol(node)}",
                     f"data {number(node.data)}"]
            if show_grad:
                lines.append(f"grad {number(node.grad)}")
            fill = LEAF_FILL if node.is_leaf else ROOT_FILL if node is graph.root else "white"
            frame.node(node_id, _text("\n".join(lines)), shape="box", style="filled", fillcolor=fill)


def _wires(dot: graphviz.Digraph, graph: BlockGraph, ids: dict[str, str], node_ids: dict[Value, str]) -> None:
    """The expanded block's edges: between its nodes, and between them and the other blocks' boxes."""
    drawn: set[tuple[str, str]] = set()  # one edge per pair, however many values it stands for
    for node in graph.block_of:
        for parent in node.parents:
            if parent not in graph.block_of or (node not in node_ids and parent not in node_ids):
                continue  # a constant, or an edge the flows between boxes already drew
            pair = (node_ids.get(parent) or ids[graph.block_of[parent]],
                    node_ids.get(node) or ids[graph.block_of[node]])
            if pair not in drawn:
                drawn.add(pair)
                dot.edge(*pair)


def _boxes(dot: graphviz.Digraph, graph: BlockGraph, ids: dict[str, str], node_ids: dict[Value, str],
           expand: str | None, show_grad: bool) -> None:
    """One box per block (but the expanded one); a scope that holds scopes is a frame around them
    (and around its own nodes' box, when it has nodes of its own)."""
    frames: dict[str, str] = {}  # a scope that holds scopes → its frame's id
    for name in graph.blocks:
        parts = name.split("/")
        for i in range(1, len(parts)):
            frames.setdefault("/".join(parts[:i]), f"cluster_s{len(frames)}")
    inside: dict[str, dict[tuple[bool, str], None]] = {}  # a scope → its frames and boxes, in order

    def add(scope: str, item: tuple[bool, str]) -> None:
        inside.setdefault(scope, {})[item] = None

    for name in graph.blocks:
        parts = name.split("/")
        for i in range(1, len(parts) + 1):
            if "/".join(parts[:i]) in frames:
                add("/".join(parts[:i - 1]), (True, "/".join(parts[:i])))
        add(name if name in frames else "/".join(parts[:-1]), (False, name))

    def draw(into: graphviz.Digraph, scope: str) -> None:
        for is_frame, name in inside.get(scope, ()):
            if is_frame:
                with into.subgraph(name=frames[name]) as frame:
                    frame.attr(label=_text(name), style="filled", fillcolor=CLUSTER_FILL, color=FRAME_COLOUR)
                    draw(frame, name)
                continue
            if name == expand:
                _expanded(into, graph, name, node_ids, show_grad)
                continue
            fill = LEAF_FILL if name == LEAVES else ROOT_FILL if graph.root in graph.blocks[name].outputs \
                else "white"
            into.node(ids[name], _text(_summary(graph, name)), shape="box", style="filled,rounded",
                      fillcolor=fill)

    draw(dot, "")


def _summary(graph: BlockGraph, name: str) -> str:
    """A block's box: its name, its size and its inputs → outputs (and the root's value, when here)."""
    block = graph.blocks[name]
    leaves = block.leaves
    size = ", ".join(_count(n, what, many) for n, what, many in
                     ((len(block.nodes) - leaves, "op node", None), (leaves, "leaf", "leaves")) if n)
    lines = [name.rpartition("/")[2], size, f"{_count(len(block.inputs), 'input')} → "
             f"{_count(len(block.outputs), 'output')}"]
    if graph.root in block.outputs:
        lines.append(f"{graph.root.label or 'L'} = {number(graph.root.data)}")
    return "\n".join(lines)


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _text(text: str) -> graphviz.nohtml:
    """A plain DOT label, line by line: backslashes kept literally, never read as HTML."""
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in text.split("\n")))
