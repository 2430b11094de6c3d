"""nn: micrograd's API, seeds, shapes, labels, activations, input errors, training, saving and loading."""

import json
import math
import os
import random
import stat

import pytest
from conftest import needs_torch, optional_import
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import model_file, nn
from tinygrad_edu.engine import Value, topological_order
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.nn import MLP, Layer, Module, Neuron

torch = optional_import("torch")  # None without PyTorch: the tests that use it are marked needs_torch


def data(model):
    return [p.data for p in model.parameters()]


# -- construction: seeds, initialisation, shapes, labels --------------------------------------------
def test_same_seed_same_weights_other_seed_other_weights():
    assert data(MLP(3, [4, 2], seed=7)) == data(MLP(3, [4, 2], seed=7))
    assert data(MLP(3, [4, 2], seed=7)) != data(MLP(3, [4, 2], seed=8))
    assert data(MLP(3, [4, 2])) != data(MLP(3, [4, 2]))  # seed=None: fresh randomness each time
    assert data(Neuron(5, seed=1)) == data(Neuron(5, seed=1))
    assert data(Layer(2, 3, seed=1)) == data(Layer(2, 3, seed=1))


def test_seed_none_follows_pythons_global_generator_like_micrograd():
    random.seed(1337)
    first = data(MLP(2, [16, 16, 1]))
    random.seed(1337)
    assert data(MLP(2, [16, 16, 1])) == first
    assert data(MLP(2, [16, 16, 1], seed=1337)) == first  # seed=s is random.seed(s) without the side effect


def test_weights_uniform_in_minus_one_one_and_biases_zero():
    model = MLP(4, [32, 32, 3], seed=0)
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w <= 1.0 for w in weights)
    assert min(weights) < -0.9 and max(weights) > 0.9  # spread over the whole interval
    assert abs(sum(weights) / len(weights)) < 0.05
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_shapes_and_parameter_order_are_micrographs():
    model = MLP(2, [16, 16, 1], seed=0)
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert [len(layer.neurons[0].w) for layer in model.layers] == [2, 16, 16]
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == [*first.w, first.b]  # each neuron's weights, then its bias
    assert all(isinstance(p, Value) for p in model.parameters())


def test_micrograd_defaults_relu_hidden_linear_output():
    model = MLP(3, [4, 4, 1])
    assert [n.activation for layer in model.layers for n in layer.neurons[:1]] == ["relu", "relu", "linear"]
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid")
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "sigmoid"]


def test_micrograds_nonlin_flag():
    assert Neuron(3, nonlin=False).activation == "linear"
    assert Neuron(3, nonlin=True).activation == "relu"
    assert Neuron(3, "tanh", nonlin=True).activation == "tanh"
    assert Layer(3, 2, nonlin=False).neurons[1].activation == "linear"
    with pytest.raises(ValueError, match="nonlin=False.*tanh"):
        Neuron(3, "tanh", nonlin=False)
    with pytest.raises(ValueError, match="nonlin=True.*linear"):
        Neuron(3, "linear", nonlin=True)


def test_parameter_labels():
    model = MLP(2, [3, 1], seed=0)
    assert [w.label for w in model.layers[0].neurons[2].w] == ["w1[2,0]", "w1[2,1]"]
    assert model.layers[0].neurons[2].b.label == "b1[2]"
    assert [w.label for w in model.layers[1].neurons[0].w] == ["w2[0,0]", "w2[0,1]", "w2[0,2]"]
    assert model.layers[1].neurons[0].b.label == "b2[0]"
    neuron = Neuron(2)
    assert [p.label for p in neuron.parameters()] == ["w[0]", "w[1]", "b"]
    assert [p.label for p in Layer(1, 2).parameters()] == ["w[0,0]", "b[0]", "w[1,0]", "b[1]"]
    assert [p.label for p in Layer(1, 1, prefix="3").parameters()] == ["w3[0,0]", "b3[0]"]


def test_repr_shows_the_architecture():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 -> [16 relu, 16 relu, 1 linear])"
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid")
    assert repr(model) == "MLP(3 -> [4 tanh, 2 sigmoid])"
    assert repr(Layer(2, 5, "sigmoid")) == "Layer(2 -> 5 sigmoid)"
    assert repr(Neuron(3, nonlin=False)) == "Neuron(3 -> linear)"


@pytest.mark.parametrize("make, words", [
    (lambda: Neuron(2, "softmax"), ["'relu', 'tanh', 'sigmoid', 'linear'", "softmax"]),
    (lambda: MLP(2, [3, 1], activation="gelu"), ["MLP(activation)", "gelu", "'linear'"]),
    (lambda: MLP(2, [3, 1], output_activation="Tanh"), ["output_activation", "Tanh"]),
    (lambda: Neuron(0), ["Neuron(nin)", "0"]),
    (lambda: Neuron(2.5), ["Neuron(nin)", "2.5"]),
    (lambda: Layer(2, 0), ["Layer(nout)", "0"]),
    (lambda: MLP(2, []), ["MLP(nouts)", "[]"]),
    (lambda: MLP(2, 3), ["MLP(nouts)", "3"]),
    (lambda: MLP(2, [3, -1]), ["MLP(nouts)", "-1"]),
])
def test_bad_construction_raises_value_error(make, words):
    with pytest.raises(ValueError) as info:
        make()
    for word in words:
        assert word in str(info.value)


# -- the forward pass -------------------------------------------------------------------------------
def set_neuron(neuron, ws, b):
    for w, x in zip(neuron.w, ws):
        w.data = x
    neuron.b.data = b


@pytest.mark.parametrize("activation, f", [
    ("relu", lambda z: max(z, 0.0)), ("tanh", math.tanh),
    ("sigmoid", lambda z: 1 / (1 + math.exp(-z))), ("linear", lambda z: z),
])
def test_neuron_computes_activation_of_bias_plus_weighted_sum(activation, f):
    for x in ([1.0, 2.0], [-3.0, 0.5]):
        neuron = Neuron(2, activation)
        set_neuron(neuron, [0.5, -0.25], 0.1)
        z = 0.1 + 0.5 * x[0] - 0.25 * x[1]
        assert neuron(x).data == pytest.approx(f(z), rel=1e-15)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_neuron_gradients_pass_gradcheck(activation):
    neuron = Neuron(3, activation, seed=4)
    xs = [Value(0.3, label="x0"), Value(-1.2, label="x1"), Value(0.8, label="x2")]
    neuron.b.data = 0.2
    result = gradcheck(lambda: neuron(xs), [*neuron.parameters(), *xs])
    assert result, str(result)


def test_mlp_returns_a_value_for_one_output_else_a_list():
    assert isinstance(MLP(3, [4, 4, 1], seed=0)([1.0, 2.0, 3.0]), Value)
    out = MLP(3, [4, 2], seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(o, Value) for o in out)
    assert isinstance(Layer(2, 1)([1, 2]), Value)
    narrow = MLP(2, [1, 3, 1], activation="tanh", seed=0)  # a hidden layer of width 1 feeds the next
    hidden = narrow.layers[0]([0.5, 1.0])
    assert narrow([0.5, 1.0]).data == narrow.layers[2](narrow.layers[1]([hidden])).data


@pytest.mark.parametrize("make", [lambda: MLP(3, [4, 1], seed=0), lambda: MLP(3, [4, 2], seed=0),
                                  lambda: Layer(3, 1, seed=0), lambda: Layer(3, 2, seed=0)])
def test_outputs_is_always_a_list_and_output_the_one_value(make):
    model, x = make(), [1.0, -2.0, 0.5]
    outs, called = model.outputs(x), model(x)
    assert isinstance(outs, list) and all(isinstance(o, Value) for o in outs)
    assert [o.data for o in outs] == [o.data for o in (called if isinstance(called, list) else [called])]
    if len(outs) == 1:
        assert model.output(x).data == called.data
    else:
        with pytest.raises(ValueError, match=r"\.output\(x\): it has 2 outputs, not one; outputs\(x\)"):
            model.output(x)


def test_inputs_may_be_floats_ints_or_values_with_the_same_result():
    model = MLP(3, [4, 1], activation="tanh", seed=3)
    xs = [Value(1.0), Value(-2.0), Value(0.5)]
    out = model(xs)
    assert model([1.0, -2.0, 0.5]).data == out.data == model((1, -2, 0.5)).data
    out.backward()
    assert any(x.grad != 0.0 for x in xs)  # gradients reach the inputs too


@pytest.mark.parametrize("model, x, error, words", [
    (MLP(3, [4, 1]), [1.0, 2.0], ValueError, ["expected 3 inputs", "got 2"]),
    (Neuron(2), [1.0, 2.0, 3.0], ValueError, ["expected 2 inputs", "got 3"]),
    (Layer(2, 2), [], ValueError, ["expected 2", "got 0"]),
    (MLP(1, [2, 1]), 1.0, TypeError, ["list of 1", "float"]),
    (MLP(2, [2, 1]), [1.0, "a"], TypeError, ["str"]),
])
def test_bad_input_raises(model, x, error, words):
    with pytest.raises(error) as info:
        model(x)
    for word in words:
        assert word in str(info.value)


@needs_torch
@pytest.mark.parametrize("activation, output_activation", [("relu", "linear"), ("tanh", "sigmoid")])
def test_mlp_output_and_gradients_match_pytorch(activation, output_activation):
    model = MLP(3, [5, 4, 2], activation=activation, output_activation=output_activation, seed=11)
    x = [0.5, -1.5, 2.0]
    out = model(x)
    (out[0] * out[1] + out[1]).backward()
    state = model.state_dict()
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in state.items()}
    fs = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z}
    h = torch.tensor(x, dtype=torch.float64)
    for l in (1, 2, 3):
        h = fs[output_activation if l == 3 else activation](tensors[f"w{l}"] @ h + tensors[f"b{l}"])
    (h[0] * h[1] + h[1]).backward()
    assert [o.data for o in out] == pytest.approx(h.tolist(), rel=1e-13)
    for l, layer in enumerate(model.layers, 1):
        assert [[w.grad for w in n.w] for n in layer.neurons] == [
            pytest.approx(row, rel=1e-12, abs=1e-15) for row in tensors[f"w{l}"].grad.tolist()]
        assert [n.b.grad for n in layer.neurons] == pytest.approx(tensors[f"b{l}"].grad.tolist(), rel=1e-12)


# -- training, micrograd style ---------------------------------------------------------------------
def graph_size(root):
    return len(topological_order(root))


@pytest.mark.parametrize("x", [[0.5, -1.5, 2.0], [Value(0.5), Value(-1.5), Value(2.0)],
                               [0.5, Value(-1.5), 2]])
def test_fused_neurons_give_the_chains_numbers_with_fewer_nodes(x):
    fused, chain = MLP(3, [5, 4, 2], seed=4), MLP(3, [5, 4, 2], seed=4, fused=False)
    out_fused, out_chain = fused(x), chain(x)
    assert [o.data for o in out_fused] == [o.data for o in out_chain]  # the same additions, in order
    loss_fused, loss_chain = (sum((o * o for o in out), Value(0.0)) for out in (out_fused, out_chain))
    loss_fused.backward()
    loss_chain.backward()
    assert [p.grad for p in fused.parameters()] == pytest.approx([p.grad for p in chain.parameters()],
                                                                  rel=1e-13, abs=1e-15)
    assert any(p.grad != 0.0 for p in fused.parameters())
    assert graph_size(loss_fused) < graph_size(loss_chain)


def test_a_fused_neuron_is_one_node_a_chain_is_two_per_input():
    x = [Value(1.0), Value(2.0), Value(3.0)]
    fused, chain = Neuron(3, seed=1), Neuron(3, seed=1, fused=False)
    y = fused(x)
    assert y.op == "relu" and y.parents[0].op == "linear"
    assert y.parents[0].parents == (*fused.w, *x, fused.b)
    assert graph_size(y) == 3 + 3 + 1 + 1 + 1  # w, x, b, the linear node, relu
    assert graph_size(chain(x)) == 3 + 3 + 1 + 2 * 3 + 1  # ... and a * and a + per input
    assert fused(x).data == chain(x).data
    assert Layer(3, 2, fused=False).neurons[1].fused is False
    assert MLP(3, [2, 1], fused=False).layers[1].neurons[0].fused is False
    with pytest.raises(TypeError, match="fused"):
        Neuron(3, fused="yes")


@needs_torch
def test_fused_mlp_matches_pytorch_linear_layers():
    model = MLP(3, [4, 2], seed=5)
    x = [0.25, -1.0, 1.5]
    out = model(x)
    (out[0] * out[1]).backward()
    h = torch.tensor(x, dtype=torch.float64)
    params = []
    for l, layer in enumerate(model.layers):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)
        B = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        params.append((W, B))
        h = torch.nn.functional.linear(h, W, B)
        h = h.relu() if l < len(model.layers) - 1 else h
    assert [o.data for o in out] == pytest.approx(h.tolist(), rel=1e-14)
    (h[0] * h[1]).backward()
    for layer, (W, B) in zip(model.layers, params):
        ours = [w.grad for n in layer.neurons for w in n.w]
        assert ours == pytest.approx(W.grad.flatten().tolist(), rel=1e-13, abs=1e-300)
        assert [n.b.grad for n in layer.neurons] == pytest.approx(B.grad.tolist(), rel=1e-13)


def test_micrograd_training_loop_runs_unchanged_and_the_loss_falls():
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(24)]
    y = [1 if a * b > 0 else -1 for a, b in X]  # XOR-like quadrants: needs the hidden layers
    model = MLP(2, [8, 8, 1], seed=1)

    def loss():  # micrograd's demo notebook, verbatim apart from the data
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum((p * p for p in model.parameters()))  # noqa: UP034 (verbatim)
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(30):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    assert history[-1][0] < 0.5 * history[0][0]
    assert history[0][1] <= 0.5 and history[-1][1] >= 0.85  # from chance to mostly right


def test_zero_grad_zeroes_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# -- state_dict, save, load ------------------------------------------------------------------------
def test_state_dict_is_plain_json_lists_named_like_the_labels():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == ["w1", "b1", "w2", "b2"]
    assert state["w1"] == [[w.data for w in n.w] for n in model.layers[0].neurons]
    assert state["b2"] == [0.0]
    assert json.loads(json.dumps(state)) == state
    assert Neuron(2, seed=0).state_dict().keys() == {"w", "b"}


def test_load_state_dict_round_trip():
    source, target = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    target.load_state_dict(json.loads(json.dumps(source.state_dict())))
    assert data(target) == data(source)
    x = [0.1, 0.2, 0.3]
    assert [o.data for o in target(x)] == [o.data for o in source(x)]


@pytest.mark.parametrize("edit, words", [
    (lambda s: s.pop("b2"), ["missing ['b2']"]),
    (lambda s: s.update(extra=[1.0]), ["unexpected ['extra']"]),
    (lambda s: s["w1"].pop(), ["'w1'", "4 entries", "got 3"]),
    (lambda s: s["w2"][1].append(0.5), ["w2[1]", "4 entries", "got 5"]),
    (lambda s: s["b1"].__setitem__(0, "x"), ["b1[0]", "number", "'x'"]),
    (lambda s: s["w1"].__setitem__(0, 1.0), ["w1[0]", "float"]),
])
def test_load_state_dict_says_what_differs_and_changes_nothing(edit, words):
    model = MLP(3, [4, 2], seed=1)
    before = data(model)
    state = MLP(3, [4, 2], seed=2).state_dict()
    edit(state)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    for word in words:
        assert word in str(info.value)
    assert data(model) == before


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "model.json"
    source = MLP(2, [5, 1], activation="tanh", seed=3)
    source.save(path)
    saved = json.loads(path.read_text())
    assert saved["model"] == repr(source) and saved["state"] == source.state_dict()
    target = MLP(2, [5, 1], activation="tanh", seed=4)
    assert target.load(str(path)) is target
    assert data(target) == data(source)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    MLP(2, [3, 1], seed=1).save(path)  # overwriting works
    assert os.listdir(tmp_path) == ["model.json"]
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [3, 1], seed=2).save(path)
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file was removed
    assert path.read_bytes() == before  # and the old model is intact


@pytest.mark.parametrize("keep", [0, 1, 40, -1])
def test_truncated_file_raises_value_error_and_changes_nothing(tmp_path, keep):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    text = path.read_text()
    path.write_text(text[:keep] if keep >= 0 else text[:-1])
    model = MLP(2, [3, 1], seed=1)
    before = data(model)
    with pytest.raises(ValueError, match="model.json"):
        model.load(path)
    assert data(model) == before


@pytest.mark.parametrize("saved, loading, words", [
    (MLP(2, [4, 1]), MLP(2, [3, 1]), ["MLP(2 -> [4 relu, 1 linear])", "MLP(2 -> [3 relu, 1 linear])"]),
    (MLP(2, [4, 1]), MLP(3, [4, 1]), ["MLP(2 ->", "MLP(3 ->"]),
    (MLP(2, [4, 1], activation="tanh"), MLP(2, [4, 1]), ["4 tanh", "4 relu"]),
    (Neuron(2), MLP(2, [1]), ["Neuron(2 -> relu)", "MLP(2 -> [1 linear])"]),
])
def test_loading_a_different_architecture_says_what_differs(tmp_path, saved, loading, words):
    path = tmp_path / "model.json"
    saved.save(path)
    with pytest.raises(ValueError) as info:
        loading.load(path)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("text", ['{"a": 1}', "[1, 2]", "null", '{"format": "other", "state": {}}'])
def test_loading_some_other_json_raises_value_error(tmp_path, text):
    path = tmp_path / "other.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="not a tinygrad_edu model file"):
        MLP(2, [1]).load(path)


def test_binary_garbage_raises_value_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ValueError, match="model.json"):
        MLP(2, [1]).load(path)


def test_a_micrograd_style_subclass_gets_state_dict_and_save(tmp_path):
    class Affine(Module):  # defines only parameters(), like user code written for micrograd
        def __init__(self):
            self.a, self.b = Value(2.0), Value(-1.0)

        def parameters(self):
            return [self.a, self.b]

    model = Affine()
    assert model.state_dict() == {"parameters": [2.0, -1.0]}
    assert repr(model) == "Affine(2 parameters)"
    model.save(tmp_path / "affine.json")
    other = Affine()
    other.a.data = 0.0
    other.load(tmp_path / "affine.json")
    assert other.a.data == 2.0


# -- model files: strict numbers, the architecture as data, nn.load --------------------------------
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_save_refuses_a_non_finite_parameter_and_writes_nothing(tmp_path, bad):
    model = MLP(2, [3, 1], seed=0)
    model.layers[1].neurons[0].w[2].data = bad
    with pytest.raises(ValueError) as info:
        model.save(tmp_path / "model.json")
    assert str(info.value) == (f"save: parameter w2[0,2] is {bad}; a model file holds finite numbers only "
                               f"(nothing was written to {tmp_path / 'model.json'})")
    assert os.listdir(tmp_path) == []


def test_a_saved_file_is_strict_json():
    text = None

    def keep(path, data):
        nonlocal text
        text = data

    model = MLP(2, [3, 1], seed=0)
    original, model_file.write_atomic = model_file.write_atomic, keep
    try:
        model.save("unused.json")
    finally:
        model_file.write_atomic = original
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the file"))
    assert json.loads(text)["architecture"] == {
        "class": "MLP", "nin": 2, "nouts": [3, 1], "activation": "relu", "output_activation": "linear",
        "fused": True}


@pytest.mark.parametrize("written, shown", [
    ("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "1e999"),
    ("-1e999", "-1e999"), (str(10**400), "10000000000000000000…0000000000 (401 characters)"),
])
def test_load_refuses_non_finite_and_out_of_range_numbers_naming_the_parameter(tmp_path, written, shown):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    saved = json.loads(path.read_text())
    saved["state"]["w1"][1][0] = "HERE"
    path.write_text(json.dumps(saved).replace('"HERE"', written))
    model = MLP(2, [3, 1], seed=1)
    before = data(model)
    with pytest.raises(ValueError) as info:
        model.load(path)
    assert str(info.value) == f"load: {path}: parameter w1[1][0] is {shown}; only finite numbers load"
    assert data(model) == before
    with pytest.raises(ValueError, match=r"parameter w1\[1\]\[0\]"):
        nn.load(path)


def test_a_huge_integer_elsewhere_in_the_file_is_a_value_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_text('{"format": "tinygrad_edu.nn", "state": ' + "9" * 5000 + "}")
    with pytest.raises(ValueError, match="model.json is not a complete JSON model file"):
        MLP(2, [1]).load(path)


def test_errors_name_the_users_path_not_a_temporary_file(tmp_path):
    (tmp_path / "a-file").write_text("")
    where = tmp_path / "a-file" / "x.json"
    with pytest.raises(OSError) as info:
        MLP(2, [1]).save(where)
    assert info.value.filename == str(where) and ".tmp" not in str(info.value)
    with pytest.raises(FileNotFoundError) as info:
        nn.load(tmp_path / "missing.json")
    assert info.value.filename == str(tmp_path / "missing.json")


def test_save_makes_missing_folders_and_never_replaces_a_device(tmp_path):
    model = MLP(2, [1], seed=0)
    model.save(tmp_path / "new" / "deeper" / "m.json")  # the one rule for outputs: folders are made
    assert data(nn.load(tmp_path / "new" / "deeper" / "m.json")) == data(model)
    with pytest.raises(FileExistsError, match="not a regular file, but a device"):
        model.save("/dev/null")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


@pytest.mark.parametrize("model, nin", [
    (MLP(2, [5, 1], activation="tanh", seed=3), 2), (MLP(3, [2], output_activation="sigmoid", seed=1), 3),
    (MLP(1, [4, 4, 2], activation="sigmoid", output_activation="tanh", seed=2), 1),
    (Layer(3, 2, "tanh", seed=4), 3), (Neuron(4, "sigmoid", seed=5), 4), (Neuron(2, nonlin=False, seed=6), 2),
    (MLP(2, [3, 1], seed=7, fused=False), 2), (Layer(2, 2, fused=False, seed=8), 2),
    (Neuron(3, fused=False, seed=9), 3),
])
def test_nn_load_rebuilds_the_model_from_the_file_alone(tmp_path, model, nin):
    path = tmp_path / "model.json"
    model.save(path)
    state = random.getstate()
    loaded = nn.load(path)
    assert random.getstate() == state  # building it drew nothing from Python's global generator
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert data(loaded) == data(model)
    assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]
    assert loaded.architecture() == model.architecture()  # fused or micrograd's chain, as saved
    x = [0.3, -0.7, 1.1, 0.2][:nin]
    values = lambda out: [o.data for o in (out if isinstance(out, list) else [out])]  # noqa: E731
    assert values(loaded(x)) == values(model(x))


@pytest.mark.parametrize("architecture, words", [
    (None, "whose architecture is not recorded: build that model and call model.load(path)"),
    ({"class": "os.system", "nin": 2}, "the architecture should name one of Neuron, Layer, MLP"),
    ("MLP", "the architecture should name one of Neuron, Layer, MLP"),
    ({"class": "MLP", "nin": 2, "nouts": [1], "surprise": 1}, "cannot build MLP from"),
    ({"class": "MLP", "nin": -2, "nouts": [1]}, "MLP(nin) must be a positive whole number"),
])
def test_nn_load_refuses_an_architecture_it_cannot_build(tmp_path, architecture, words):
    path = tmp_path / "model.json"
    MLP(2, [1], seed=0).save(path)
    saved = json.loads(path.read_text())
    saved["architecture"] = architecture
    path.write_text(json.dumps(saved))
    with pytest.raises(ValueError) as info:
        nn.load(path)
    assert str(info.value).startswith(f"load: {path}") and words in str(info.value)


def test_load_called_on_the_class_says_how_to_load(tmp_path):
    with pytest.raises(TypeError) as info:
        MLP.load("model.json")
    assert str(info.value) == (
        "MLP.load loads into a model, not the class: nn.load(path) builds the model from the file, "
        "or model.load(path) reads the numbers into a model built with the same sizes")
    model = MLP(2, [1], seed=0)
    model.save(tmp_path / "m.json")
    assert data(MLP.load(MLP(2, [1], seed=1), tmp_path / "m.json")) == data(model)  # the plain call works
    assert "builds the model from the file instead" in MLP.load.__doc__


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2**32))
def test_state_dict_round_trips_for_any_architecture(nin, nouts, seed):
    source, target = MLP(nin, nouts, seed=seed), MLP(nin, nouts, seed=seed + 1)
    target.load_state_dict(json.loads(json.dumps(source.state_dict())))
    assert data(target) == data(source)


def test_same_weights_and_outputs_as_micrograd_after_random_seed():
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is not installed (the bench extra)")
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    ours = MLP(2, [16, 16, 1], seed=1337)
    assert data(ours) == [p.data for p in theirs.parameters()]
    assert ours([0.5, -1.5]).data == theirs([0.5, -1.5]).data


def test_fused_gradients_match_micrograds_chain():
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd is not installed (the bench extra)")
    random.seed(7)
    theirs = micrograd_nn.MLP(3, [4, 4, 1])
    ours = MLP(3, [4, 4, 1], seed=7)
    xs = [[0.5, -1.5, 2.0], [1.0, 0.25, -0.5], [-2.0, 1.0, 0.75]]
    loss_theirs = sum((theirs(x) - 1.0) ** 2 for x in xs)
    loss_ours = sum((ours(x) - 1.0) ** 2 for x in xs)
    assert loss_ours.data == loss_theirs.data
    loss_theirs.backward()
    loss_ours.backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx([p.grad for p in theirs.parameters()],
                                                                 rel=1e-13, abs=1e-15)
    assert any(p.grad != 0.0 for p in ours.parameters())


# -- the structure of an MLP, as data, and its float forward pass --------------------------------
def test_describe_gives_sizes_activations_and_parameter_order_and_names():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=0)
    s = model.describe()
    assert s.sizes == (3, 4, 2) and s.activations == ("tanh", "sigmoid")
    assert s.names == tuple(p.label for p in model.parameters())
    assert s.names[:5] == ("w1[0,0]", "w1[0,1]", "w1[0,2]", "b1[0]", "w1[1,0]")
    for l, layer in enumerate(model.layers, 1):
        for j, neuron in enumerate(layer.neurons):
            assert model.parameters()[s.position(l, j)] is neuron.b
            for i, w in enumerate(neuron.w):
                assert model.parameters()[s.position(l, j, i)] is w


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_the_float_forward_pass_gives_the_models_own_numbers(activation):
    model = MLP(3, [5, 4, 2], activation=activation, output_activation=activation, seed=2)
    rng = random.Random(1)
    points = [[rng.uniform(-3, 3) for _ in range(3)] for _ in range(20)]
    layers = model.describe().forward([p.data for p in model.parameters()], points)
    assert [len(layer) for layer in layers] == [5, 4, 2] and all(len(col) == 20 for col in layers[-1])
    for p, x in enumerate(points):
        assert [column[p] for column in layers[-1]] == [v.data for v in model(x)]  # bit for bit
        first = model.layers[0].outputs(x)
        assert [column[p] for column in layers[0]] == [v.data for v in first]
