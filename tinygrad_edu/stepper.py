"""Watch the backward pass: one picture per chain-rule step, and a page to step through them.

``backward_frames(root)`` draws the graph once before the backward pass (forward values, every
grad blank) and once after each step of ``trace.trace_backward``: the node being processed and the
edge carrying its gradient are red, grads not computed yet are blank, the step's equation is the
caption. Like ``trace_backward`` both are pure: they show ∂root/∂node from zero and leave every
``.grad`` as it was, so the pictures are the same however often ``backward()`` ran before.

``write_stepper_html(root, path)`` writes one self-contained page (no script or font from the
network; ``web/stepper.html`` filled by the page kit, ``tinygrad_edu.pages``). The graph is drawn
once, by ``viz.draw_dot``; the page's script restyles it per step (the active node and edge, the
grads known so far) from the steps' data, so the page grows with the graph plus the steps, not
their product. Prev / Next and the arrow keys step; the picture zooms and pans (buttons, wheel,
drag, + − 0 keys), fits, and follows the active node.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .engine import Value
from .exercises import ABSOLUTE, TOLERANCE
from .files import write_atomic
from .pages import build, inline_svg
from .trace import (
    BackwardStep,
    forward_order,
    leaves,
    node_names,
    number,
    operand,
    step_equation,
    trace_backward,
)
from .viz import Picture, draw_dot, grad_field, local_derivative, to_svg

__all__ = ["backward_frames", "write_stepper_html"]


@dataclass(frozen=True)
class _Frame:
    title: str  # "Step 3 of 7: v2 passes its gradient to b"
    equation: str  # the chain-rule step, or what happens before the first one
    grads: dict[Value, float]  # the grads known after this frame
    step: BackwardStep | None = None  # None before the first step
    edge: int = 0  # which input of step.node the step's edge comes from (x*x has two)


def _frames(root: Value) -> list[_Frame]:
    """The backward pass as frames, from the steps' own numbers (no .grad is read or changed).
    Steps into constants are left out, as in ``explain``."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_frames: root must be a Value, got {type(root).__name__}: {root!r}")
    names = node_names(root)
    steps: list[BackwardStep] = []
    inputs: list[int] = []
    for step in trace_backward(root):  # a node's steps come together, one per input, in order
        edge = inputs[-1] + 1 if steps and steps[-1].node is step.node else 0
        steps.append(step)
        inputs.append(edge)
    shown = [(step, edge) for step, edge in zip(steps, inputs) if not step.parent.is_constant]
    frames = [_Frame("Forward pass: every value computed, no gradient yet",
                     f"{names[root]} = {number(root.data)}; the backward pass starts from "
                     f"∂{names[root]}/∂{names[root]} = 1", {})]
    grads = {root: 1.0}
    for k, (step, edge) in enumerate(shown, 1):
        grads[step.parent] = step.parent_grad_after
        frames.append(_Frame(f"Step {k} of {len(shown)}: {names[step.node]} passes its gradient to "
                             f"{names[step.parent]}", step_equation(step, names, root), dict(grads),
                             step, edge))
    return frames


def backward_frames(root: Value) -> list[Picture]:
    """One ``graphviz.Digraph`` before the backward pass and one after each of its steps.

    Frame 0 shows the forward values with every grad blank; frame k highlights the node whose
    gradient flows back in step k and the edge it flows along, shows the grads known so far, and
    has the step's equation as its caption. Steps into constants are left out, as in ``explain``.
    Pure: every grad shown is ∂root/∂node from zero; no ``.grad`` changes.
    """
    return [draw_dot(root, shown_grads=frame.grads, caption=f"{frame.title}\n{frame.equation}",
                     highlight_node=None if frame.step is None else frame.step.node,
                     highlight_edge=None if frame.step is None else (frame.step.parent, frame.step.node))
            for frame in _frames(root)]


def _question(frame: _Frame, before: _Frame, names: dict[Value, str], L: str) -> dict:
    """Predict mode: what a step asks, ∂L/∂parent once the step is done (a sum so far when the
    parent already had a share), with the true value (the page checks within TOLERANCE)."""
    assert frame.step is not None
    parent = frame.step.parent
    had = before.grads.get(parent)
    note = ("" if had is None else f"{names[parent]} already has {number(had)} from another user: "
            "add this step's share")
    return {"prompt": f"∂{L}/∂{operand(names[parent])}", "answer": frame.grads[parent],
            "shown": number(frame.grads[parent]), "note": note,
            # its edge's local derivative without its number until answered (it can be the answer)
            "edge": f"{local_derivative(frame.step.node, frame.edge)[0]} = ?"}


def write_stepper_html(root: Value, path: str | Path, title: str | None = None, quiz: bool = False) -> Path:
    """Write one self-contained HTML page that steps through the backward pass of ``root``.

    Prev / Next (and the left / right arrow keys, Home / End) move between the frames of
    ``backward_frames``; the page shows the step counter, the step's equation, the derivation up
    to the step (or all of it: "show all"), and the leaves' gradients so far (final on the last
    step). The graph is drawn once and restyled per step; it opens fitted to its box when its
    labels stay readable there, else zoomed on the active node, which it follows. Nothing is
    fetched from the network: a teacher can put it on a website, a learner can open it with a
    double click. Pure, as ``backward_frames`` is: no ``.grad`` changes.

    ``quiz=True``: predict mode. Before each step is shown, an input box asks for the gradient it
    produces (∂L/∂parent, the sum so far); Enter checks the number as ``exercises.is_close``
    does (within 0.1%, as ``tinygrad-edu quiz`` does), says right or wrong, then shows the
    step. A score line counts the steps answered; the derivation shows answered steps only, and
    the picture no number a pending question asks for.
    """
    path = Path(path)
    frames = _frames(root)
    names = node_names(root)
    ids = {node: f"n{i}" for i, node in enumerate(forward_order(root))}  # draw_dot's ids
    shown_leaves = leaves(root)
    L = operand(names[root])
    steps = []
    for before, frame in zip(frames, frames[1:]):
        step = frame.step
        assert step is not None
        node, parent = ids[step.node], step.parent
        steps.append({
            "title": frame.title, "equation": frame.equation, "node": node, "edge": f"{node}in{frame.edge}",
            "parent": ids[parent], "field": grad_field(frame.grads[parent]),
            "leaf": shown_leaves.index(parent) if parent in shown_leaves else -1,
            "value": number(frame.grads[parent]),
            "ask": _question(frame, before, names, L) if quiz else None})
    data = {
        "quiz": quiz, "tolerance": TOLERANCE, "absolute": ABSOLUTE, "root": ids[root],
        "rootField": grad_field(1.0),
        "blank": grad_field(None), "start": {"title": frames[0].title, "equation": frames[0].equation},
        "nodes": [ids[node] for node in ids if not node.is_constant],
        "leaves": [f"∂{names[root]}/∂{names[leaf]}" for leaf in shown_leaves], "steps": steps,
    }
    # drawn with the final grads, so each box is as wide as the widest number it will hold
    svg = inline_svg(to_svg(draw_dot(root, shown_grads=frames[-1].grads)))
    heading = title or f"Backpropagation through {names[root]} = {number(root.data)}"
    return write_atomic(path, build("stepper", heading, data, svg))
