"""trace: the backward pass written down step by step, checked by hand, against PyTorch and
against backward() itself on random graphs."""

import contextlib
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order
from tinygrad_edu.expr import parse
from tinygrad_edu.gradcheck import numerical_grad
from tinygrad_edu.trace import (
    BackwardStep,
    explain,
    forward_order,
    gradients,
    leaves,
    node_names,
    trace_backward,
)


def small_graph():
    """L = (w·x + b)·w at w = 2, x = 3, b = -1: w has two users, so its gradient is a sum."""
    w, x, b = Value(2.0, label="w"), Value(3.0, label="x"), Value(-1.0, label="b")
    return (w * x + b) * w, (w, x, b)


# Written by hand from the math, not copied from the output:
#   v1 = w·x = 6,  v2 = v1 + b = 5,  L = v2·w = 10
#   ∂L/∂v2 = w = 2,  ∂L/∂w (direct) = v2 = 5,  ∂v2/∂v1 = ∂v2/∂b = 1,  ∂v1/∂w = x = 3,  ∂v1/∂x = w = 2
#   so ∂L/∂w = 5 + 3·2 = 11,  ∂L/∂x = 2·2 = 4,  ∂L/∂b = 1·2 = 2;  with α = 0.1: w 0.9, b -1.2
EXPECTED_TEXT = """\
Backward pass, one chain-rule step per line:
  ∂L/∂L = 1.000
  ∂L/∂v2 += ∂(v2*w)/∂v2 · ∂L/∂L = 2.000 × 1.000 = 2.000
  ∂L/∂w += ∂(v2*w)/∂w · ∂L/∂L = 5.000 × 1.000 = 5.000
  ∂L/∂v1 += ∂v2/∂v1 · ∂L/∂v2 = 1.000 × 2.000 = 2.000
  ∂L/∂b += ∂v2/∂b · ∂L/∂v2 = 1.000 × 2.000 = 2.000
  ∂L/∂w += ∂v1/∂w · ∂L/∂v1 = 3.000 × 2.000 = 6.000 → ∂L/∂w = 11.00
  ∂L/∂x += ∂v1/∂x · ∂L/∂v1 = 2.000 × 2.000 = 4.000

Gradients of the leaves:
  ∂L/∂w = 11.00
  ∂L/∂x = 4.000
  ∂L/∂b = 2.000

Gradient descent with learning rate α = 0.1, parameters w, b:
  w ← w − α·∂L/∂w = 2.000 − 0.1 × 11.00 = 0.9000
  b ← b − α·∂L/∂b = -1.000 − 0.1 × 2.000 = -1.200
"""


def test_explain_text_is_the_hand_derivation():
    L, (w, x, b) = small_graph()
    assert explain(L, lr=0.1, params=[w, b]) == EXPECTED_TEXT


def test_explain_without_lr_has_no_update_section():
    L, _ = small_graph()
    assert explain(L) == EXPECTED_TEXT.split("\nGradient descent")[0]


def test_explain_latex_is_one_aligned_row_per_line():
    L, _ = small_graph()
    latex = explain(L, style="latex", lr=0.1)
    lines = latex.splitlines()
    assert lines[0].startswith(r"\begin{align*}") and lines[-1] == r"\end{align*}"
    assert (r"\frac{\partial L}{\partial w} &\mathrel{+}= \frac{\partial \mathrm{v1}}{\partial w} \cdot "
            r"\frac{\partial L}{\partial \mathrm{v1}} = 3.000 \times 2.000 = 6.000 \;\Rightarrow\; "
            r"\frac{\partial L}{\partial w} = 11.00 \\") in lines
    assert (r"w &\leftarrow w - \alpha\cdot\frac{\partial L}{\partial w} = "
            r"2.000 - 0.1 \times 11.00 = 0.9000 \\") in lines
    assert lines[-2].endswith("-1.200")  # the last row has no trailing \\ (no empty row)
    assert sum(line.endswith(r"\\") or line.endswith("-1.200") for line in lines) == 7 + 3 + 3


def test_latex_writes_products_with_cdot_and_powers_as_superscripts():
    L = parse("(w*x - y)**2", w=0.5, x=2, y=3)
    latex = explain(L, style="latex")
    assert "*" not in latex.replace("align*", "")
    assert (r"\frac{\partial L}{\partial (w \cdot x - y)} &\mathrel{+}= "
            r"\frac{\partial ((w \cdot x - y)^{2})}{\partial (w \cdot x - y)}") in latex
    assert r"\frac{\partial (w \cdot x)}{\partial w}" in latex


@pytest.mark.parametrize(("name", "latex"), [
    ("w", "w"), ("v1", r"\mathrm{v1}"), ("w1[0,2]", r"\mathrm{w1[0,2]}"), ("x_1", r"\mathrm{x\_1}"),
    ("v2*w", r"(\mathrm{v2} \cdot w)"), ("x**2", "(x^{2})"), ("x ** -1", "(x^{-1})"),
    ("a**b**c", "(a^{b^{c}})"), ("x**(a+1)*y", r"(x^{(a + 1)} \cdot y)"), ("2**x", "(2^{x})"),
    ("tanh(v3)", r"\tanh(\mathrm{v3})"), ("relu(x)**2", r"(\operatorname{relu}(x)^{2})"),
    ("exp(x**2)", r"\exp(x^{2})"), ("-v1", r"(-\mathrm{v1})"), ("x**", "(x^{})"),
    ("α", r"{\alpha}"), ("Δw", r"\mathrm{{\Delta}w}"), ("b + Σ w·x", r"(b + \sum w \cdot x)"),
    ("0.5", "0.5"), ("-0.5", "-0.5"), ("v1*-0.5", r"(\mathrm{v1} \cdot -0.5)"),
    ("1e-05", r"1 \times 10^{-5}"),
    ("x**1e+20", r"(x^{1 \times 10^{20}})"), ("²a", r"\mathrm{²a}"), ("a{b}%", r"(a\{b\}\%)"),
    ("a + … + b", r"(a + \ldots{} + b)"),
])
def test_latex_names(name, latex):
    from tinygrad_edu.trace import _latex_name

    assert _latex_name(name) == latex


def test_explain_markdown_is_a_list_of_math_items():
    L, _ = small_graph()
    items = [line for line in explain(L, style="markdown").splitlines() if line.startswith("- ")]
    assert len(items) == 7 + 3
    assert all(item.startswith("- $") and item.endswith("$") for item in items)
    assert items[-1] == r"- $\frac{\partial L}{\partial b} = 2.000$"


def test_explain_is_pure_the_same_text_every_time_whatever_the_grads_hold():
    L, (w, x, b) = small_graph()
    first = explain(L, lr=0.1, params=[w, b])
    assert all(node.grad == 0.0 for node in forward_order(L))  # it changed no grad
    assert explain(L, lr=0.1, params=[w, b]) == first == EXPECTED_TEXT
    L.backward()
    L.backward()  # leaves accumulate: w.grad is now 22, but ∂L/∂w is still 11
    assert (w.grad, x.grad, b.grad) == (22.0, 8.0, 4.0)
    assert explain(L, lr=0.1, params=["w", "b"]) == EXPECTED_TEXT
    assert (w.grad, x.grad, b.grad) == (22.0, 8.0, 4.0)


def test_the_issue_neuron_after_backward_shows_the_true_gradient():
    # L = tanh(w·x + b), w = -3, x = 2, b = 6.88: ∂L/∂w = x·(1 − tanh²(0.88)) = 1.002, not 2.004
    L = parse("tanh(w*x + b)", w=-3, x=2, b=6.88)
    L.backward()
    dw = 2 * (1 - math.tanh(0.88) ** 2)
    text = explain(L)
    assert f"  ∂L/∂w = {dw:#.4g}\n" in text and f"{dw:#.4g}" == "1.002"
    assert "  ∂L/∂b += ∂(w*x + b)/∂b · ∂L/∂(w*x + b) = 1.000 × 0.5010 = 0.5010\n" in text
    assert "→" not in text  # no parent has two users here: no running sum anywhere
    (w,) = [leaf for leaf in leaves(L) if leaf.label == "w"]
    assert gradients(L)[w] == pytest.approx(dw, rel=1e-12) and w.grad == gradients(L)[w]


def test_gradients_is_every_partial_derivative_and_changes_no_grad():
    L, (w, x, b) = small_graph()
    w.grad, x.grad = 100.0, -7.0  # whatever was there
    grads = gradients(L)
    v2 = L.parents[0]
    assert (grads[L], grads[v2], grads[w], grads[x], grads[b]) == (1.0, 2.0, 11.0, 4.0, 2.0)
    assert set(grads) == set(forward_order(L))
    assert (w.grad, x.grad, b.grad, L.grad, v2.grad) == (100.0, -7.0, 0.0, 0.0, 0.0)
    assert gradients(L, 2.0)[w] == 22.0
    assert gradients(w) == {w: 1.0}


def test_params_choose_which_leaves_get_an_update_line():
    L = parse("(w*x - y)**2", w=0.5, x=2, y=3)
    text = explain(L, lr=0.1, params=["w"])
    assert "Gradient descent with learning rate α = 0.1, parameters w:\n" in text
    assert "  w ← w − α·∂L/∂w = 0.5000 − 0.1 × -8.000 = 1.300\n" in text
    assert "x ←" not in text and "y ←" not in text
    w = next(leaf for leaf in leaves(L) if leaf.label == "w")
    y = next(leaf for leaf in leaves(L) if leaf.label == "y")
    assert explain(L, lr=0.1, params=[y, w]).count("←") == 2  # Values too, in reading order
    assert explain(L, lr=0.1, params=[y, w]).index("w ←") < explain(L, lr=0.1, params=[y, w]).index("y ←")
    assert explain(L, lr=0.1, params="w") == text
    everything = explain(L, lr=0.1)
    assert "every leaf treated as a parameter (none were named):" in everything and everything.count("←") == 3
    latex = explain(L, lr=0.1, params=["w"], style="latex")
    assert r"\intertext{Gradient descent with learning rate $\alpha$ = 0.1, parameters $w$:}" in latex


@pytest.mark.parametrize(("params", "lr", "error", "message"), [
    (["z"], 0.1, ValueError, "the parameter 'z' is not a leaf of the graph; its leaves are w, x, y"),
    (["w*x"], 0.1, ValueError, "the parameter 'w\\*x' is not a leaf"),
    ([], 0.1, ValueError, "params is empty; name at least one of the leaves w, x, y"),
    (["w"], None, ValueError, "give a learning rate lr too"),
    ([1.5], 0.1, TypeError, "params must be Values or names of leaves, got float: 1.5"),
    ([Value(1.0, label="q")], 0.1, ValueError, "the parameter 'q' is not a leaf"),
])
def test_bad_params_are_a_clear_error(params, lr, error, message):
    with pytest.raises(error, match=message):
        explain(parse("(w*x - y)**2", w=0.5, x=2, y=3), lr=lr, params=params)


def test_constants_are_traced_but_not_explained():
    x = Value(3.0, label="x")
    L = x * 2 + 1
    steps = trace_backward(L)
    assert [(node_names(L)[s.node], node_names(L)[s.parent]) for s in steps] == [
        ("L", "v1"), ("L", "1"), ("v1", "x"), ("v1", "2")]
    text = explain(L)
    assert "∂L/∂2" not in text and "∂L/∂1" not in text
    assert "  ∂L/∂x += ∂v1/∂x · ∂L/∂v1 = 2.000 × 1.000 = 2.000\n" in text
    assert leaves(L) == [x]


def test_names_need_parentheses_and_tiny_numbers_stay_visible():
    a = Value(1e-6, label="a")
    z = a * 1.0
    z.label = "a*1"
    L = z.tanh()
    text = explain(L)
    assert "∂L/∂(a*1) += ∂tanh(a*1)/∂(a*1) · ∂L/∂L = 1.000 × 1.000 = 1.000" in text
    assert "  ∂L/∂a = 1.000\n" in text
    assert "= 1.000e-06" in explain(a * a)  # not 0


def test_a_leaf_root_has_no_steps_and_its_gradient_is_one():
    a = Value(5.0, label="a")
    assert trace_backward(a) == [] and a.grad == 0.0
    assert explain(a) == "Backward pass, one chain-rule step per line:\n  ∂a/∂a = 1.000\n"  # no other leaf
    assert a.grad == 0.0


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda L: explain(L, style="html"), ValueError, "style must be 'text', 'markdown' or 'latex', got 'htm"),
    (lambda L: explain(L, lr=0), ValueError, "lr must be a positive number, got 0.0"),
    (lambda L: explain(L, lr=math.inf), ValueError, "lr must be a positive number"),
    (lambda L: explain(L, lr="0.1"), TypeError, "explain(lr) must be a real number"),
    (lambda L: explain(3.0), TypeError, "explain(root): root must be a Value, got float"),
    (lambda L: trace_backward([L]), TypeError, "trace_backward(root): root must be a Value, got list"),
    (lambda L: gradients(None), TypeError, "gradients(root): root must be a Value, got NoneType"),
    (lambda L: gradients(L, "1"), TypeError, "gradients(gradient) must be a real number"),
])
def test_bad_input_is_a_clear_error(call, error, message):
    L, _ = small_graph()
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(L)


def test_step_records_fit_together():
    L, (w, x, b) = small_graph()
    steps = trace_backward(L)
    assert steps[0] == BackwardStep(L, L.parents[0], 2.0, 1.0, 2.0, 2.0)
    grads = gradients(L)
    for step in steps:
        assert step.contribution == step.local_grad * step.upstream_grad
        assert step.upstream_grad == grads[step.node]  # complete when the node was processed
    assert [s.parent_grad_after for s in steps if s.parent is w] == [5.0, 11.0]


# -- against PyTorch --------------------------------------------------------------------------
def torch_replay(root):
    """The same graph in PyTorch (float64); every tensor keeps its grad."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the CI installs torch==2.13.0)")
    ops = {"+": torch.add, "-": torch.sub, "*": torch.mul, "/": torch.div, "**": torch.pow,
           "neg": torch.neg, "exp": torch.exp, "log": torch.log, "tanh": torch.tanh,
           "sigmoid": torch.sigmoid, "relu": torch.relu}
    tensors = {}
    for node in reversed(topological_order(root)):  # inputs first
        if node.is_leaf:
            t = torch.tensor(node.data, dtype=torch.float64, requires_grad=True)
        else:
            t = ops[node.op](*(tensors[p] for p in node.parents))
            t.retain_grad()
        tensors[node] = t

    def local_grads(node):  # ∂node/∂parent with the other inputs held fixed
        fresh = [tensors[p].detach().clone().requires_grad_(True) for p in node.parents]
        return torch.autograd.grad(ops[node.op](*fresh), fresh)

    tensors[root].backward()
    return tensors, local_grads


def test_step_records_match_pytorch():
    x1, x2 = Value(2.0, label="x1"), Value(-0.5, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    L = (o - 0.25) ** 2 + (w1 * w1).exp() / (x1 - w2).sigmoid() + x2.relu() - (w2 * 0.5).log()
    steps = trace_backward(L)
    tensors, local_grads = torch_replay(L)
    assert len(steps) == sum(len(node.parents) for node in tensors)
    # The number in (o - 0.25) ** 2 is a constant: the engine gives it no derivative, torch does.
    for step in (s for s in steps if not s.parent.is_constant):
        torch_local = local_grads(step.node)[step.node.parents.index(step.parent)]
        if step.node.parents.count(step.parent) == 1:  # x*x: each of the two inputs has its own
            assert step.local_grad == pytest.approx(torch_local.item(), rel=1e-12, abs=1e-12)
        assert step.upstream_grad == pytest.approx(tensors[step.node].grad.item(), rel=1e-12)
    for node, t in tensors.items():
        last = [s.parent_grad_after for s in steps if s.parent is node and not node.is_constant]
        if last:
            assert last[-1] == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)
            assert gradients(L)[node] == last[-1] and node.grad == 0.0


# -- against backward() on random graphs -------------------------------------------------------
class Spy(float):
    """A local derivative that records every multiplication backward() does with it."""

    def __new__(cls, value, log, node, parent):
        spy = super().__new__(cls, value)
        spy.log, spy.node, spy.parent = log, node, parent
        return spy

    def __mul__(self, upstream):
        self.log.append((self.node, self.parent, float(upstream)))
        return float(self) * upstream

    __rmul__ = __mul__


UNARY = ["tanh", "sigmoid", "relu", "neg"]
BINARY = ["+", "-", "*"]


@st.composite
def random_graphs(draw):
    """A few leaves, then ops on earlier nodes (reuse, x*x, numbers on either side); the root
    uses the last node."""
    nodes = [Value(draw(st.floats(-2, 2)), label=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    leaf_grads = [draw(st.floats(-1, 1)) for _ in nodes]
    for _ in range(draw(st.integers(1, 14))):
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        op = draw(st.sampled_from(UNARY + BINARY))
        if op in UNARY:
            nodes.append(-a if op == "neg" else getattr(a, op)())
            continue
        b = draw(st.one_of(st.sampled_from(nodes), st.floats(-2, 2)))
        if draw(st.booleans()) and not isinstance(b, Value):
            a, b = b, a  # 2 * x
        nodes.append({"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q}[op](a, b))
    return nodes[-1], leaf_grads


def same(x, y):
    return x == y or (math.isnan(x) and math.isnan(y))


@settings(max_examples=300, deadline=None)
@given(random_graphs(), st.floats(-3, 3))
def test_trace_backward_is_backward_from_zero_and_changes_no_grad_on_random_graphs(graph, gradient):
    root, leaf_grads = graph
    order = topological_order(root)
    graph_leaves = [node for node in order if node.is_leaf]
    start = {node: g for node, g in zip(order, leaf_grads * len(order))}
    for node in order:
        node.grad = start.get(node, 42.0)  # whatever earlier backward() runs left
    steps = trace_backward(root, gradient)
    grads = gradients(root, gradient)
    text = explain(root, lr=0.1)
    assert trace_backward(root, gradient) == steps  # the same every time
    assert all(same(node.grad, start.get(node, 42.0)) for node in order)  # untouched

    log = []  # what backward() multiplies, in its order; the slots are private, this is a test
    for node in order:
        if not node.is_leaf:
            node._da = Spy(node._da, log, node, node._a)
            if node._b is not None:
                node._db = Spy(node._db, log, node, node._b)
    for leaf in graph_leaves:
        leaf.grad = 0.0  # backward() from zero: leaves accumulate, intermediate grads are reset
    root.backward(gradient)

    assert all(same(grads[node], node.grad) for node in order)
    assert len(log) == len(steps)
    for (node, parent, upstream), step in zip(log, steps):
        assert step.node is node and step.parent is parent and same(step.upstream_grad, upstream)
    finals = {step.parent: step.parent_grad_after for step in steps}  # the last total is the gradient
    assert all(same(total, grads[node]) for node, total in finals.items())
    root.backward(gradient)  # the leaves' grads are sums of two passes now
    assert explain(root, lr=0.1) == text


def replay(root):
    """A function that recomputes root from its leaves' current data, op by op (for numerical_grad)."""
    ops = {"+": lambda *xs: sum(xs[1:], xs[0]), "-": lambda a, b: a - b, "neg": lambda a: -a,
           "*": lambda *xs: math.prod(xs[1:], start=xs[0]),
           "tanh": Value.tanh, "sigmoid": Value.sigmoid, "relu": Value.relu}
    order = forward_order(root)

    def f():
        values = {}
        for node in order:
            values[node] = node if node.is_leaf else ops[node.op](*(values[p] for p in node.parents))
        return values[root]
    return f


@settings(max_examples=200, deadline=None)
@given(random_graphs())
def test_gradients_agree_with_central_differences_on_random_graphs(graph):
    root, _ = graph
    order = forward_order(root)
    # relu has a kink at 0, where a central difference straddles two slopes
    assume(all(abs(node.parents[0].data) > 1e-3 for node in order if node.op == "relu"))
    graph_leaves = [node for node in order if node.is_leaf and not node.is_constant]
    for leaf in graph_leaves:
        leaf.grad = 3.0  # not read
    grads = gradients(root)
    numeric = numerical_grad(replay(root), graph_leaves)
    for leaf, estimate in zip(graph_leaves, numeric):
        assert grads[leaf] == pytest.approx(estimate, rel=1e-5, abs=1e-6)
    assert all(leaf.grad == 3.0 for leaf in graph_leaves)


# -- the command --------------------------------------------------------------------------------
def run_command(*args):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", *args], capture_output=True, text=True)


def test_the_explain_command_prints_the_derivation():
    # L = (w·x - y)² at w = 0.5, x = 2, y = 3: w·x - y = -2, L = 4; ∂L/∂(w·x - y) = 2·(-2) = -4,
    # so ∂L/∂y = -1·-4 = 4, ∂L/∂w = x·-4 = -8, ∂L/∂x = w·-4 = -2; with α = 0.5, w ← 0.5 + 4 = 4.5
    done = run_command("explain", "(w*x - y)**2", "w=0.5", "x=2", "y=3", "--lr", "0.5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "L = (w*x - y)**2 = 4.000"
    assert "  ∂L/∂(w*x - y) += ∂((w*x - y)**2)/∂(w*x - y) · ∂L/∂L = -4.000 × 1.000 = -4.000" in lines
    assert "  ∂L/∂y += ∂(w*x - y)/∂y · ∂L/∂(w*x - y) = -1.000 × -4.000 = 4.000" in lines
    g = lines.index("Gradients of the leaves:")
    assert lines[g + 1:g + 4] == ["  ∂L/∂w = -8.000", "  ∂L/∂x = -2.000", "  ∂L/∂y = 4.000"]
    assert "  w ← w − α·∂L/∂w = 0.5000 − 0.5 × -8.000 = 4.500" in lines
    assert done.stderr == ""


def test_the_explain_command_styles_and_errors():
    latex = run_command("explain", "x*x", "x=3", "--style", "latex")
    assert latex.returncode == 0 and latex.stdout.startswith(r"\begin{align*}")
    bad = run_command("explain", "x*x", "x=3", "--lr", "-1")
    assert bad.returncode == 1 and bad.stdout == ""
    assert "the learning rate lr must be a positive number, got -1.0" in bad.stderr
    assert "Traceback" not in bad.stderr
    usage = run_command("explain", "x*x", "x=3", "--style", "html")
    assert usage.returncode == 2 and "invalid choice: 'html'" in usage.stderr


def test_the_readme_derivation_is_what_explain_prints():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Watch backprop", 1)[1]
    code, printed = re.findall(r"```(?:python)?\n(.*?)```", section, flags=re.S)[:2]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README Watch backprop", "exec"), {})
    assert out.getvalue() == printed + "\n" and printed == EXPECTED_TEXT


def test_unlabelled_nodes_are_numbered_in_the_order_one_computes_them_by_hand():
    x1, w1, x2, w2 = (Value(v, label=name) for v, name in [(1.0, "x1"), (2.0, "w1"), (3.0, "x2"), (4, "w2")])
    first, second = x1 * w1, x2 * w2
    L = first + second
    names = node_names(L)
    assert (names[first], names[second], names[L]) == ("v1", "v2", "L")
    assert [names[node] for node in forward_order(L)] == ["x1", "w1", "v1", "x2", "w2", "v2", "L"]
    assert leaves(L) == [x1, w1, x2, w2]


def test_the_explain_command_updates_only_the_params():
    done = run_command("explain", "(w*x - y)**2", "w=0.5", "x=2", "y=3", "--lr", "0.1", "--params", "w")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    g = lines.index("Gradient descent with learning rate α = 0.1, parameters w:")
    assert lines[g + 1:] == ["  w ← w − α·∂L/∂w = 0.5000 − 0.1 × -8.000 = 1.300"]
    both = run_command("explain", "(w*x - y)**2", "w=0.5", "x=2", "y=3", "--lr", "0.1", "--params", "y,w")
    assert "parameters w, y:" in both.stdout and both.stdout.count("←") == 2
    every = run_command("explain", "(w*x - y)**2", "w=0.5", "x=2", "y=3", "--lr", "0.1")
    assert "every leaf treated as a parameter (none were named):" in every.stdout
    assert "  y ← y − α·∂L/∂y = 3.000 − 0.1 × 4.000 = 2.600" in every.stdout


@pytest.mark.parametrize(("options", "message"), [
    (["--params", "w"], "--params names the variables that --lr updates: give --lr too "
                        "(like --lr 0.1 --params w)"),
    (["--lr", "0.1", "--params", "w,q"], "--params q: not a variable given on the command line "
                                         "(the variables are w, x, y)"),
    (["--lr", "0.1", "--params", "w+x"], "expected variable names separated by commas (like w,b), got 'w+x'"),
])
def test_the_explain_command_params_usage_errors(options, message):
    done = run_command("explain", "(w*x - y)**2", "w=0.5", "x=2", "y=3", *options)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].endswith(message)


# -- n-ary nodes: one chain-rule step per edge -------------------------------------------------
def test_a_linear_node_is_explained_one_step_per_input():
    from tinygrad_edu.engine import linear

    w1, w2, x1, b = (Value(v, label=n) for v, n in [(-0.5, "w1"), (0.25, "w2"), (1.4, "x1"), (0.1, "b")])
    L = linear([x1, 2.0], [w1, w2], b).tanh()  # x2 = 2 is a number: no step of its own
    t = math.tanh(0.1 - 0.7 + 0.5)
    lines = explain(L).splitlines()
    assert lines[2] == f"  ∂L/∂v1 += ∂tanh(v1)/∂v1 · ∂L/∂L = {1 - t * t:#.4g} × 1.000 = {1 - t * t:#.4g}"
    steps, names = trace_backward(L), node_names(L)
    assert [names[s.parent] for s in steps] == ["v1", "w1", "w2", "x1", "b"]
    assert [s.local_grad for s in steps[1:]] == [1.4, 2.0, -0.5, 1.0]  # x1, x2, w1, 1
    assert lines[3] == f"  ∂L/∂w1 += ∂v1/∂w1 · ∂L/∂v1 = 1.400 × {1 - t * t:#.4g} = {1.4 * (1 - t * t):#.4g}"
    assert names[L.parents[0]] == "v1"


def test_nary_ops_are_written_by_their_formula():
    from tinygrad_edu import engine
    from tinygrad_edu.trace import op_symbol, op_text, partner

    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    s = engine.sum([a, b, c])
    assert op_text(s, node_names(s)) == "a + b + c" and op_symbol(s) == "Σ"
    many = engine.sum([a, b, c, a, b])
    assert op_text(many, node_names(many)) == "a + b + … + b"
    d = engine.dot([a, b], [c, a])
    assert op_text(d, node_names(d)) == "w·x" and op_symbol(d) == "w·x"
    assert [partner(d, i) for i in range(4)] == [c, a, a, b]  # a·c + b·a
    y = engine.linear([a], [b], c)
    assert op_symbol(y) == "w·x + b" and [partner(y, i) for i in range(3)] == [a, b, None]
    assert explain(y).splitlines()[1] == "  ∂L/∂L = 1.000"
    assert "∂(w·x + b)/∂b" in explain(y)


@st.composite
def nary_recipes(draw):
    """How to build a graph with n-ary nodes (sum, dot, linear) from k leaves: a list of (op,
    input indices), each input an earlier node (reuse allowed)."""
    k = draw(st.integers(1, 4))
    recipe = []
    for n in range(k, k + draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["sum", "dot", "linear", "*", "+", "tanh"]))
        width = {"sum": draw(st.integers(1, 5)), "dot": 2 * draw(st.integers(1, 3)),
                 "linear": 2 * draw(st.integers(1, 3)) + 1, "*": 2, "+": 2, "tanh": 1}[op]
        recipe.append((op, [draw(st.integers(0, n - 1)) for _ in range(width)]))
    return [draw(st.floats(-1.5, 1.5)) for _ in range(k)], recipe


def build(leaves, recipe):
    from tinygrad_edu import engine

    nodes = list(leaves)
    for op, picks in recipe:
        xs = [nodes[i] for i in picks]
        half = len(xs) // 2
        if op == "sum":
            nodes.append(engine.sum(xs))
        elif op == "dot":
            nodes.append(engine.dot(xs[:half], xs[half:]))
        elif op == "linear":
            nodes.append(engine.linear(xs[:half], xs[half:-1], xs[-1]))
        else:
            nodes.append(xs[0].tanh() if op == "tanh" else xs[0] * xs[1] if op == "*" else xs[0] + xs[1])
    return nodes[-1]


@settings(max_examples=200, deadline=None)
@given(nary_recipes())
def test_gradients_of_nary_nodes_are_backward_and_central_differences(case):
    values, recipe = case
    leaves_ = [Value(v, label=f"x{i}") for i, v in enumerate(values)]
    root = build(leaves_, recipe)
    for leaf in leaves_:
        leaf.grad = 5.0  # whatever was there
    grads = gradients(root)
    text = explain(root)
    assert all(leaf.grad == 5.0 for leaf in leaves_)
    numeric = numerical_grad(lambda: build(leaves_, recipe), leaves_)
    for leaf in leaves_:
        leaf.grad = 0.0
    root.backward()
    for leaf, estimate in zip(leaves_, numeric):
        assert grads.get(leaf, 0.0) == pytest.approx(leaf.grad, rel=1e-12, abs=1e-12)
        assert grads.get(leaf, 0.0) == pytest.approx(estimate, rel=1e-5, abs=1e-6)
    assert explain(root) == text
