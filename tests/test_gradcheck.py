"""tinygrad_edu.gradcheck: central differences, and the check that catches a wrong backprop."""

import doctest
import math

import pytest

import tinygrad_edu.gradcheck as gradcheck_module
from tinygrad_edu import Value, no_grad
from tinygrad_edu.gradcheck import GradcheckResult, gradcheck, numerical_grad


# -- numerical_grad ----------------------------------------------------------------------
def test_numerical_grad_of_known_derivatives():
    x, y = Value(2.0), Value(-3.0)
    assert numerical_grad(lambda: x**3, [x]) == [pytest.approx(12.0, rel=1e-8)]  # 3x²
    assert numerical_grad(lambda: x * y, [x, y]) == [pytest.approx(-3.0), pytest.approx(2.0)]
    assert numerical_grad(lambda: x.exp(), [x], eps=1e-5) == [pytest.approx(math.exp(2.0), rel=1e-9)]


def test_central_difference_error_shrinks_like_h_squared():
    x = Value(0.5)
    exact = math.exp(0.5)
    coarse = abs(numerical_grad(lambda: x.exp(), [x], eps=1e-2)[0] - exact)
    fine = abs(numerical_grad(lambda: x.exp(), [x], eps=1e-3)[0] - exact)
    # h/10 -> error/100 for central differences (a one-sided difference would give only /10)
    assert coarse / fine == pytest.approx(100.0, rel=0.01)
    assert coarse == pytest.approx(exact * 1e-4 / 6, rel=0.01)  # h²/6 · f'''(x)


def test_numerical_grad_restores_data_exactly():
    x = Value(0.1)
    numerical_grad(lambda: x * x, [x], eps=1e-3)
    assert x.data == 0.1  # the saved value, not 0.1 + eps - eps


def test_numerical_grad_restores_data_when_f_raises():
    x, y = Value(0.3), Value(0.7)
    calls = []

    def f():
        calls.append(x.data)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return x * y

    with pytest.raises(RuntimeError, match="boom"):
        numerical_grad(f, [x, y])
    assert calls == [0.3 + 1e-6, 0.3 - 1e-6]
    assert (x.data, y.data) == (0.3, 0.7)


def test_numerical_grad_builds_no_graph_history():
    x = Value(1.0)
    outs = []
    numerical_grad(lambda: outs.append(x * 2.0) or outs[-1], [x])
    assert [out.parents for out in outs] == [(), ()]  # run under no_grad


# -- gradcheck: passing ------------------------------------------------------------------
def test_gradcheck_passes_a_correct_backprop():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.5)
    result = gradcheck(lambda: (a * b + c).tanh() + a**2 / c, [a, b, c])
    assert result and result.ok is True
    t = math.tanh(-5.5)
    exact = [(1 - t * t) * -3.0 + 2 * 2.0 / 0.5, (1 - t * t) * 2.0, (1 - t * t) - 4.0 / 0.25]
    assert result.analytic == pytest.approx(exact, rel=1e-12)
    assert result.numeric == pytest.approx(exact, rel=1e-7, abs=1e-9)
    assert result.max_abs_error == max(abs(x - y) for x, y in zip(result.analytic, result.numeric))
    assert 0.0 < result.max_abs_error < 1e-6
    assert result.labels == ["a", "b", "inputs[2]"]


def test_gradcheck_accepts_a_single_value_and_any_iterable():
    x = Value(3.0)
    assert gradcheck(lambda: x * x, x).analytic == [6.0]
    assert gradcheck(lambda: x * x, (v for v in [x])).analytic == [6.0]


def test_an_input_f_does_not_use_has_zero_gradient():
    x, unused = Value(1.0), Value(5.0)
    unused.grad = 7.0
    result = gradcheck(lambda: x.exp(), [x, unused])
    assert result.analytic[1] == 0.0 and result.numeric[1] == 0.0 and result.ok


def test_gradcheck_leaves_grads_and_data_as_they_were():
    # like torch.autograd.gradcheck: a check, not a training step
    a, b, w = Value(1.5), Value(-0.5), Value(2.0)  # w: in the graph, but not checked
    a.grad, b.grad, w.grad = 10.0, -20.0, 30.0
    result = gradcheck(lambda: (a * w + b).sigmoid(), [a, b])
    s = 1 / (1 + math.exp(-2.5))
    # the inputs' stale grads are not added in
    assert result.analytic == pytest.approx([s * (1 - s) * 2.0, s * (1 - s)], rel=1e-12)
    assert (a.grad, b.grad, w.grad) == (10.0, -20.0, 30.0)
    assert (a.data, b.data, w.data) == (1.5, -0.5, 2.0)


# -- gradcheck: catching wrong gradients -------------------------------------------------
def wrong_square(x):
    """x², with the classic bug: one factor treated as a constant, so d/dx comes out x, not 2x."""
    return x * x.data


def detached_sigmoid(x):
    """σ(x) computed on floats and wrapped anew: the graph is cut, so no gradient flows back."""
    return Value(1 / (1 + math.exp(-x.data)))


def test_gradcheck_catches_a_wrong_local_derivative():
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    result = gradcheck(lambda: wrong_square(x) + y * y, [x, y])
    assert not result and result.ok is False
    assert result.analytic == [3.0, 4.0]
    assert result.numeric == pytest.approx([6.0, 4.0], rel=1e-8)
    assert result.max_abs_error == pytest.approx(3.0, rel=1e-8)
    assert result.max_rel_error == pytest.approx(0.5, rel=1e-8)
    x_row, y_row = str(result).splitlines()[1:3]
    assert x_row.startswith("x") and x_row.endswith("<- mismatch")
    assert y_row.startswith("y") and "mismatch" not in y_row
    assert str(result).splitlines()[-1].startswith("FAILED")


def test_gradcheck_catches_a_cut_graph():
    x = Value(0.25)
    result = gradcheck(lambda: detached_sigmoid(x) * 2.0, [x])
    s = 1 / (1 + math.exp(-0.25))
    assert result.analytic == [0.0]
    assert result.numeric == pytest.approx([2 * s * (1 - s)], rel=1e-8)
    assert not result


def test_gradcheck_catches_a_monkeypatched_op(monkeypatch):
    def tanh_with_wrong_derivative(self):  # d tanh/dx written as 1 − tanh (the square forgotten)
        t = math.tanh(self.data)
        out = self * 0.0 + t  # right value; its graph says ∂out/∂self = 0
        return out + (self - self.data) * (1.0 - t)  # adds the wrong slope 1 − t, value unchanged

    x = Value(0.7)
    assert gradcheck(lambda: x.tanh(), [x])
    monkeypatch.setattr(Value, "tanh", tanh_with_wrong_derivative)
    result = gradcheck(lambda: x.tanh(), [x])
    t = math.tanh(0.7)
    assert result.analytic == pytest.approx([1 - t], rel=1e-12)
    assert result.numeric == pytest.approx([1 - t * t], rel=1e-6)
    assert not result


# -- GradcheckResult ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "analytic, numeric, ok",
    [
        ([1.0], [1.0], True),
        ([1.0], [1.0 + 1e-5], True),  # |Δ| = 1e-5 <= 1e-6 + 1e-4·1.00001
        ([1.0], [1.001], False),
        ([0.0], [5e-7], True),  # atol covers tiny numeric noise around 0
        ([0.0], [2e-6], False),
        ([1.0, 2.0], [1.0, 3.0], False),  # one bad input fails the whole check
        ([math.nan], [1.0], False),
        ([], [], True),
    ],
)
def test_result_tolerance_is_allclose(analytic, numeric, ok):
    result = GradcheckResult(analytic, numeric, [f"x{i}" for i in range(len(analytic))], rtol=1e-4, atol=1e-6)
    assert result.ok is ok and bool(result) is ok


def test_relative_error_is_zero_when_both_gradients_are_zero():
    result = GradcheckResult([0.0, 2.0], [0.0, 1.0], ["a", "b"], rtol=1e-4, atol=1e-6)
    assert (result.max_abs_error, result.max_rel_error) == (1.0, 0.5)


def test_result_prints_a_table():
    result = GradcheckResult([6.0, 0.5], [6.0000000001, 0.5], ["weight", "inputs[1]"], rtol=1e-4, atol=1e-6)
    assert str(result).splitlines() == [
        "input               analytic            numeric  abs error",
        "weight                     6                  6      1e-10",
        "inputs[1]                0.5                0.5          0",
        "ok: max abs error 1e-10, max rel error 1.7e-11 (rtol=0.0001, atol=1e-06)",
    ]


def test_module_docstring_example_runs():
    assert doctest.testmod(gradcheck_module).failed == 0


# -- bad input ---------------------------------------------------------------------------
def test_f_must_return_a_value():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"gradcheck: f\(\) must return a Value .*got float: 2.0"):
        gradcheck(lambda: x.data * 2, [x])
    with pytest.raises(TypeError, match=r"numerical_grad: f\(\) must return a Value .*got NoneType"):
        numerical_grad(lambda: None, [x])
    with pytest.raises(TypeError, match="f must be a function"):
        gradcheck(x, [x])


@pytest.mark.parametrize("check", [gradcheck, numerical_grad])
def test_inputs_must_be_values(check):
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float: 2.0"):
        check(lambda: x, [x, 2.0])
    with pytest.raises(TypeError, match="inputs must be a list of Values, got float"):
        check(lambda: x, 2.0)
    with pytest.raises(TypeError, match="inputs must be a list of Values, got str"):
        check(lambda: x, "x")


def test_bad_tolerances_and_step():
    x = Value(1.0)
    with pytest.raises(ValueError, match="eps must be a positive finite number, got 0"):
        numerical_grad(lambda: x, [x], eps=0)
    with pytest.raises(ValueError, match="eps must be a positive finite number, got inf"):
        gradcheck(lambda: x, [x], eps=math.inf)
    with pytest.raises(ValueError, match="rtol must be a non-negative finite number, got -1"):
        gradcheck(lambda: x, [x], rtol=-1)
    with pytest.raises(ValueError, match="atol must be a non-negative finite number, got 'big'"):
        gradcheck(lambda: x, [x], atol="big")


def test_gradcheck_inside_no_grad_says_so():
    x = Value(1.0)
    with no_grad(), pytest.raises(RuntimeError, match=r"inside no_grad\(\)"):
        gradcheck(lambda: x * x, [x])


def test_f_may_take_the_inputs_as_pytorch_calls_it():
    # torch.autograd.gradcheck(f, inputs) calls f(*inputs): the same call works here (issue 18 item 13)
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    result = gradcheck(lambda x, y: (x * y).tanh(), [a, b])
    assert result.ok and result.analytic == gradcheck(lambda: (a * b).tanh(), [a, b]).analytic
    assert numerical_grad(lambda x: x**3, a) == pytest.approx([12.0], rel=1e-8)
    assert gradcheck(lambda *xs: xs[0] * xs[1], [a, b]).ok


def test_f_with_the_wrong_number_of_arguments_says_how_to_call_it():
    a, b = Value(2.0), Value(-3.0)
    with pytest.raises(TypeError, match=r"^gradcheck: f\(x\) takes neither no arguments nor one per input "
                                        r"\(2\); write it as lambda: \.\.\. using the input Values, or as "
                                        r"lambda x, y: \.\.\. with one argument per input$"):
        gradcheck(lambda x: x * 2, [a, b])
