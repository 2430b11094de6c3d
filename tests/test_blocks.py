"""Block pictures (tinygrad_edu.blocks): the blocks of a graph by scope, their inputs, outputs and
Jacobian shapes, the picture, one block expanded, and a 100,000-node graph."""

import re
import time
from pathlib import Path

import graphviz
import pytest

from tinygrad_edu import Value, engine, scope
from tinygrad_edu.blocks import LEAVES, NO_SCOPE, block_graph, draw_blocks
from tinygrad_edu.graphviz_backend import Picture
from tinygrad_edu.trace import forward_order, jacobian
from tinygrad_edu.viz import draw_dot, repr_mimebundle, to_svg


class Scopes:
    """Scopes given by hand (node → name), for graphs built without scope()."""

    def __init__(self) -> None:
        self.names: dict[Value, str] = {}

    def put(self, name: str, *nodes: Value) -> None:
        for node in nodes:
            self.names[node] = name

    def __call__(self, node: Value) -> str:
        return self.names.get(node, "")


def two_layers():
    """x (2 leaves) → layer1: 2 products, 2 tanh → head/sum: + → head: ·2 → (no scope): (· − 1)²."""
    scopes = Scopes()
    x = [Value(1.0, "x0"), Value(2.0, "x1")]
    w = [Value(0.5, "w0"), Value(-1.0, "w1")]
    products = [xi * wi for xi, wi in zip(x, w)]
    h = [p.tanh() for p in products]
    scopes.put("layer1", *products, *h)
    s = h[0] + h[1]
    scopes.put("head/sum", s)
    o = s * 2
    scopes.put("head", o)
    L = (o - 1) ** 2
    L.backward()
    return L, scopes, x, w, h, s, o


def test_inputs_and_outputs_of_each_block_and_the_jacobian_shapes():
    L, scopes, x, w, h, s, o = two_layers()
    graph = block_graph(L, scope_of=scopes)
    assert list(graph.blocks) == [LEAVES, "layer1", "head/sum", "head", NO_SCOPE]
    leaves, layer1, head_sum, head, rest = graph.blocks.values()
    assert leaves.nodes == (x[0], w[0], x[1], w[1]) and leaves.leaves == 4
    assert leaves.inputs == () and set(leaves.outputs) == {*x, *w}
    assert len(layer1.nodes) == 4 and layer1.leaves == 0
    assert set(layer1.inputs) == {*x, *w} and layer1.outputs == tuple(h)
    assert head_sum.nodes == (s,) and head_sum.inputs == tuple(h) and head_sum.outputs == (s,)
    assert head.inputs == (s,) and head.outputs == (o,)
    assert rest.inputs == (o,) and rest.outputs == (L,)  # the constants 2 and 1 are not values that flow
    assert len(rest.nodes) == 2  # o − 1 and its square
    assert [(f.source, f.target, f.shape) for f in graph.flows] == [
        (LEAVES, "layer1", (2, 4)), ("layer1", "head/sum", (1, 2)), ("head/sum", "head", (1, 1)),
        ("head", NO_SCOPE, (1, 1))]
    assert graph.block_of[L] == NO_SCOPE and graph.block_of[x[0]] == LEAVES


def test_a_flow_is_the_matrix_chain_rule_with_a_jacobian_of_its_shape():
    L, scopes, *_ = two_layers()
    graph = block_graph(L, scope_of=scopes)
    for flow in graph.flows:
        target = graph.blocks[flow.target]
        J = jacobian(list(target.outputs), list(flow.values))
        assert (len(J), len(J[0])) == flow.shape
        # every path from L to these values runs through the target block: δ_values = Jᵀ·δ_outputs
        assert [v.grad for v in flow.values] == pytest.approx(
            [sum(J[i][j] * y.grad for i, y in enumerate(target.outputs)) for j in range(len(flow.values))])


def test_the_jacobian_counts_only_the_outputs_that_depend_on_the_values():
    scopes = Scopes()
    a, b = Value(1.0, "a"), Value(2.0, "b")
    ya, yb = a.exp(), b.tanh()  # one block, two outputs: ya reads a only, yb reads b only
    scopes.put("block", ya, yb)
    graph = block_graph(ya * yb, scope_of=scopes)
    assert graph.blocks["block"].outputs == (ya, yb)
    assert [(f.source, f.target, f.values, f.shape) for f in graph.flows] == [
        (LEAVES, "block", (a, b), (2, 2)), ("block", NO_SCOPE, (ya, yb), (1, 2))]
    first = a.exp()
    y1, y2 = first * 2, b.tanh()  # "second" reads first's value and b; each of its outputs only one
    scopes.put("first", first)
    scopes.put("second", y1, y2)
    graph = block_graph(y1 + y2, scope_of=scopes)
    assert graph.blocks["second"].outputs == (y1, y2)
    assert [(f.source, f.target, f.values, f.shape) for f in graph.flows if f.target == "second"] == [
        ("first", "second", (first,), (1, 1)), (LEAVES, "second", (b,), (1, 1))]


def test_depth_one_keeps_the_top_level_scopes():
    L, scopes, *_ = two_layers()
    graph = block_graph(L, depth=1, scope_of=scopes)
    assert list(graph.blocks) == [LEAVES, "layer1", "head", NO_SCOPE]
    assert len(graph.blocks["head"].nodes) == 2
    assert graph.blocks["head"].inputs == graph.blocks["layer1"].outputs
    assert [f.shape for f in graph.flows if f.target == "head"] == [(1, 2)]


def test_unscoped_ops_in_separate_pieces_are_separate_blocks_numbered_in_forward_order():
    scopes = Scopes()
    a, b = Value(1.0, "a"), Value(2.0, "b")
    first = a * b  # unscoped
    middle = first.exp()
    scopes.put("middle", middle)
    last = middle + a  # unscoped, and not connected to `first` through unscoped ops
    graph = block_graph(last, scope_of=scopes)
    assert list(graph.blocks) == [LEAVES, f"{NO_SCOPE} 1", "middle", f"{NO_SCOPE} 2"]
    assert graph.blocks[f"{NO_SCOPE} 1"].nodes == (first,)
    assert graph.blocks[f"{NO_SCOPE} 2"].nodes == (last,)
    assert graph.blocks[LEAVES].outputs == (a, b)


def test_leaves_made_in_a_scope_belong_to_it():
    scopes = Scopes()
    w = Value(3.0, "w")
    x = Value(2.0, "x")
    y = w * x
    scopes.put("layer", w, y)
    graph = block_graph(y, scope_of=scopes)
    layer = graph.blocks["layer"]
    assert layer.nodes == (w, y) and layer.leaves == 1 and layer.inputs == (x,) and layer.outputs == (y,)


def test_bad_arguments_are_refused_with_the_function_and_the_value():
    L, scopes, *_ = two_layers()
    with pytest.raises(TypeError, match="block_graph: root must be a Value, got float"):
        block_graph(1.0)
    for depth in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match=f"depth must be a whole number ≥ 1 .* got {depth!r}"):
            block_graph(L, depth=depth, scope_of=scopes)
    graph = block_graph(L, scope_of=scopes)
    with pytest.raises(ValueError, match=r"expand='layer2' is not a block of this graph; its blocks are "
                                         r"'\(leaves\)', 'layer1', 'head/sum', 'head', '\(no scope\)'"):
        draw_blocks(graphviz.Digraph(), graph, expand="layer2")
    with pytest.raises(ValueError, match=r"block 'layer1' has 4 nodes, more than max_nodes=3"):
        draw_blocks(graphviz.Digraph(), graph, expand="layer1", max_nodes=3)


def test_the_picture_has_one_box_per_block_and_the_jacobian_shape_on_each_edge():
    L, scopes, *_ = two_layers()
    source = draw_blocks(graphviz.Digraph(), block_graph(L, scope_of=scopes)).source
    assert source.count("style=\"filled,rounded\"") == 5  # five boxes
    assert 'label="layer1\\n4 op nodes\\n4 inputs → 2 outputs"' in source
    assert 'label="(leaves)\\n4 leaves\\n0 inputs → 4 outputs"' in source
    assert 'label="(no scope)\\n2 op nodes\\n1 input → 1 output\\nL = 4.015"' in source  # holds the root
    assert 'b0 -> b1 [label="4 values\\nJ: 2×4"]' in source
    assert "subgraph cluster_s0 {" in source and "label=head" in source  # head frames head/sum
    assert 'label="sum\\n1 op node\\n2 inputs → 1 output"' in source


def test_an_expanded_block_shows_its_scalar_nodes_wired_to_the_other_blocks():
    L, scopes, x, w, h, s, o = two_layers()
    source = draw_blocks(graphviz.Digraph(), block_graph(L, scope_of=scopes), expand="layer1").source
    assert 'label="layer1: 4 nodes"' in source
    assert f'label="v2 = tanh\\ndata {h[0].data:#.4g}\\ngrad {h[0].grad:#.4g}"' in source
    assert "b0 -> b1n0" in source and "b1n0 -> b1n1" in source  # the leaves' box feeds the products
    assert "b1n1 -> b2" in source and "b1n3 -> b2" in source  # both tanh feed head/sum's box
    assert 'b1n0 [label="v1 = ·\\ndata 0.5000' in source
    assert "b0 -> b1 " not in source  # the box's edge gave way to the scalar ones
    assert 'b2 -> b3 [label="1 value\\nJ: 1×1"]' in source


def test_it_renders(graphviz_backend):
    L, scopes, *_ = two_layers()
    graph = block_graph(L, scope_of=scopes)
    for expand in (None, "layer1"):
        svg = to_svg(draw_blocks(graphviz.Digraph(), graph, expand=expand))
        assert svg.startswith("<?xml") or svg.startswith("<svg") and "layer1" in svg
        assert "J: 1×1" in svg and ("J: 1×2" in svg) == (expand is None)


def big_graph(blocks: int = 10, width: int = 100, per_block: int = 100):
    """About blocks × width × per_block / 10 nodes: ``blocks`` scopes in a row, each ``width`` values
    wide, each value mixed with its neighbour ``per_block // 10`` times."""
    scopes = Scopes()
    xs = [Value(0.01 * i, f"x{i}") for i in range(width)]
    for b in range(blocks):
        for _ in range(per_block // 10):
            mixed = [(xs[i] * 0.5 + xs[i - 1] * 0.25).tanh() for i in range(width)]
            for m in mixed:
                scopes.put(f"block{b + 1}", m, *m.parents, *m.parents[0].parents)
            xs = mixed
    return engine.sum(xs), scopes


def test_a_100000_node_graph_draws_as_a_handful_of_blocks():
    root, scopes = big_graph(blocks=10, width=250, per_block=100)
    start = time.perf_counter()
    graph = block_graph(root, scope_of=scopes)
    svg = to_svg(draw_blocks(graphviz.Digraph(graph_attr={"rankdir": "LR"}), graph))
    seconds = time.perf_counter() - start  # reported, never asserted: the machine is shared
    nodes = sum(len(b.nodes) for b in graph.blocks.values())
    assert nodes >= 100_000
    assert list(graph.blocks) == [LEAVES, *(f"block{b}" for b in range(1, 11)), NO_SCOPE]
    assert [f.shape for f in graph.flows][1:10] == [(250, 250)] * 9  # 250 values flow on
    assert svg.count("<g id=\"node") == 12
    print(f"\n{nodes:,} nodes: blocks found and drawn in {seconds:.2f} s, {len(svg):,} characters of SVG")


# -- draw_dot(root, by="scope"): scopes made by the engine ------------------------------------
def scoped_network():
    """Two scoped layers and an unscoped loss, built with tinygrad_edu.scope."""
    x = [Value(0.5, "x0"), Value(-1.0, "x1")]
    with scope("layer1"):
        w = [Value(0.3, "w0"), Value(0.8, "w1")]
        h = [(wi * xi).tanh() for wi, xi in zip(w, x)]
    with scope("layer2"):
        with scope("sum"):
            s = engine.sum(h)
        o = s.sigmoid()
    L = (o - 1.0) ** 2
    L.backward()
    return L, x, w, h, s, o


def test_draw_dot_by_scope_reads_the_scopes_the_engine_recorded():
    L, x, w, h, s, o = scoped_network()
    graph = block_graph(L)
    assert list(graph.blocks) == [LEAVES, "layer1", "layer2/sum", "layer2", NO_SCOPE]
    assert set(w) < set(graph.blocks["layer1"].nodes) and graph.blocks["layer1"].leaves == 2
    assert graph.blocks["layer1"].inputs == tuple(x)
    picture = draw_dot(L, by="scope")
    assert isinstance(picture, Picture)
    assert "a box is a scope: its nodes, inputs → outputs" in picture.source
    assert 'label="sum\\n1 op node\\n2 inputs → 1 output"' in picture.source
    assert list(block_graph(L, depth=1).blocks) == [LEAVES, "layer1", "layer2", NO_SCOPE]
    opened = draw_dot(L, by="scope", expand="layer2/sum", caption="one step").source
    assert 'label="layer2/sum: 1 node"' in opened and "one step\\n\\na box is a scope" in opened


def test_draw_dot_by_scope_displays_in_jupyter(graphviz_backend):
    L, *_ = scoped_network()
    shown = draw_dot(L, by="scope")._repr_mimebundle_()
    assert "<svg" in shown["image/svg+xml"] and "layer1" in shown["image/svg+xml"]


def test_a_big_value_with_scopes_displays_in_jupyter_as_its_blocks(graphviz_backend):
    x = Value(0.5, "x")
    with scope("chain"):
        for _ in range(60):
            x = (x * 1.01).tanh()
    L = x * 2.0
    shown = repr_mimebundle(L)  # 182 nodes: too many to show one by one
    assert "a graph too big to display" in shown["text/plain"]
    assert "a box is a scope" in shown["image/svg+xml"] and "120 op nodes" in shown["image/svg+xml"]
    y = Value(0.5, "y")
    for _ in range(60):
        y = (y * 1.01).tanh()
    assert "image/svg+xml" not in repr_mimebundle(y)  # no scope: the summary alone


def test_draw_dot_refuses_options_of_the_other_kind_of_picture():
    L, x, *_ = scoped_network()
    with pytest.raises(ValueError, match="draw_dot: by must be 'node' or 'scope', got 'layer'"):
        draw_dot(L, by="layer")
    with pytest.raises(TypeError, match="draw_dot: shown_grads, highlight_node and highlight_edge draw "
                                        "single nodes; they apply to by='node', not to by='scope'"):
        draw_dot(L, by="scope", highlight_node=x[0])
    with pytest.raises(TypeError, match="draw_dot: depth and expand apply to by='scope'"):
        draw_dot(L, expand="layer1")
    with pytest.raises(ValueError, match="draw_dot: expand='layer3' is not a block of this graph"):
        draw_dot(L, by="scope", expand="layer3")


def test_the_readme_block_picture_is_one_attention_step(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = next(block for block in re.findall(r"```python\n(.*?)```", readme, flags=re.S)
                if 'by="scope"' in block)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README block picture", "exec"), namespace)
    nodes = [node for node in forward_order(namespace["J"]) if not node.is_constant]
    assert f"One training step of the\n`attention` walkthrough's model, {len(nodes):,} nodes" in readme
    svg = (tmp_path / "blocks.svg").read_text()
    assert "J: 128×128" in svg and "embedding" in svg


def test_one_moons_training_step_is_a_block_picture_of_its_layers():
    """The moons walkthrough's loss over 200 points (~15,000 nodes): nn names its layers' nodes."""
    from tinygrad_edu.walkthroughs.moons import Moons

    _, J, _ = Moons(n=200).loss()
    J.backward()
    start = time.perf_counter()
    graph = block_graph(J)
    svg = to_svg(draw_dot(J, by="scope"))
    seconds = time.perf_counter() - start  # reported, never asserted
    nodes = sum(len(b.nodes) for b in graph.blocks.values())
    assert nodes == 14_477  # the constants (the hinge's 1, λ) are folded numbers, not nodes that flow
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "its 200-point loss, 14,477 nodes" in readme and "J: 3,200×3,200 from layer1 to layer2" in readme
    assert list(graph.blocks) == ["layer1", "layer2", "layer3", NO_SCOPE]  # nn's layers, then the loss
    assert [(f.source, f.target, f.shape) for f in graph.flows] == [
        ("layer1", "layer2", (3200, 3200)),  # 16 outputs × 200 points, into layer2's 16 × 200
        ("layer2", "layer3", (200, 3200)),
        ("layer3", NO_SCOPE, (1, 217)),  # the 200 scores and layer3's 17 parameters (λ·Σ p²) into L
        ("layer1", NO_SCOPE, (1, 48)), ("layer2", NO_SCOPE, (1, 272))]
    assert svg.count('<g id="node') == len(graph.blocks)
    print(f"\nmoons, one step: {nodes:,} nodes, {len(graph.blocks)} blocks drawn in {seconds:.2f} s")
