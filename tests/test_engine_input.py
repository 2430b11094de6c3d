"""tinygrad_edu.engine's checks and conversions: bad input names the op and the value; a Value is
not a float (float(v), math.exp(v)) but formats as one; micrograd's names; labels."""

import math

import pytest

from tinygrad_edu import Value


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data, type_name", [("1.0", "str"), (None, "NoneType"), (1j, "complex"), (True, "bool"), ([1.0], "list")]
)
def test_value_of_a_non_number_names_the_type(data, type_name):
    with pytest.raises(TypeError, match=rf"Value\(data\).*{type_name}"):
        Value(data)


def test_value_of_a_value_says_so():
    with pytest.raises(TypeError, match=r"Value\(data\).*got a Value"):
        Value(Value(1.0))


def test_numpy_scalars_are_numbers():
    np = pytest.importorskip("numpy", reason="numpy is not installed")
    assert Value(np.float64(1.5)).data == 1.5 and type(Value(np.int64(3)).data) is float


@pytest.mark.parametrize(
    "make, pieces",
    [
        (lambda a: a + "x", ["+", "str"]),
        (lambda a: "x" - a, ["-", "str"]),
        (lambda a: a * None, ["*", "NoneType"]),
        (lambda a: a / [2.0], ["/", "list"]),
        (lambda a: a ** "2", ["**", "str"]),
        (lambda a: 2j**a, ["**", "complex"]),
        (lambda a: True + a, ["+", "bool"]),
    ],
)
def test_bad_operands_name_op_and_type(make, pieces):
    with pytest.raises(TypeError) as info:
        make(Value(2.0))
    assert all(piece in str(info.value) for piece in pieces), str(info.value)


@pytest.mark.parametrize(
    "make, error, pieces",
    [
        (lambda: Value(0.0).log(), ValueError, ["log", "0.0"]),
        (lambda: Value(-1.0).log(), ValueError, ["log", "-1.0"]),
        (lambda: Value(0.0) ** -1, ValueError, ["**", "0.0", "-1"]),
        (lambda: Value(0.0) ** Value(-1.0), ValueError, ["**", "0.0", "-1"]),
        (lambda: Value(-2.0) ** 0.5, ValueError, ["**", "-2.0", "0.5"]),
        (lambda: Value(-2.0) ** Value(0.5), ValueError, ["**", "-2.0"]),
        (lambda: Value(1.0) / 0, ValueError, ["/", "division by zero", "1.0"]),
        (lambda: Value(1.0) / Value(0.0), ValueError, ["/", "division by zero"]),
        (lambda: 1 / Value(0.0), ValueError, ["/", "division by zero"]),
        (lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000"]),
        (lambda: Value(10.0) ** 400, OverflowError, ["**", "10.0", "400"]),
    ],
    ids=["log 0", "log -1", "0**-1", "0**Value(-1)", "(-2)**0.5", "(-2)**Value(0.5)", "1/0", "1/Value(0)",
         "rtruediv by 0", "exp 1000", "10**400"],
)
def test_math_errors_name_op_and_value(make, error, pieces):
    with pytest.raises(error) as info:
        make()
    message = str(info.value)
    assert all(piece in message for piece in pieces), message
    assert "math domain error" not in message


# -- plumbing --------------------------------------------------------------------------------
def test_repr_item_and_format():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    a = Value(-1.5, label="a")
    a.grad = 0.25
    assert repr(a) == "Value(data=-1.5, grad=0.25, label='a')"
    assert a.item() == -1.5 and type(a.item()) is float
    # a format spec formats the number, as PyTorch's scalars do; no spec is the repr
    assert (f"{a:.4f}", f"{a:+.2e}", f"{a:>8.1f}") == ("-1.5000", "-1.50e+00", "    -1.5")
    assert f"{a}" == str(a) == repr(a)


CONVERSIONS = [float, math.exp, math.tanh, math.log, math.sqrt, lambda v: math.pow(v, 2)]


@pytest.mark.parametrize("convert", CONVERSIONS, ids=["float", "exp", "tanh", "log", "sqrt", "pow"])
def test_a_value_does_not_silently_become_a_float(convert):
    # micrograd raises here too: math.exp(w) * x would leave w.grad at 0 (issue 18 item 1)
    w = Value(1.0)
    with pytest.raises(TypeError, match=r"^a Value is not a float: float\(v\) or a math function "
                                        r"\(math\.exp\(v\)\) would drop its gradient; use the Value's "
                                        r"own ops \(v\.exp\(\), .*\) to keep it, or v\.data "
                                        r"\(v\.item\(\)\) for the number$"):
        convert(w)


def test_values_hash_and_compare_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert (a == b) is False and (a != b) is True and (a == a) is True
    assert hash(a) == object.__hash__(a)
    assert len({a, b, a}) == 2
    assert {a: "a", b: "b"}[b] == "b"


def test_micrograd_names():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    assert c._prev == {a, b} and c._op == "*" and a._prev == set() and a._op == ""
    c.grad = 1.0
    c._backward()  # one chain-rule step by hand, as in the lecture
    assert (a.grad, b.grad) == (-3.0, 2.0)
    assert (a.label, c.label) == ("a", "c")


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label.*int"):
        Value(1.0, label=3)
