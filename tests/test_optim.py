"""Optimizers: PyTorch's update rules, step by step and parameter by parameter, and hand-computed steps."""

import math

import pytest
from conftest import needs_torch, optional_import

from tinygrad_edu.engine import Value
from tinygrad_edu.gradcheck import numerical_grad
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import SGD, Adam

torch = optional_import("torch")  # None without PyTorch: the tests that use it are marked needs_torch

START = [1.5, -0.5, 0.25, 2.0]


def objective(w):
    """A small non-convex function of four parameters (works on Values and on torch tensors alike)."""
    return (w[0] * w[1] - 1.0) ** 2 + (w[2] + 0.5 * w[3]).tanh() * w[0] + 0.1 * w[3] ** 4 + w[1] * w[2]


CONFIGS = {
    "SGD": (SGD, {"lr": 0.05}),
    "SGD momentum": (SGD, {"lr": 0.05, "momentum": 0.9}),
    "SGD weight decay": (SGD, {"lr": 0.05, "weight_decay": 0.1}),
    "SGD momentum and weight decay": (SGD, {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01}),
    "Adam": (Adam, {}),
    "Adam lr betas eps": (Adam, {"lr": 0.1, "betas": (0.8, 0.99), "eps": 1e-6}),
    "Adam weight decay": (Adam, {"lr": 0.05, "weight_decay": 0.1}),
}


@needs_torch
@pytest.mark.parametrize("name", CONFIGS)
def test_steps_match_torch_optim_parameter_by_parameter(name):
    ours_cls, kwargs = CONFIGS[name]
    torch_cls = {SGD: torch.optim.SGD, Adam: torch.optim.Adam}[ours_cls]
    ws = [Value(x) for x in START]
    tws = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt, topt = ours_cls(ws, **kwargs), torch_cls(tws, **kwargs)
    for _ in range(12):
        opt.zero_grad()
        objective(ws).backward()
        topt.zero_grad()
        objective(tws).backward()
        assert [w.grad for w in ws] == pytest.approx([t.grad.item() for t in tws], rel=1e-12, abs=1e-14)
        opt.step()
        topt.step()
        assert [w.data for w in ws] == pytest.approx([t.item() for t in tws], rel=1e-12, abs=1e-14)
    assert [w.data for w in ws] != START  # the parameters really moved


def test_sgd_step_is_w_minus_lr_times_grad():
    w = Value(1.0)
    w.grad = 2.0
    SGD([w], lr=0.1).step()
    assert w.data == pytest.approx(0.8, rel=1e-15)


def test_sgd_momentum_buffer_starts_at_the_gradient():
    w = Value(0.0)
    opt = SGD([w], lr=1.0, momentum=0.5)
    w.grad = 1.0
    opt.step()  # b = g = 1
    assert (w.data, opt.momentum_buffer) == (-1.0, [1.0])
    opt.step()  # b = 0.5·1 + 1 = 1.5
    assert (w.data, opt.momentum_buffer) == (-2.5, [1.5])


def test_sgd_weight_decay_adds_lambda_w_to_the_gradient():
    w = Value(2.0)
    w.grad = 0.5
    SGD([w], lr=0.1, weight_decay=0.25).step()  # g = 0.5 + 0.25·2 = 1
    assert w.data == pytest.approx(1.9, rel=1e-15)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    ws = [Value(1.0), Value(1.0), Value(1.0)]
    for w, g in zip(ws, [3.0, -0.001, 0.0]):
        w.grad = g
    opt = Adam(ws, lr=0.01)
    opt.step()  # m̂ = g, v̂ = g²: the step is lr·g/(|g| + ε)
    assert [w.data for w in ws] == pytest.approx([0.99, 1.01, 1.0], rel=1e-7)
    assert opt.t == 1 and opt.m == pytest.approx([0.3, -0.0001, 0.0]) and opt.v[0] == pytest.approx(0.009)


def test_adam_two_steps_by_hand():
    w = Value(0.0)
    opt = Adam([w], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    w.grad = 1.0
    opt.step()
    w.grad = 3.0
    opt.step()
    m, v = 0.5 * 0.5 + 0.5 * 3.0, 0.75 * 0.25 + 0.25 * 9.0  # after the first step m = 0.5, v = 0.25
    second = 0.1 * (m / (1 - 0.5**2)) / math.sqrt(v / (1 - 0.75**2))
    assert w.data == pytest.approx(-0.1 - second, rel=1e-14)


def test_gradient_descent_matches_one_driven_by_central_differences():
    ws = [Value(x) for x in START]
    numeric = [Value(x) for x in START]
    opt, opt_numeric = SGD(ws, lr=0.02, momentum=0.9), SGD(numeric, lr=0.02, momentum=0.9)
    for _ in range(10):
        opt.zero_grad()
        objective(ws).backward()
        opt.step()
        for w, g in zip(numeric, numerical_grad(lambda: objective(numeric), numeric)):
            w.grad = g
        opt_numeric.step()
    assert [w.data for w in ws] == pytest.approx([w.data for w in numeric], rel=1e-6)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_training_an_mlp_reduces_the_loss(make):
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    xs = [[x / 4] for x in range(-4, 5)]
    ys = [x[0] ** 2 for x in xs]
    opt = make(model.parameters())  # a generator would do too
    losses = []
    for _ in range(100):
        opt.zero_grad()
        loss = mse([model(x) for x in xs], ys)
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.05 * losses[0]


def test_zero_grad_and_generators_and_changing_lr():
    ws = [Value(1.0), Value(2.0)]
    opt = SGD((w for w in ws), lr=0.5)
    assert opt.params == ws
    for w in ws:
        w.grad = 1.0
    opt.lr = 0.25  # a schedule changes lr between steps
    opt.step()
    assert [w.data for w in ws] == [0.75, 1.75]
    opt.zero_grad()
    assert [w.grad for w in ws] == [0.0, 0.0]


@pytest.mark.parametrize("call, error, words", [
    (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, ["Invalid learning rate", "-0.1"]),
    (lambda: SGD([Value(1.0)], lr=float("nan")), ValueError, ["Invalid learning rate", "nan"]),
    (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, ["SGD", "str"]),
    (lambda: SGD([Value(1.0)], lr=10**400), ValueError, ["SGD: learning rate", "a float holds"]),
    (lambda: SGD([Value(1.0)], lr=0.1, momentum=-1), ValueError, ["Invalid momentum value", "-1"]),
    (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1), ValueError, ["Invalid weight_decay value"]),
    (lambda: SGD([], lr=0.1), ValueError, ["empty parameter list"]),
    (lambda: SGD((w for w in []), lr=0.1), ValueError, ["empty parameter list"]),
    (lambda: SGD([1.0], lr=0.1), TypeError, ["params[0]", "float"]),
    (lambda: SGD(Value(1.0), lr=0.1), TypeError, ["iterable"]),
    (lambda: SGD([v := Value(1.0), v], lr=0.1), ValueError, ["params[1]", "more than once"]),
    (lambda: Adam([Value(1.0)], lr=-1.0), ValueError, ["Invalid learning rate"]),
    (lambda: Adam([Value(1.0)], eps=-1e-8), ValueError, ["Invalid epsilon value"]),
    (lambda: Adam([Value(1.0)], betas=(1.0, 0.9)), ValueError, ["Invalid beta parameter at index 0", "1.0"]),
    (lambda: Adam([Value(1.0)], betas=(0.9, -0.1)), ValueError, ["Invalid beta parameter at index 1"]),
    (lambda: Adam([Value(1.0)], betas=0.9), TypeError, ["betas"]),
    (lambda: Adam([Value(1.0)], weight_decay=-0.5), ValueError, ["Invalid weight_decay value"]),
])
def test_bad_arguments_raise_like_pytorch(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
