"""engine.scope: every Value made inside names its scope; nested scopes join with "/"."""

import collections
import threading

import pytest

import tinygrad_edu
from tinygrad_edu import engine
from tinygrad_edu.engine import Value, no_grad, scope, topological_order
from tinygrad_edu.nn import MLP


def test_nodes_made_inside_a_scope_know_it_nested_with_a_slash():
    outside = Value(1.0)
    with scope("block1"):
        w = Value(2.0)
        with scope("attention"):
            y = (w * outside).tanh()
            s = engine.sum([y, w, 3.0])
            d = engine.linear([outside, 2.0], [w, y], 0.5)
        z = y + 1
    after = z * 2
    assert (outside.scope, w.scope, z.scope, after.scope) == ("", "block1", "block1", "")
    assert y.scope == s.scope == d.scope == y.parents[0].scope == "block1/attention"


def test_scope_is_exported_from_the_package_and_no_grad_keeps_it():
    assert tinygrad_edu.scope is scope
    with scope("eval"), no_grad():
        y = Value(1.0) * 2
        s = engine.dot([Value(1.0)], [2.0])
    assert (y.scope, y.op, s.scope, s.op) == ("eval", "", "eval", "")


def test_a_scope_ends_with_its_block_even_on_an_error():
    with pytest.raises(ValueError, match="division by zero"):
        with scope("broken"):
            Value(1.0) / 0.0
    assert (Value(1.0) * 2).scope == ""


@pytest.mark.parametrize("name", ["", "a/b", None, 3])
def test_a_scope_needs_a_name_without_a_slash(name):
    with pytest.raises(ValueError, match="scope"):
        scope(name)


def test_each_thread_has_its_own_scope():
    seen = {}
    inside, done = threading.Event(), threading.Event()

    def other():
        inside.wait()
        seen["other"] = (Value(1.0) * 2).scope
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with scope("main"):
        inside.set()
        done.wait()
        seen["main"] = (Value(1.0) * 2).scope
    thread.join()
    assert seen == {"other": "", "main": "main"}


@pytest.mark.parametrize("fused, counts", [(True, {"model/layer1": 6, "model/layer2": 1}),
                                           (False, {"model/layer1": 15, "model/layer2": 6})])
def test_nn_layers_name_every_node_they_make_inside_the_open_scope(fused, counts):
    """A fused layer names its own two nodes per neuron; a chain layer's block names its many."""
    model = MLP(2, [3, 1], activation="tanh", seed=0, fused=fused)
    for x in ([Value(1.0), Value(-2.0)], [1.0, -2.0]):
        with scope("model"):
            out = model.output(x)
        made = [node.scope for node in topological_order(out) if node.op]
        assert out.scope == "model/layer2" and collections.Counter(made) == counts
        assert model.output(x).scope == "layer2"
    assert {p.scope for p in model.parameters()} == {"layer1", "layer2"}


def test_a_scope_made_once_nests_where_it_is_entered_and_may_be_entered_inside_itself():
    block = scope("inner")  # as nn's layers keep theirs: made once, entered on every call
    with scope("outer"), block:
        assert (Value(1.0) * 2).scope == "outer/inner"
    with block:
        with block:
            assert (Value(1.0) * 2).scope == "inner/inner"
        assert (Value(1.0) * 2).scope == "inner"
    assert (Value(1.0) * 2).scope == ""


def test_no_grad_and_scope_work_as_decorators_each_call_its_own_block():
    @scope("helper")
    @no_grad()
    def helper(x):
        return x * 2, helper_inside()

    def helper_inside():
        return (Value(1.0) + 1).scope

    y, inside = helper(Value(3.0))
    assert y.op == "" and y.scope == "helper" and inside == "helper"
    assert (Value(1.0) * 2).op == "*"  # both blocks ended with the call
