"""tinygrad_edu.engine at the edges, as PyTorch: NaN and ±inf through every op, the derivatives that
are 0 by selection (relu where x ≤ 0, x**0), a division by a subnormal, relu′(0) = 0."""

import itertools
import math

import pytest
from conftest import needs_torch, optional_import

from tinygrad_edu import Value, nn
from tinygrad_edu.engine import OPS

torch = optional_import("torch")  # None without PyTorch: the tests that use it are marked needs_torch

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.5, -1.5, 2.0]
REFUSED = (ValueError, OverflowError)  # the engine refuses log(-1), x/0, 0**-1, (-2)**0.5, exp(1000)


def same(a: float, b: float) -> bool:
    """NaN where PyTorch has NaN, the same infinity, else equal to 1e-14 (0.0 and -0.0 are both 0)."""
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return math.isclose(a, b, rel_tol=1e-14, abs_tol=0.0)


def engine_and_torch(name: str, inputs: tuple[float, ...]):
    """(value, grads) of op ``name`` at ``inputs`` by the engine and by PyTorch float64; None for
    the engine when it refuses the inputs."""
    op = OPS[name]
    try:
        leaves = [Value(x) for x in inputs]
        out = op.apply(*leaves)
        out.backward()
        ours = (out.data, [leaf.grad for leaf in leaves])
    except REFUSED:
        ours = None
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    functions = {"neg": torch.neg, "exp": torch.exp, "log": torch.log, "tanh": torch.tanh,
                 "sigmoid": torch.sigmoid, "relu": torch.relu}
    t = functions[name](ts[0]) if name in functions else op.apply(*ts)
    t.backward()
    return ours, (t.item(), [x.grad.item() for x in ts])


@needs_torch
@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.arity is not None])
def test_nan_and_inf_go_through_every_op_as_in_pytorch(name):
    arity = OPS[name].arity
    checked = 0
    for inputs in itertools.product(SPECIAL, repeat=arity):
        ours, theirs = engine_and_torch(name, inputs)
        if ours is None:
            continue
        checked += 1
        assert same(ours[0], theirs[0]), (name, inputs, ours, theirs)
        assert all(map(same, ours[1], theirs[1])), (name, inputs, ours, theirs)
    assert checked >= len(SPECIAL) ** arity // 2


def test_relu_propagates_nan():
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data) and x.grad == 1.0  # PyTorch's relu: nan, and its gradient passes
    model = nn.MLP(3, [4, 1], seed=0)
    assert math.isnan(model([math.nan, 1.0, 1.0]).data)  # a diverged network does not look healthy


@pytest.mark.parametrize("x, grad", [(0.0, 0.0), (-0.0, 0.0), (-1e-300, 0.0), (5e-324, 1.0), (2.0, 1.0)])
def test_relu_derivative_is_zero_at_zero(x, grad):
    v = Value(x)
    y = v.relu()
    y.backward()
    assert (y.local_grads, v.grad) == ((grad,), grad)


def test_a_derivative_zero_by_selection_stays_zero_times_infinity():
    # relu(0) ** 0.25: the power's slope at 0 is inf, relu's is 0 there; PyTorch gives 0, not 0·inf = nan
    x = Value(0.0)
    y = x.relu() ** 0.25
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    # x ** 0 is 1 everywhere: its derivative is 0 even under an infinite gradient
    z = Value(0.0)
    w = (z**0.0) * Value(0.0) ** 0.5
    w.backward()
    assert z.grad == 0.0
    if torch is not None:
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        (torch.relu(t) ** 0.25).backward()
        assert t.grad.item() == 0.0


def test_dividing_by_a_subnormal_keeps_a_finite_gradient_finite():
    a, b = Value(1.0), Value(1e-310)
    y = a / b
    y.backward(1e-20)
    # ∂L/∂a = g/b = 1e-20/1e-310 ≈ 1e290 (PyTorch computes g/b); 1/b alone overflows to inf
    assert a.grad == 1e-20 / 1e-310 and math.isfinite(a.grad)
    assert y.local_grads[0] == math.inf  # the local derivative 1/b itself is beyond the largest float
    if torch is not None:
        ta = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        (ta / torch.tensor(1e-310, dtype=torch.float64)).backward(torch.tensor(1e-20, dtype=torch.float64))
        assert ta.grad.item() == a.grad


def test_the_special_local_derivatives_are_floats_in_every_other_use():
    dead = Value(-1.0).relu().local_grads[0]  # relu's exact 0
    steep = (Value(1.0) / Value(1e-310)).local_grads[0]  # 1/b that overflows, kept as a division by b
    assert (dead * 2, 2 * dead, dead * 3.5, dead + 1.0, float(dead)) == (0.0, 0.0, 0.0, 1.0, 0.0)
    assert (steep * 1e-20, 1e-20 * steep, steep * 2) == (1e-20 / 1e-310, 1e-20 / 1e-310, 2 / 1e-310)
    assert steep == math.inf and f"{dead:.2f}" == "0.00" and repr(dead) == "0.0"
