"""trace.jacobian: a block's matrix of partial derivatives from the stored local derivatives,
checked by hand, against central differences, and by the matrix chain rule against backward()."""

import pytest

from tinygrad_edu import Value
from tinygrad_edu.gradcheck import numerical_grad
from tinygrad_edu.losses import log_loss
from tinygrad_edu.nn import MLP
from tinygrad_edu.trace import jacobian


def test_a_product_and_a_sum_by_hand():
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    # ∂(x·y)/∂x = y, ∂(x·y)/∂y = x; ∂(x + y)/∂x = ∂(x + y)/∂y = 1; x is not in y's graph: 0
    assert jacobian([x * y, x + y, y], [x, y]) == [[-3.0, 2.0], [1.0, 1.0], [0.0, 1.0]]
    assert jacobian(x * y, x) == [[-3.0]]  # a Value alone is a list of one


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
def test_a_layer_matches_central_differences(activation):
    model = MLP(3, [4, 2], activation=activation, output_activation="sigmoid", seed=1)
    X = [Value(x, label=f"x{i}") for i, x in enumerate([0.3, -0.8, 0.5])]
    outputs = model(X)
    inputs = X + model.layers[0].neurons[1].w  # the inputs and some weights of the first layer
    got = jacobian(outputs, inputs)
    assert len(got) == 2 and all(len(row) == len(inputs) for row in got)
    for k in range(2):
        want = numerical_grad(lambda k=k: model(X)[k], inputs)
        assert got[k] == pytest.approx(want, abs=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_matrix_chain_rule_gives_the_gradients_backward_leaves(seed):
    """δ_inputs = Jᵀ · δ_outputs for layer 2 as a block: its inputs are the hidden outputs H."""
    model = MLP(4, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=seed)
    H = model.layers[0]([0.1, 0.9, -0.4, 0.7])
    O = model.layers[1](H)
    J = log_loss(O[0], 1.0) + log_loss(O[1], 0.0)
    J.backward()
    block = jacobian(O, H)  # 2×3
    delta_out = [o.grad for o in O]
    delta_in = [sum(block[i][j] * delta_out[i] for i in range(2)) for j in range(3)]
    assert delta_in == pytest.approx([h.grad for h in H], rel=1e-12, abs=1e-15)


def test_it_reads_and_writes_no_grad():
    x = Value(2.0)
    y = x * x
    x.grad, y.grad = 5.0, 7.0
    assert jacobian(y, x) == [[4.0]]
    assert (x.grad, y.grad) == (5.0, 7.0)


@pytest.mark.parametrize("outputs, inputs, error, message", [
    (3.0, [Value(1.0)], TypeError, r"jacobian\(outputs\): a Value or a list of Values, got float: 3.0"),
    ([Value(1.0)], [Value(1.0), 2], TypeError,
     r"jacobian\(inputs\): inputs\[1\] must be a Value, got int: 2"),
    ([], [Value(1.0)], ValueError, r"jacobian\(outputs\): the list is empty"),
    ([Value(1.0)], "x", TypeError, r"jacobian\(inputs\): a Value or a list of Values, got str"),
])
def test_bad_arguments_are_named(outputs, inputs, error, message):
    with pytest.raises(error, match=message):
        jacobian(outputs, inputs)
