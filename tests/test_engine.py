"""tinygrad_edu.engine: Value, its ops and backward() — every op against PyTorch float64 and central
differences, micrograd's own tests, random graphs, deep and shared graphs, the extremes.

PyTorch is optional: the comparisons with it are skipped (with the reason) when it is not installed;
the central-difference checks always run. The rest of the engine has its own files: test_no_grad.py,
test_scope.py, test_engine_input.py (bad input, conversions, micrograd's names), test_engine_semantics.py
(NaN, inf and PyTorch's edges), test_nary.py (sum, dot, linear), test_ops.py (the op table).
"""

import math
import sys

import pytest
from conftest import needs_torch, optional_import
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order
from tinygrad_edu.gradcheck import gradcheck

torch = optional_import("torch")  # None without PyTorch: the tests that use it are marked needs_torch


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# -- every op --------------------------------------------------------------------------------
# (name, op, the same op on floats, input points). Each op is written once and applied to Values,
# to torch tensors and to floats: the operators and method names are the same.
ANY, POSITIVE = [-1.3, 0.4, 2.0], [0.3, 1.7]
PAIRS = [(1.5, -2.25), (-0.75, 0.5), (3.0, 2.0)]
POSITIVE_BASE_PAIRS = [(1.5, -2.25), (0.7, 0.5), (2.0, 3.0)]
OPS = [
    ("a + b", lambda a, b: a + b, None, PAIRS),
    ("a + 3", lambda a: a + 3, None, ANY),
    ("3 + a", lambda a: 3 + a, None, ANY),
    ("a - b", lambda a, b: a - b, None, PAIRS),
    ("a - 2.5", lambda a: a - 2.5, None, ANY),
    ("2.5 - a", lambda a: 2.5 - a, None, ANY),
    ("a * b", lambda a, b: a * b, None, PAIRS),
    ("a * -4", lambda a: a * -4, None, ANY),
    ("-4 * a", lambda a: -4 * a, None, ANY),
    ("a / b", lambda a, b: a / b, None, PAIRS),
    ("a / 4.0", lambda a: a / 4.0, None, ANY),
    ("4.0 / a", lambda a: 4.0 / a, None, ANY),
    ("a ** 3", lambda a: a**3, None, ANY),
    ("a ** -2", lambda a: a**-2, None, ANY),
    ("a ** 0", lambda a: a**0, None, ANY),
    ("a ** 2.5", lambda a: a**2.5, None, POSITIVE),
    ("a ** b", lambda a, b: a**b, None, POSITIVE_BASE_PAIRS),
    ("2 ** a", lambda a: 2**a, None, ANY),
    ("-a", lambda a: -a, None, ANY),
    ("exp", lambda a: a.exp(), math.exp, ANY),
    ("log", lambda a: a.log(), math.log, POSITIVE),
    ("tanh", lambda a: a.tanh(), math.tanh, ANY),
    ("sigmoid", lambda a: a.sigmoid(), sigmoid, ANY),
    ("relu", lambda a: a.relu(), lambda x: max(x, 0.0), ANY),
    ("a + a", lambda a: a + a, None, ANY),
    ("a * a", lambda a: a * a, None, ANY),
]
CASES = [
    pytest.param(op, reference or op, point if isinstance(point, tuple) else (point,), id=f"{name}, {point}")
    for name, op, reference, points in OPS
    for point in points
]


def backprop(op, point):
    """The op applied to fresh leaves holding point, backpropagated: (output, leaves)."""
    leaves = [Value(x) for x in point]
    out = op(*leaves)
    out.backward()
    return out, leaves


def torch_backprop(op, point):
    """The same with float64 torch tensors: (output value, the leaves' grads)."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = op(*leaves)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in leaves]


@pytest.mark.parametrize("op, reference, point", CASES)
def test_op_value_and_gradient_match_central_differences(op, reference, point):
    out, leaves = backprop(op, point)
    assert out.data == pytest.approx(reference(*point), rel=1e-15)
    result = gradcheck(lambda: op(*leaves), leaves, rtol=1e-6, atol=1e-8)
    assert result, str(result)
    assert [x.grad for x in leaves] == result.analytic


@needs_torch
@pytest.mark.parametrize("op, reference, point", CASES)
def test_op_value_and_gradient_match_pytorch(op, reference, point):
    out, leaves = backprop(op, point)
    expected_out, expected_grads = torch_backprop(op, point)
    assert out.data == pytest.approx(expected_out, rel=1e-14)
    assert [x.grad for x in leaves] == pytest.approx(expected_grads, rel=1e-14)


def test_op_names_and_local_derivatives():
    a, b = Value(2.0), Value(-3.0)
    t, s = math.tanh(2.0), sigmoid(2.0)
    expected = [
        (a + b, "+", (a, b), (1.0, 1.0)),
        (a - b, "-", (a, b), (1.0, -1.0)),
        (a * b, "*", (a, b), (-3.0, 2.0)),
        (a / b, "/", (a, b), (1 / -3.0, -2.0 / 9.0)),
        (a**b, "**", (a, b), (-3.0 * 2.0**-4, 2.0**-3 * math.log(2.0))),
        (-a, "neg", (a,), (-1.0,)),
        (a.exp(), "exp", (a,), (math.exp(2.0),)),
        (a.log(), "log", (a,), (0.5,)),
        (a.tanh(), "tanh", (a,), (1 - t * t,)),
        (a.sigmoid(), "sigmoid", (a,), (s * (1 - s),)),
        (a.relu(), "relu", (a,), (1.0,)),
        (b.relu(), "relu", (b,), (0.0,)),
    ]
    for out, op, parents, local_grads in expected:
        assert (out.op, out.parents) == (op, parents)
        assert out.local_grads == pytest.approx(local_grads, rel=1e-15)
    assert (a**3).parents[0] is a and (a**3).parents[1].data == 3.0
    assert (a**3).local_grads[0] == 12.0


def test_a_leaf():
    a = Value(3)
    assert (a.data, a.grad, a.label, a.op, a.parents, a.local_grads) == (3.0, 0.0, "", "", (), ())
    assert type(a.data) is float


def test_sum_starts_from_zero():
    xs = [Value(1.0), Value(2.0), Value(3.5)]
    total = sum(xs)
    total.backward()
    assert total.data == 6.5 and [x.grad for x in xs] == [1.0, 1.0, 1.0]


# -- micrograd's test_engine.py, unchanged but for the import ---------------------------------
@needs_torch
def test_sanity_check():

    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()


@needs_torch
def test_more_ops():

    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol


def test_micrograd_expressions_real_values():
    """The two expressions above, with the values PyTorch gives, so they are checked without it too."""
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert (y.data, x.grad) == (-20.0, 46.0)

    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert g.data == pytest.approx(24.70408163265306, rel=1e-15)
    assert (a.grad, b.grad) == (pytest.approx(138.83381924198252), pytest.approx(645.5772594752186))


# -- random expression graphs ------------------------------------------------------------------
# Ops that are smooth and defined everywhere, so any program of them can be checked numerically.
GRAPH_OPS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1),
    lambda a, b: (a * a + 1) ** b.tanh(),
    lambda a, b: -a,
    lambda a, b: a.tanh(),
    lambda a, b: a.sigmoid(),
    lambda a, b: (-(a * a)).exp(),
    lambda a, b: (a * a + 1).log(),
    lambda a, b: a**2,
    lambda a, b: 2 ** a.tanh(),
    lambda a, b: 0.5 - a,
    lambda a, b: 3 * a + b,
    lambda a, b: 1 / (a * a + 1),
]
step = st.tuples(st.integers(0, len(GRAPH_OPS) - 1), st.integers(0, 99), st.integers(0, 99))  # op, inputs
programs = st.lists(step, min_size=1, max_size=8)
points = st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3)


def run_program(program, leaves):
    """Each step applies an op to two earlier nodes (picked by index), so nodes get reused."""
    nodes = list(leaves)
    for op, i, j in program:
        nodes.append(GRAPH_OPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return nodes[-1]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(programs, points)
def test_random_graphs_match_central_differences(program, point):
    leaves = [Value(x) for x in point]
    result = gradcheck(lambda: run_program(program, leaves), leaves, rtol=1e-5, atol=1e-6)
    assert result, str(result)


@needs_torch
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(programs, points)
def test_random_graphs_match_pytorch(program, point):
    out, leaves = backprop(lambda *xs: run_program(program, xs), point)
    expected_out, expected_grads = torch_backprop(lambda *xs: run_program(program, xs), point)
    assert out.data == pytest.approx(expected_out, rel=1e-12, abs=1e-300)
    assert [x.grad for x in leaves] == pytest.approx(expected_grads, rel=1e-9, abs=1e-12)


# -- a deep chain, reused nodes, backward twice -----------------------------------------------
def test_a_million_deep_chain_at_the_default_recursion_limit():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default
    try:
        x, c = Value(1.0), Value(1.000001)
        y = x
        for _ in range(1_000_000):
            y = y * c  # y = x·cⁿ
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert len(topological_order(y)) == 1_000_002  # y, 999,999 products, x and c
    assert x.grad == pytest.approx(1.000001**1_000_000, rel=1e-9)  # cⁿ ≈ e
    assert x.grad == pytest.approx(math.e, rel=1e-6)
    # c, one node used 10⁶ times: ∂y/∂c = n·cⁿ⁻¹·x
    assert c.grad == pytest.approx(1_000_000 * 1.000001**999_999, rel=1e-9)


def test_reused_nodes_accumulate():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0

    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0  # 2a

    a = Value(2.0)
    (a * a * a).backward()
    assert a.grad == 12.0  # 3a²


def test_diamonds():
    a = Value(2.0)
    b, c = a * 3, a + 1  # two paths from a ...
    L = b * c  # ... meeting again: L = 3a² + 3a
    L.backward()
    assert (L.data, a.grad, b.grad, c.grad) == (18.0, 15.0, 3.0, 6.0)  # dL/da = 6a + 3

    a = Value(2.0)
    b = a * a
    L = b + b * a  # a² + a³, with b used twice and a three times
    L.backward()
    assert (a.grad, b.grad) == (16.0, 3.0)  # 2a + 3a², 1 + a


@needs_torch
def test_backward_twice_accumulates_into_leaves_like_pytorch():
    def loss(a, b, c):
        return (a * b + c).tanh() * a

    out, leaves = backprop(loss, (0.5, -0.3, 0.2))
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (0.5, -0.3, 0.2)]
    t_out = loss(*ts)
    t_out.backward(retain_graph=True)
    t_out.backward()
    assert [x.grad for x in leaves] == pytest.approx([t.grad.item() for t in ts], rel=1e-14)


def test_backward_twice_resets_intermediates():
    a, b, c = Value(2.0), Value(-3.0), Value(10.0)
    m = a * b
    n = m + c
    L = n.tanh()
    L.backward()
    once = [a.grad, b.grad, c.grad, m.grad, n.grad, L.grad]
    L.backward()
    dn = 1 - math.tanh(4.0) ** 2
    assert once == pytest.approx([dn * -3.0, dn * 2.0, dn, dn, dn, 1.0], rel=1e-15)
    assert [a.grad, b.grad, c.grad] == [2 * g for g in once[:3]]  # leaves accumulate
    assert [m.grad, n.grad, L.grad] == once[3:]  # intermediates start from 0 on every call


def test_a_second_loss_sharing_a_node_resets_it():
    a, b = Value(0.5), Value(-1.0)
    m = a * b
    (m * 2.0).backward()
    (m.exp()).backward()
    assert m.grad == math.exp(-0.5)  # only the second loss's ∂/∂m
    assert a.grad == pytest.approx(2.0 * -1.0 + math.exp(-0.5) * -1.0, rel=1e-15)


def test_backward_of_a_leaf():
    a = Value(4.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


# -- extremes --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x, op, data, grad",
    [
        (-1000.0, "sigmoid", 0.0, 0.0),
        (1000.0, "sigmoid", 1.0, 0.0),
        (-1.7976931348623157e308, "sigmoid", 0.0, 0.0),
        (1.7976931348623157e308, "sigmoid", 1.0, 0.0),
        (-700.0, "sigmoid", math.exp(-700.0), math.exp(-700.0)),
        (-745.0, "sigmoid", 5e-324, 5e-324),  # the smallest float, which PyTorch flushes to 0
        (-1000.0, "tanh", -1.0, 0.0),
        (1000.0, "tanh", 1.0, 0.0),
        (-1000.0, "exp", 0.0, 0.0),
    ],
)
def test_extremes_are_finite_and_exact(x, op, data, grad):
    a = Value(x)
    out = getattr(a, op)()
    out.backward()
    assert out.data == pytest.approx(data, rel=1e-15, abs=0.0)
    assert a.grad == pytest.approx(grad, rel=1e-15, abs=0.0)


@needs_torch
@pytest.mark.parametrize("x", [-708.0, -700.0, -40.0, -20.0, 20.0, 40.0, 700.0])
@pytest.mark.parametrize("op", ["sigmoid", "tanh"])
def test_saturating_functions_match_pytorch_far_out(op, x):
    out, (a,) = backprop(lambda v: getattr(v, op)(), (x,))
    expected_out, (expected_grad,) = torch_backprop(lambda v: getattr(v, op)(), (x,))
    assert out.data == pytest.approx(expected_out, rel=1e-14, abs=0.0)
    assert a.grad == pytest.approx(expected_grad, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("n, data, base_grad", [(2.0, 0.0, 0.0), (1.0, 0.0, 1.0), (0.0, 1.0, 0.0)])
def test_zero_base_with_a_value_exponent(n, data, base_grad):
    a, exponent = Value(0.0), Value(n)
    out = a**exponent
    out.backward()
    # ∂(aⁿ)/∂n = aⁿ·ln a has the limit 0 as a → 0⁺; these are PyTorch's values
    assert (out.data, a.grad, exponent.grad) == (data, base_grad, 0.0)


def test_dividing_by_a_tiny_number_gives_an_infinite_gradient_not_a_crash():
    a, b = Value(1.0), Value(1e-200)
    (a / b).backward()  # b² underflows to 0: the derivative −a/b² must not be computed as −a/(b·b)
    assert (a.grad, b.grad) == (1e200, -math.inf)  # what PyTorch gives
    b = Value(1e-200)
    (1.0 / b).backward()
    assert b.grad == -math.inf



@pytest.mark.parametrize(
    "a, n, data, grad",
    [
        (0.0, 0.5, 0.0, math.inf),  # √a at 0: the value is 0, the slope is vertical
        (0.0, 0.25, 0.0, math.inf),
        (1e-200, -1.0, 1e200, -math.inf),  # n·aⁿ⁻¹ = −a⁻² overflows
        (-1e-150, -2.0, 1e300, math.inf),  # −2·a⁻³ with a negative a: +inf
    ],
)
def test_a_vertical_power_slope_is_an_infinite_gradient_as_in_pytorch(a, n, data, grad):
    x = Value(a)
    out = x**n
    out.backward()
    assert (out.data, x.grad) == (data, grad)
    if torch is not None:
        t = torch.tensor(a, dtype=torch.float64, requires_grad=True)
        (t**n).backward()
        assert t.grad.item() == grad


def test_backward_checks_its_gradient_argument():
    with pytest.raises(TypeError, match=r"backward\(gradient\) must be a real number.*str"):
        (Value(1.0) * 2).backward("1")
    out = Value(3.0) * 2
    out.backward(0.5)
    assert out.grad == 0.5
