"""nn's layers name their nodes: layer1, layer2, ... (node.scope), under any scope the user opened."""

import tinygrad_edu as tg
from tinygrad_edu.losses import mse
from tinygrad_edu.nn import MLP, Layer, Neuron
from tinygrad_edu.trace import forward_order


def test_every_node_of_a_layer_is_in_its_scope():
    model = MLP(3, [4, 2], activation="tanh", seed=0)
    outs = model.outputs([0.5, -1.0, 2.0])
    loss = mse(outs, [0.0, 1.0])
    for l, layer in enumerate(model.layers, 1):
        assert {p.scope for p in layer.parameters()} == {f"layer{l}"}
    ops = [node for node in forward_order(loss) if node.op]
    assert {node.scope for node in ops if node.depth <= 2} == {"layer1"}  # linear, tanh of layer 1
    assert {o.scope for o in outs} == {"layer2"} and loss.scope == ""  # the loss is the user's
    assert [layer.name for layer in model.layers] == ["layer1", "layer2"]


def test_layer_scopes_nest_under_the_users():
    model = MLP(2, [2, 1], seed=1)
    with tg.scope("block1"):
        out = model.output([1.0, 2.0])
        hidden = model.layers[0].outputs([1.0, 2.0])
    assert out.scope == "block1/layer2" and {h.scope for h in hidden} == {"block1/layer1"}
    assert model([1.0, 2.0]).scope == "layer2"  # outside the block again


def test_a_layer_alone_and_a_neuron():
    assert {o.scope for o in Layer(2, 3, prefix="7").outputs([1.0, 2.0])} == {"layer7"}
    assert Layer(2, 1)([1.0, 2.0]).scope == "layer"
    assert Neuron(2)([1.0, 2.0]).scope == ""  # a neuron is no layer: it opens no scope
