"""Losses: values and gradients against PyTorch float64, central differences and the docstrings' formulas."""

import math

import pytest
from conftest import needs_torch, optional_import
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu.engine import Value
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.losses import bce_with_logits, cross_entropy, hinge, log_loss, mse, softmax

torch = optional_import("torch")  # None without PyTorch: the tests that use it are marked needs_torch
F = torch.nn.functional if torch else None


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def leaves(xs):
    return [Value(float(x), label=f"x{i}") for i, x in enumerate(xs)]


def value_and_grads(loss_of, xs):
    """J and ∂J/∂x for leaves made from the numbers xs."""
    vs = leaves(xs)
    J = loss_of(vs)
    J.backward()
    return J.data, [v.grad for v in vs]


def torch_value_and_grads(loss_of, xs):
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    J = loss_of(t)
    J.backward()
    return J.item(), t.grad.tolist()


def assert_matches_torch(ours, theirs, xs):
    J, grads = value_and_grads(ours, xs)
    tJ, tgrads = torch_value_and_grads(theirs, xs)
    assert J == pytest.approx(tJ, rel=1e-12, abs=1e-12)
    assert grads == pytest.approx(tgrads, rel=1e-10, abs=1e-12)


def assert_gradcheck(loss_of, xs):
    vs = leaves(xs)
    result = gradcheck(lambda: loss_of(vs), vs)
    assert result, str(result)


T64 = {"dtype": torch.float64} if torch else {}

# (our loss over leaves, torch's loss over a tensor, the leaves' numbers)
CASES = {
    "mse one": (lambda v: mse(v[0], 1.5), lambda t: F.mse_loss(t[0], torch.tensor(1.5, **T64)), [-0.7]),
    "mse batch": (lambda v: mse(v, [1.0, -2.0, 0.5]),
                  lambda t: F.mse_loss(t, torch.tensor([1.0, -2.0, 0.5], **T64)), [0.3, -1.1, 2.0]),
    "log_loss one": (lambda v: log_loss(v[0], 1.0),
                     lambda t: F.binary_cross_entropy(t[0], torch.tensor(1.0, **T64)), [0.8]),
    "log_loss batch, soft targets": (
        lambda v: log_loss(v, [1.0, 0.0, 0.3, 0.9]),
        lambda t: F.binary_cross_entropy(t, torch.tensor([1.0, 0.0, 0.3, 0.9], **T64)),
        [0.2, 0.6, 0.5, 0.99]),
    "bce_with_logits one": (lambda v: bce_with_logits(v[0], 0.0),
                            lambda t: F.binary_cross_entropy_with_logits(t[0], torch.tensor(0.0, **T64)),
                            [1.3]),
    "bce_with_logits batch, large and zero logits": (
        lambda v: bce_with_logits(v, [1.0, 0.0, 0.25, 1.0, 0.0, 0.5]),
        lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor([1.0, 0.0, 0.25, 1.0, 0.0, 0.5], **T64)),
        [0.0, 0.0, -2.5, 40.0, -35.0, 3.0]),
    "softmax weighted": (  # a weighted sum of the outputs exercises the whole Jacobian
        lambda v: sum(c * s for c, s in zip([0.3, -1.2, 2.0, 0.7], softmax(v))),
        lambda t: (torch.tensor([0.3, -1.2, 2.0, 0.7], **T64) * torch.softmax(t, 0)).sum(),
        [0.5, -1.0, 2.0, 0.1]),
    "cross_entropy one": (lambda v: cross_entropy(v, 2),
                          lambda t: F.cross_entropy(t[None], torch.tensor([2])), [0.5, -1.0, 2.0, 0.1]),
    "cross_entropy batch": (
        lambda v: cross_entropy([v[0:3], v[3:6]], [0, 2]),
        lambda t: F.cross_entropy(t.view(2, 3), torch.tensor([0, 2])), [1.0, 2.0, 3.0, -0.5, 0.25, 4.0]),
    "hinge batch": (lambda v: hinge(v, [1, -1, 1, -1]),
                    lambda t: torch.clamp(1 - torch.tensor([1, -1, 1, -1], **T64) * t, min=0).mean(),
                    [0.4, 0.3, 2.0, -3.0]),
}


@needs_torch
@pytest.mark.parametrize("name", CASES)
def test_value_and_gradient_match_pytorch(name):
    ours, theirs, xs = CASES[name]
    assert_matches_torch(ours, theirs, xs)


@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_central_differences(name):
    ours, _, xs = CASES[name]
    assert_gradcheck(ours, xs)


# -- the formulas in the docstrings ---------------------------------------------------------------
def test_mse_value_and_derivative():
    J, grads = value_and_grads(lambda v: mse(v[0], 1.0), [3.0])
    assert J == 4.0 and grads == [4.0]  # (3 − 1)², 2·(3 − 1)
    J, grads = value_and_grads(lambda v: mse(v, [0.0, 0.0]), [1.0, 2.0])
    assert J == 2.5 and grads == [1.0, 2.0]  # mean of 1 and 4; 2·p / 2


def test_log_loss_after_sigmoid_has_gradient_z_minus_t():
    for y, t in [(0.7, 1.0), (-1.5, 0.0), (0.2, 0.4)]:
        Y = Value(y)
        J = log_loss(Y.sigmoid(), t)
        J.backward()
        assert J.data == pytest.approx(-(t * math.log(sigmoid(y)) + (1 - t) * math.log(1 - sigmoid(y))))
        assert Y.grad == pytest.approx(sigmoid(y) - t, rel=1e-12)


def test_log_loss_leaves_out_terms_with_zero_weight():
    J, grads = value_and_grads(lambda v: log_loss(v[0], 0.0), [0.0])  # −log(1 − 0) = 0: no log 0
    assert J == 0.0 and grads == [1.0]
    J, grads = value_and_grads(lambda v: log_loss(v[0], 1.0), [0.25])
    assert J == pytest.approx(math.log(4)) and grads == [-4.0]


def test_bce_with_logits_gradient_is_sigmoid_minus_target_even_at_zero():
    for x, t in [(0.0, 0.0), (0.0, 1.0), (0.0, 0.3), (2.0, 1.0), (-3.0, 0.0)]:
        J, grads = value_and_grads(lambda v, t=t: bce_with_logits(v[0], t), [x])
        assert J == pytest.approx(math.log1p(math.exp(x)) - t * x, rel=1e-14)
        assert grads[0] == pytest.approx(sigmoid(x) - t, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("x, t, J, dx", [
    (1000.0, 1.0, 0.0, 0.0), (1000.0, 0.0, 1000.0, 1.0),
    (-1000.0, 1.0, 1000.0, -1.0), (-1000.0, 0.0, 0.0, 0.0),
])
def test_bce_with_logits_is_finite_for_huge_logits(x, t, J, dx):
    value, grads = value_and_grads(lambda v: bce_with_logits(v[0], t), [x])
    assert value == J and grads == [dx]


@needs_torch
def test_bce_with_logits_huge_logits_match_pytorch():
    xs = [1000.0, -1000.0, 700.0, -745.0]
    targets = [0.0, 1.0, 0.5, 0.2]
    assert_matches_torch(lambda v: bce_with_logits(v, targets),
                         lambda t: F.binary_cross_entropy_with_logits(t, torch.tensor(targets, **T64)), xs)


def test_softmax_values_and_stability():
    probs = [p.data for p in softmax([1.0, 2.0, 3.0])]
    e = [math.exp(1), math.exp(2), math.exp(3)]
    assert probs == pytest.approx([x / sum(e) for x in e], rel=1e-14)
    huge = [p.data for p in softmax([1000.0, 0.0, -1000.0])]
    assert huge == [1.0, 0.0, 0.0]
    batch = softmax([[0.0, 0.0], [math.log(3.0), 0.0]])
    assert [p.data for row in batch for p in row] == pytest.approx([0.5, 0.5, 0.75, 0.25], rel=1e-14)


def test_softmax_jacobian_is_s_i_times_delta_minus_s_j():
    xs = [0.3, -0.8, 1.7]
    for i in range(3):
        vs = leaves(xs)
        s = softmax(vs)
        s[i].backward()
        sd = [p.data for p in s]
        expected = [sd[i] * ((i == j) - sd[j]) for j in range(3)]
        assert [v.grad for v in vs] == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_one_hot_and_stable():
    xs = [0.3, -0.8, 1.7]
    J, grads = value_and_grads(lambda v: cross_entropy(v, 1), xs)
    s = [math.exp(x) / sum(map(math.exp, xs)) for x in xs]
    assert J == pytest.approx(-math.log(s[1]), rel=1e-14)
    assert grads == pytest.approx([s[0], s[1] - 1, s[2]], rel=1e-12)
    J, grads = value_and_grads(lambda v: cross_entropy(v, 2), [1000.0, 0.0, -1000.0])
    assert J == 2000.0 and grads == [1.0, 0.0, -1.0]


def test_hinge_values_and_gradients():
    J, grads = value_and_grads(lambda v: hinge(v, [1, -1, 1]), [0.25, 0.5, 3.0])
    assert J == pytest.approx((0.75 + 1.5 + 0.0) / 3)
    assert grads == pytest.approx([-1 / 3, 1 / 3, 0.0])  # −y/n where y·s < 1, else 0


def test_plain_numbers_are_accepted_and_targets_may_be_values():
    assert mse(3, 1).data == 4.0
    assert isinstance(hinge(0.5, 1), Value)
    t = Value(0.5)
    J = mse(Value(2.0), t)
    J.backward()
    assert t.grad == -3.0  # ∂(p − t)²/∂t = −2·(p − t)


# -- properties ------------------------------------------------------------------------------------
finite = st.floats(-30, 30, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=6))
def test_softmax_is_a_distribution_unchanged_by_a_shift(xs):
    probs = [p.data for p in softmax(xs)]
    assert sum(probs) == pytest.approx(1.0, rel=1e-12)
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert [p.data for p in softmax([x + 5.0 for x in xs])] == pytest.approx(probs, rel=1e-9, abs=1e-12)


@given(finite, st.floats(0.0, 1.0))
def test_bce_with_logits_equals_log_loss_of_the_sigmoid(x, t):
    z = sigmoid(x)
    if abs(x) < 10:  # beyond, 1 − z in log_loss loses digits to rounding; bce_with_logits does not
        assert bce_with_logits(x, t).data == pytest.approx(log_loss(z, t).data, rel=1e-9, abs=1e-9)
    J, grads = value_and_grads(lambda v: bce_with_logits(v[0], t), [x])
    assert grads[0] == pytest.approx(z - t, rel=1e-12, abs=1e-15)


@given(st.lists(finite, min_size=2, max_size=5), st.data())
def test_cross_entropy_is_minus_log_softmax(xs, data):
    y = data.draw(st.integers(0, len(xs) - 1))
    expected = -math.log(math.exp(xs[y]) / sum(math.exp(x) for x in xs))
    assert cross_entropy(xs, y).data == pytest.approx(expected, rel=1e-9, abs=1e-12)


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, words", [
    (lambda: mse([1.0, 2.0], [1.0]), ValueError, ["mse", "2 examples", "1 targets"]),
    (lambda: mse([], []), ValueError, ["mse", "empty"]),
    (lambda: mse([1.0], 1.0), TypeError, ["mse", "list"]),
    (lambda: mse("3", 1.0), TypeError, ["mse", "pred", "str"]),
    (lambda: mse(1.0, None), TypeError, ["mse", "target", "NoneType"]),
    (lambda: log_loss(1.5, 1.0), ValueError, ["log_loss", "1.5", "[0, 1]"]),
    (lambda: log_loss(-0.1, 0.0), ValueError, ["log_loss", "-0.1"]),
    (lambda: log_loss(0.5, 2.0), ValueError, ["log_loss", "target", "2.0"]),
    (lambda: log_loss(0.0, 1.0), ValueError, ["log_loss", "log(0)"]),
    (lambda: log_loss(1.0, 0.5), ValueError, ["log_loss", "log(0)"]),
    (lambda: log_loss(float("nan"), 1.0), ValueError, ["log_loss", "nan"]),
    (lambda: bce_with_logits(0.0, 1.5), ValueError, ["bce_with_logits", "1.5"]),
    (lambda: bce_with_logits([0.0, 1.0], [1.0, 0.0, 1.0]), ValueError, ["bce_with_logits", "2 examples"]),
    (lambda: bce_with_logits(True, 1.0), TypeError, ["bce_with_logits", "bool"]),
    (lambda: softmax([]), ValueError, ["softmax", "empty"]),
    (lambda: softmax(3.0), TypeError, ["softmax", "float"]),
    (lambda: softmax(["a", 1.0]), TypeError, ["softmax", "str"]),
    (lambda: cross_entropy([1.0, 2.0], 2), ValueError, ["cross_entropy", "2", "out of range"]),
    (lambda: cross_entropy([1.0, 2.0], -1), ValueError, ["cross_entropy", "-1"]),
    (lambda: cross_entropy([1.0, 2.0], 1.0), TypeError, ["cross_entropy", "float"]),
    (lambda: cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, ["cross_entropy", "1 examples", "2 targets"]),
    (lambda: cross_entropy([[1.0, 2.0]], 0), TypeError, ["cross_entropy"]),
    (lambda: cross_entropy([[1.0, 2.0], [1.0, 2.0, 3.0]], [0, 3]), ValueError, ["cross_entropy", "3"]),
    (lambda: hinge(0.5, 0), ValueError, ["hinge", "-1 or 1", "0"]),
    (lambda: hinge([0.5], [1, -1]), ValueError, ["hinge", "1 examples", "2 targets"]),
])
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
