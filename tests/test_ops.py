"""Every op in engine.OPS against every consumer: it parses, draws, explains in all three styles,
replays at moved points and has a hint. An op added to the table without an example here, or
that one of these does not handle, fails a test."""

import math
import re

import pytest

from tinygrad_edu import engine, exercises, mathpage, trace, viz
from tinygrad_edu.engine import OPS, Value, arguments
from tinygrad_edu.expr import FUNCTIONS, parse

# Each op at the root's input, in a graph with a number constant; built from leaf values so it can
# be built again at moved points. (name → (leaf values, build(leaves) → the op's node)).
EXAMPLES = {
    "+": ([1.5, -0.8], lambda a, b: a + b),
    "-": ([1.5, -0.8], lambda a, b: a - b),
    "*": ([1.5, -0.8], lambda a, b: a * b),
    "/": ([1.5, -0.8], lambda a, b: a / b),
    "**": ([1.5, 0.7], lambda a, n: a ** n),
    "neg": ([1.5], lambda a: -a),
    "exp": ([0.3], lambda a: a.exp()),
    "log": ([1.5], lambda a: a.log()),
    "tanh": ([0.3], lambda a: a.tanh()),
    "sigmoid": ([0.3], lambda a: a.sigmoid()),
    "relu": ([0.9], lambda a: a.relu()),
    "sum": ([1.5, -0.8], lambda a, b: engine.sum([a, 2.0, b])),
    "dot": ([1.5, -0.8, 0.6], lambda w, x0, x1: engine.dot([w, 3.0], [x0, x1])),
    "linear": ([1.5, -0.8, 0.6], lambda x, w0, w1: engine.linear([x, 2.0], [w0, w1], 0.5)),
}
NAMES = "abcdefg"

# Consumers other helpers are moving onto the table now: strict, so each mark goes when it passes.
PENDING: dict[tuple[str, str], str] = {}


def ops(consumer: str, *more: str) -> list:
    """The op names (with ``more`` arguments) to test a consumer with, those PENDING marked
    xfail(strict=True)."""
    return [pytest.param(n, *more, id="-".join((n, *more)), marks=[
        pytest.mark.xfail(strict=True, reason=PENDING[consumer, n])] if (consumer, n) in PENDING else [])
        for n in OPS]


def build(name: str, values: list[float]) -> tuple[Value, Value, list[Value]]:
    """(root, the op's node, the leaves): root = node * -0.5 + 0.25, so the graph holds numbers."""
    leaves = [Value(x, label=NAMES[i]) for i, x in enumerate(values)]
    node = EXAMPLES[name][1](*leaves)
    return node * -0.5 + 0.25, node, leaves


def test_every_op_has_an_example_and_every_field():
    assert set(EXAMPLES) == set(OPS)
    for name, op in OPS.items():
        assert op.name == name
        assert op.arity in (1, 2, None)
        assert op.symbol and op.text and op.latex and op.rule
        assert len(op.partials) == len(op.derivatives) == len(op.roles) >= 1
        assert all(p and d for p, d in zip(op.partials, op.derivatives))
        assert isinstance(op.activation, bool) and callable(op.apply) and callable(op.replay)


@pytest.mark.parametrize("name", OPS)
def test_the_node_is_the_op_with_its_roles(name):
    _, node, _ = build(name, EXAMPLES[name][0])
    op = OPS[name]
    assert node.op == name
    assert len(node.roles) == len(node.parents)
    assert {role for role, _ in node.roles} <= set(op.roles)
    if op.arity is not None:
        assert len(node.parents) == op.arity


@pytest.mark.parametrize("name", OPS)
def test_replay_is_the_engine_at_moved_points(name):
    values = EXAMPLES[name][0]
    op = OPS[name]
    for scale in (1.0, 1.1, 0.9, 1.05):
        _, node, _ = build(name, [x * scale for x in values])
        data = [p.data for p in node.parents]
        assert op.replay(*arguments(node, data)) == node.data
        again = op.apply(*arguments(node, node.parents))
        assert (again.data, again.local_grads, again.roles) == (node.data, node.local_grads, node.roles)


@pytest.mark.parametrize("name", ops("replay"))
def test_exercises_replay_at_moved_points(name):
    values = EXAMPLES[name][0]
    root, node, leaves = build(name, values)
    moved_values = [x * 1.1 for x in values]
    new = exercises.replay(root, dict(zip(leaves, moved_values)))
    _, truth, _ = build(name, moved_values)
    assert new[node].data == truth.data
    assert new[node].local_grads == truth.local_grads


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.expr_name])
def test_it_parses(name):
    op = OPS[name]
    values = EXAMPLES[name][0]
    text = op.text.format(*NAMES[:len(values)])
    node = parse(text, **dict(zip(NAMES, values)))
    assert node.op == name
    assert node.data == build(name, values)[1].data
    if op.expr_name.isidentifier():
        assert op.expr_name in FUNCTIONS


@pytest.mark.parametrize("name", ops("draw"))
def test_it_draws(name):
    root, _, _ = build(name, EXAMPLES[name][0])
    source = viz.draw_dot(root).source
    assert re.search(rf'label="?{re.escape(OPS[name].symbol)}"?[\] ]', source), source


def test_a_graph_of_every_op_draws_as_svg():
    root = engine.sum([build(name, EXAMPLES[name][0])[0] for name in OPS])
    assert "<svg" in viz.to_svg(root)


@pytest.mark.parametrize(("name", "style"), [
    param for style in ("text", "markdown", "latex") for param in ops(f"explain-{style}", style)])
def test_it_explains_in_every_style(name, style):
    root, node, _ = build(name, EXAMPLES[name][0])
    text = trace.explain(root, style=style)
    assert text.count("{") == text.count("}")
    lines = text.splitlines()
    for parent in node.parents:  # a chain-rule step for every edge out of the op's node
        if not parent.is_constant:
            assert any(mathpage.number(trace.gradients(root)[parent]) in line
                       for line in lines), (parent, text)


@pytest.mark.parametrize("name", ops("hint"))
def test_it_has_a_hint(name):
    root, node, _ = build(name, EXAMPLES[name][0])
    op = OPS[name]
    exercise = exercises.Exercise(root)
    for i, (role, _) in enumerate(node.roles):
        hint = exercise.local(node, i).hint
        assert op.edge_rule(role) in hint or op.rule in hint, hint


def test_the_expression_language_and_nn_read_the_table():
    from tinygrad_edu import nn

    named = {op.expr_name for op in OPS.values() if op.expr_name}
    assert set(FUNCTIONS) == {name for name in named if name.isidentifier()}
    assert set(nn.ACTIVATIONS) == {name for name, op in OPS.items() if op.activation} | {"linear"}
    assert not math.isnan(OPS["sigmoid"].replay(-800.0))
