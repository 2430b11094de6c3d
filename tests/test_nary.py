"""tinygrad_edu.engine's ops with any number of inputs: sum, dot, linear.

Each against central differences (always) and PyTorch float64 (when installed); constants among
the inputs; random graphs mixing n-ary and binary nodes; deep chains of n-ary nodes; no_grad; and
every bad input, each a clear error that names the op.
"""

import math

import pytest
from conftest import needs_torch, optional_import
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, engine, no_grad
from tinygrad_edu.engine import dot, linear, topological_order
from tinygrad_edu.gradcheck import gradcheck

torch = optional_import("torch")  # None without PyTorch: the tests that use it are marked needs_torch


# -- each op: value, local derivatives, gradients ----------------------------------------------
def test_linear_is_one_node_with_the_product_rule_on_each_edge():
    w1, w2, x1, x2, b = (Value(v, label=n) for v, n in
                         [(0.5, "w1"), (-2.0, "w2"), (1.4, "x1"), (3.0, "x2"), (0.25, "b")])
    y = linear([x1, x2], [w1, w2], b)
    assert y.data == 0.25 + 0.5 * 1.4 + -2.0 * 3.0
    assert y.op == "linear" and y._op == "linear" and not y.is_leaf
    assert y.parents == (w1, w2, x1, x2, b)
    assert y.local_grads == (1.4, 3.0, 0.5, -2.0, 1.0)  # ∂y/∂wᵢ = xᵢ, ∂y/∂xᵢ = wᵢ, ∂y/∂b = 1
    assert y._prev == {w1, w2, x1, x2, b}
    y.backward()
    assert [v.grad for v in (w1, w2, x1, x2, b)] == [1.4, 3.0, 0.5, -2.0, 1.0]


def test_sum_and_dot():
    a, b, c = Value(1.5), Value(-2.0), Value(4.0)
    s = engine.sum([a, b, c])
    assert (s.data, s.op, s.parents, s.local_grads) == (3.5, "sum", (a, b, c), (1.0, 1.0, 1.0))
    d = dot([a, b], [c, a])
    assert (d.data, d.op, d.parents, d.local_grads) == (1.5 * 4.0 - 2.0 * 1.5, "dot", (a, b, c, a),
                                                         (4.0, 1.5, 1.5, -2.0))
    (s * d).backward()
    # ∂(s·d)/∂a = d·1 + s·(c + b)  (a is in the sum, and in dot twice: as w₀ and as x₁)
    assert a.grad == pytest.approx(d.data + s.data * (4.0 - 2.0))
    assert c.grad == pytest.approx(d.data + s.data * 1.5)


def test_plain_numbers_are_constants_without_a_slot():
    w, x, b = Value(2.0), Value(-3.0), Value(0.5)
    y = linear([1.5, x], [w, 4.0], b)  # 0.5 + 2·1.5 + 4·(-3)
    assert y.data == 0.5 + 2.0 * 1.5 + 4.0 * -3.0
    assert y.parents == (w, x, b) and y.local_grads == (1.5, 4.0, 1.0)
    assert linear([x], [w], 1.0).parents == (w, x)  # a number as the bias: no slot either
    s = engine.sum([w, 2, x, 0.5])
    assert (s.data, s.parents) == (2.0 + 2 - 3.0 + 0.5, (w, x))
    d = dot([w, 3.0], [2.0, 1.0])  # only w is a Value
    assert (d.data, d.parents, d.local_grads) == (7.0, (w,), (2.0,))
    for node in (y, s, d):
        assert not any(p.is_constant for p in node.parents)


def test_first_layer_inputs_as_numbers_take_no_slot():
    w = [Value(0.5), Value(-1.0)]
    b = Value(0.1)
    y = linear([2.0, 3.0], w, b)
    assert y.parents == (*w, b) and y.local_grads == (2.0, 3.0, 1.0)
    assert y.data == 0.1 + 0.5 * 2.0 + -1.0 * 3.0


def test_same_float_as_the_chain_of_mul_and_add():
    import random

    rng = random.Random(3)
    for n in (1, 2, 7, 64):
        xs = [Value(rng.uniform(-2, 2)) for _ in range(n)]
        ws = [Value(rng.uniform(-2, 2)) for _ in range(n)]
        b = Value(rng.uniform(-1, 1))
        chain = b
        for w, x in zip(ws, xs):
            chain = chain + w * x
        fused = linear(xs, ws, b)
        assert fused.data == chain.data  # the same additions in the same order
        chain.backward()
        chain_grads = [v.grad for v in (*ws, *xs, b)]
        for v in (*ws, *xs, b):
            v.grad = 0.0
        fused.backward()
        assert [v.grad for v in (*ws, *xs, b)] == pytest.approx(chain_grads, rel=1e-15)


CASES = {  # name: (the op on Values, the same op on torch tensors, number of inputs)
    "sum": (lambda *v: engine.sum(v), lambda *t: torch.stack(t).sum(), 4),
    "dot": (lambda *v: dot(v[:3], v[3:]), lambda *t: torch.dot(torch.stack(t[:3]), torch.stack(t[3:])), 6),
    "linear": (lambda *v: linear(v[2:4], v[:2], v[4]),
               lambda *t: t[4] + torch.dot(torch.stack(t[:2]), torch.stack(t[2:4])), 5),
    "linear, numbers among them": (lambda *v: linear([v[0], 2.5], [-1.5, v[1]], v[2]),
                                   lambda *t: t[2] + -1.5 * t[0] + t[1] * 2.5, 3),
    "tanh of linear, reused": (lambda *v: linear([v[0], v[1], v[0]], [v[1], v[2], v[2]], v[0]).tanh(),
                               lambda *t: (t[0] + t[1] * t[0] + t[2] * t[1] + t[2] * t[0]).tanh(), 3),
}
POINTS = [[0.3, -1.2, 2.0, 0.7, -0.4, 1.1], [-2.0, 0.5, 0.25, -0.75, 1.5, -1.0]]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("point", POINTS)
def test_nary_gradients_match_central_differences(name, point):
    op, _, n = CASES[name]
    leaves = [Value(x) for x in point[:n]]
    result = gradcheck(lambda: op(*leaves), leaves, rtol=1e-6, atol=1e-8)
    assert result, str(result)
    assert any(g != 0.0 for g in result.analytic)


@needs_torch
@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("point", POINTS)
def test_nary_gradients_match_pytorch(name, point):
    op, torch_op, n = CASES[name]
    leaves = [Value(x) for x in point[:n]]
    out = op(*leaves)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point[:n]]
    expected = torch_op(*tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-14)
    assert [v.grad for v in leaves] == pytest.approx([t.grad.item() for t in tensors], rel=1e-14)


@needs_torch
def test_an_infinite_local_derivative_times_a_zero_gradient_is_nan_as_in_pytorch():
    # backward() skips an n-ary node whose gradient is 0 only when that changes nothing
    w, x = Value(2.0), Value(math.inf)
    (dot([w], [x]) * 0.0).backward()
    tw, tx = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, math.inf))
    (torch.dot(tw.reshape(1), tx.reshape(1)) * 0.0).backward()
    assert math.isnan(w.grad) and math.isnan(tw.grad.item())
    assert x.grad == tx.grad.item() == 0.0


def test_a_zero_gradient_reaches_every_input_as_zero():
    w, x, b = Value(1.0), Value(-5.0), Value(0.0)
    y = linear([x], [w], b).relu()  # relu(-5) = 0: ∂y/∂(the linear node) = 0
    w.grad = x.grad = b.grad = 0.0
    y.backward()
    assert (w.grad, x.grad, b.grad) == (0.0, 0.0, 0.0)


# -- random graphs mixing n-ary and binary nodes -----------------------------------------------
NARY_OPS = [
    lambda nodes: engine.sum(nodes),
    lambda nodes: dot(nodes, nodes[::-1]),
    lambda nodes: linear(nodes[1:], nodes[:-1], nodes[0]) if len(nodes) > 1 else linear(nodes, nodes, 0.5),
    lambda nodes: linear([*nodes, 1.5], [0.5, *nodes], -1.0),
    lambda nodes: engine.sum([2.0, *nodes]).tanh(),
]
BINARY_OPS = [
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: (a * a + 1).log() + b.sigmoid(),
    lambda a, b: a / (b * b + 1),
]
mixed_step = st.one_of(
    st.tuples(st.just("nary"), st.integers(0, len(NARY_OPS) - 1), st.lists(st.integers(0, 99), min_size=1,
                                                                            max_size=5)),
    st.tuples(st.just("binary"), st.integers(0, len(BINARY_OPS) - 1), st.lists(st.integers(0, 99), min_size=2,
                                                                               max_size=2)),
)
mixed_programs = st.lists(mixed_step, min_size=1, max_size=8)
points = st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4)


def run_mixed(program, leaves):
    nodes = list(leaves)
    for kind, op, picks in program:
        inputs = [nodes[i % len(nodes)] for i in picks]
        nodes.append(NARY_OPS[op](inputs) if kind == "nary" else BINARY_OPS[op](*inputs))
    return nodes[-1] if len(nodes) > len(leaves) else nodes[-1] * 1.0


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(mixed_programs, points)
def test_random_mixed_graphs_match_central_differences(program, point):
    leaves = [Value(x) for x in point]
    result = gradcheck(lambda: run_mixed(program, leaves), leaves, rtol=1e-5, atol=1e-6)
    assert result, str(result)


@needs_torch
@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(mixed_programs, points)
def test_random_mixed_graphs_match_pytorch(program, point):
    torch_nary = [
        lambda t: torch.stack(t).sum(),
        lambda t: torch.dot(torch.stack(t), torch.stack(t[::-1])),
        lambda t: (t[0] + torch.dot(torch.stack(t[:-1]), torch.stack(t[1:])) if len(t) > 1
                   else 0.5 + t[0] * t[0]),
        lambda t: -1.0 + 0.5 * t[0] + sum(a * b for a, b in zip(t[1:], t[:-1])) + t[-1] * 1.5,
        lambda t: (2.0 + torch.stack(t).sum()).tanh(),
    ]
    leaves = [Value(x) for x in point]
    out = run_mixed(program, leaves)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    nodes = list(tensors)
    for kind, op, picks in program:
        inputs = [nodes[i % len(nodes)] for i in picks]
        nodes.append(torch_nary[op](inputs) if kind == "nary" else BINARY_OPS[op](*inputs))
    expected = nodes[-1] if len(nodes) > len(tensors) else nodes[-1] * 1.0
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    grads = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    assert [v.grad for v in leaves] == pytest.approx(grads, rel=1e-8, abs=1e-10)


# -- the graph: order, depth, backward twice, no_grad ------------------------------------------
def test_topological_order_puts_every_node_before_its_inputs():
    x, y = Value(1.0), Value(2.0)
    a = linear([x, y], [y, x], x)
    b = engine.sum([a, x * y, a.tanh()])
    order = topological_order(b)
    assert order[0] is b and set(order) == {b, a, x, y, order[2], order[3]} | set(b.parents)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[node] < position[p] for p in node.parents)


def test_a_deep_chain_of_nary_nodes():
    # y ← linear([y, 1], [c, y], 0): y·c + y, 100,000 times: y = x·(c + 1)ⁿ
    x, c = Value(1.0), Value(1e-5)
    y = x
    for _ in range(100_000):
        y = linear([y, 1.0], [c, y], 0.0)
    y.backward()
    n = 100_000
    assert y.data == pytest.approx(1.00001**n, rel=1e-9)
    assert x.grad == pytest.approx(1.00001**n, rel=1e-9)
    assert c.grad == pytest.approx(n * 1.00001 ** (n - 1), rel=1e-9)  # ∂y/∂c = n·x·(c + 1)ⁿ⁻¹


def test_backward_twice_resets_nary_intermediates_and_accumulates_leaves():
    a, b = Value(2.0), Value(3.0)
    s = engine.sum([a, b])
    y = dot([s], [s])  # (a + b)²
    y.backward()
    y.backward()
    assert s.grad == 2 * 5.0  # reset, not accumulated
    assert a.grad == b.grad == 2 * (2 * 5.0)  # leaves accumulate, as in PyTorch


def test_no_grad_nary_ops_record_no_inputs():
    w, x, b = Value(2.0), Value(3.0), Value(1.0)
    with no_grad():
        outs = [linear([x], [w], b), dot([w], [x]), engine.sum([w, x]), linear([3.0], [w], b)]
    assert [o.data for o in outs] == [7.0, 6.0, 5.0, 7.0]
    assert all(o.is_leaf and o.parents == () and o.local_grads == () for o in outs)


def test_micrograd_style_backward_step_by_hand():
    w, x = Value(2.0), Value(3.0)
    y = dot([w], [x])
    y.grad = 1.0
    y._backward()  # micrograd's one step: pass the grad to the inputs
    assert (w.grad, x.grad) == (3.0, 2.0)


# -- bad inputs: a clear error naming the op ---------------------------------------------------
v = Value(1.0)


@pytest.mark.parametrize("call, error, words", [
    (lambda: engine.sum([]), ValueError, ["sum", "empty"]),
    (lambda: dot([], []), ValueError, ["dot", "empty"]),
    (lambda: linear([], [], v), ValueError, ["linear", "empty"]),
    (lambda: dot([v, v], [v]), ValueError, ["dot", "2", "1", "same length"]),
    (lambda: linear([v], [v, v], v), ValueError, ["linear", "w has 2", "x has 1"]),
    (lambda: engine.sum([v, "a"]), TypeError, ["sum", "values[1]", "str", "'a'"]),
    (lambda: dot([v, None], [v, v]), TypeError, ["dot", "w[1]", "NoneType"]),
    (lambda: linear([v, [1.0]], [v, v], v), TypeError, ["linear", "x[1]", "list"]),
    (lambda: linear([v], [v], "b"), TypeError, ["linear", "b", "str"]),
    (lambda: linear([v], [v], True), TypeError, ["linear", "b", "bool"]),
    (lambda: engine.sum(v), TypeError, ["sum", "list of Values", "Value"]),
    (lambda: engine.sum("abc"), TypeError, ["sum", "list of Values", "str"]),
    (lambda: dot(3.0, [v]), TypeError, ["dot", "w", "float"]),
    (lambda: engine.sum([1.0, 2.0]), ValueError, ["sum", "all numbers"]),
    (lambda: linear([1.0], [2.0], 3.0), ValueError, ["linear", "all numbers"]),
])
def test_bad_inputs_name_the_op(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_generators_and_tuples_work_as_lists():
    a, b = Value(1.0), Value(2.0)
    assert engine.sum(x for x in (a, b)).data == 3.0
    assert linear((a, b), iter([b, a]), 0.0).data == 4.0


def test_engine_sum_is_not_exported_over_pythons_sum():
    assert "sum" not in engine.__all__  # `from tinygrad_edu.engine import *` keeps Python's sum
    assert {"dot", "linear", "Value"} <= set(engine.__all__)
