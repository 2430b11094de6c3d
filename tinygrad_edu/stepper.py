"""Watch the backward pass: one picture per chain-rule step, and a page to step through them.

``backward_frames(root)`` draws the graph once before the backward pass (forward values, every
grad blank) and once after each step of ``trace.trace_backward``: the node being processed and the
edge carrying its gradient are red, grads not computed yet are blank, the step's equation is the
caption. Like ``trace_backward`` both are pure: they show ∂root/∂node from zero and leave every
``.grad`` as it was, so the pictures are the same however often ``backward()`` ran before.
``write_stepper_html(root, path)`` puts those pictures in one self-contained HTML page
(SVG inline, no script or font from the network) with Prev / Next buttons and the arrow keys.
The pictures are drawn by ``viz.to_svg``, with whichever Graphviz backend is in use.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .engine import Value
from .exercises import TOLERANCE
from .files import write_atomic
from .trace import leaves, node_names, number, operand, shown_steps, step_equation, trace_backward
from .viz import draw_dot, to_svg

__all__ = ["backward_frames", "write_stepper_html"]


@dataclass(frozen=True)
class _Frame:
    graph: object  # graphviz.Digraph
    title: str  # "Step 3 of 7: v2 passes its gradient to b"
    equation: str  # the chain-rule step, or what happens before the first one
    grads: dict[Value, float]  # the grads known so far
    parent: Value | None = None  # the node whose gradient the step adds to (None before the first)


def _frames(root: Value, captions: bool) -> list[_Frame]:
    """The backward pass as frames, from the steps' own numbers (no .grad is read or changed)."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_frames: root must be a Value, got {type(root).__name__}: {root!r}")
    names = node_names(root)
    steps = shown_steps(trace_backward(root))
    total = len(steps)

    def frame(title, equation, grads, **highlight):
        caption = f"{title}\n{equation}" if captions else None
        parent = highlight["highlight_edge"][0] if highlight else None
        return _Frame(draw_dot(root, shown_grads=dict(grads), caption=caption, **highlight),
                      title, equation, dict(grads), parent)

    frames = [frame("Forward pass: every value computed, no gradient yet",
                    f"{names[root]} = {number(root.data)}; the backward pass starts from "
                    f"∂{names[root]}/∂{names[root]} = 1", {})]
    grads = {root: 1.0}
    for k, step in enumerate(steps, 1):
        grads[step.parent] = step.parent_grad_after
        frames.append(frame(f"Step {k} of {total}: {names[step.node]} passes its gradient to "
                            f"{names[step.parent]}", step_equation(step, names, root), grads,
                            highlight_node=step.node, highlight_edge=(step.parent, step.node)))
    return frames


def backward_frames(root: Value) -> list:
    """One ``graphviz.Digraph`` before the backward pass and one after each of its steps.

    Frame 0 shows the forward values with every grad blank; frame k highlights the node whose
    gradient flows back in step k and the edge it flows along, shows the grads known so far, and
    has the step's equation as its caption. Steps into constants are left out, as in ``explain``.
    Pure: every grad shown is ∂root/∂node from zero; no ``.grad`` changes.
    """
    return [frame.graph for frame in _frames(root, captions=True)]


def _inline_svg(svg: str, prefix: str) -> str:
    """Graphviz's SVG ready to sit in a page next to others: no XML prolog, ids made unique."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    return re.sub(r'(url\(#|href="#)', rf"\g<1>{prefix}", svg)


def _questions(root: Value, frames: list[_Frame]) -> list[dict | None]:
    """Predict mode: what each step asks, ∂L/∂parent once the step is done (a sum so far when the
    parent already had a share), with the true value (the page checks within TOLERANCE)."""
    names = node_names(root)
    L = operand(names[root])
    asked: list[dict | None] = [None]
    for before, frame in zip(frames, frames[1:]):
        parent = frame.parent
        had = before.grads.get(parent)
        note = ("" if had is None else f"{names[parent]} already has {number(had)} from another user: "
                "add this step's share")
        asked.append({"prompt": f"∂{L}/∂{operand(names[parent])}", "answer": frame.grads[parent],
                      "shown": number(frame.grads[parent]), "note": note})
    return asked


def write_stepper_html(root: Value, path: str | Path, title: str | None = None, quiz: bool = False) -> Path:
    """Write one self-contained HTML page that steps through the backward pass of ``root``.

    Prev / Next (and the left / right arrow keys, Home / End) move between the frames of
    ``backward_frames``; the page shows the step counter, the step's equation, the whole
    derivation with the current line marked, and the leaves' gradients so far (final on the
    last step). Nothing is fetched from the network: a teacher can put it on a website, a learner
    can open it with a double click. Pure, as ``backward_frames`` is: no ``.grad`` changes.

    ``quiz=True``: predict mode. Before each step is shown, an input box asks for the gradient it
    produces (∂L/∂parent, the sum so far); Enter checks the number within
    ``exercises.TOLERANCE`` (as ``tinygrad-edu quiz`` does), says right or wrong, then shows the
    step. A score line counts the steps answered; later lines of the derivation stay hidden.
    """
    path = Path(path)
    frames = _frames(root, captions=False)  # the page shows the equation as text, above the picture
    names = node_names(root)
    shown_leaves = leaves(root)
    pictures = "\n".join(
        f'<figure class="frame" data-step="{k}"{"" if k == 0 else " hidden"}>'
        f'{_inline_svg(to_svg(frame.graph), f"f{k}-")}</figure>'
        for k, frame in enumerate(frames))
    derivation = "\n".join(f'<li data-step="{k}">{html.escape(frame.equation)}</li>'
                           for k, frame in enumerate(frames) if k)
    rows = "\n".join(f'<tr><th>∂{html.escape(names[root])}/∂{html.escape(names[leaf])}</th>'
                     f'<td data-leaf="{i}"></td></tr>' for i, leaf in enumerate(shown_leaves))
    asked = _questions(root, frames) if quiz else [None] * len(frames)
    data = [{"title": f.title, "equation": f.equation, "ask": question,
             "grads": [number(f.grads[leaf]) if leaf in f.grads else "" for leaf in shown_leaves]}
            for f, question in zip(frames, asked)]
    heading = title or f"Backpropagation through {names[root]} = {number(root.data)}"
    page = (_PAGE.replace("{title}", html.escape(heading))
            .replace("{pictures}", pictures).replace("{derivation}", derivation).replace("{rows}", rows)
            .replace("{quiz}", "" if quiz else " hidden").replace("{tolerance}", repr(TOLERANCE))
            .replace("{data}", json.dumps(data, ensure_ascii=False).replace("</", "<\\/")))
    return write_atomic(path, page)


# The head of every page the package writes (this one and the training page): one palette, type and
# header. It ends inside <style>, so a page goes on with its own rules; {title} is filled in by it.
PAGE_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  :root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --hot: #dc2626; --accent: #2563eb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
         color: var(--ink); background: #f9fafb; }
  header { padding: 14px 24px; background: white; border-bottom: 1px solid var(--line); }
  h1 { margin: 0; font-size: 19px; font-weight: 600; }
  header p { margin: 2px 0 0; color: var(--muted); }
  h2 { margin: 0 0 8px; font-size: 14px; text-transform: uppercase; letter-spacing: .04em;
       color: var(--muted); }
"""

_PAGE = PAGE_HEAD + """\
  main { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 16px; padding: 16px 24px; }
  .stage, section { background: white; border: 1px solid var(--line); border-radius: 10px; }
  .stage { grid-column: 1 / -1; padding: 14px 18px; min-width: 0; }
  #title { margin: 0; color: var(--muted); font-size: 14px; }
  #equation { margin: 6px 0 10px; padding: 10px 14px; border-left: 4px solid var(--hot);
              background: #fef2f2; border-radius: 6px; font: 17px/1.4 ui-monospace, "DejaVu Sans Mono",
              Menlo, Consolas, monospace; overflow-x: auto; white-space: pre; }
  .frame { margin: 0; text-align: center; overflow: auto; }
  .frame svg { width: 100%; height: auto; max-height: 58vh; }
  nav { display: flex; align-items: center; gap: 12px; margin-top: 10px; }
  button { font: inherit; padding: 6px 16px; border-radius: 8px; border: 1px solid #d1d5db;
           background: white; cursor: pointer; }
  button:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
  button:disabled { opacity: .4; cursor: default; }
  #counter { min-width: 110px; text-align: center; font-variant-numeric: tabular-nums; }
  .hint { margin-left: auto; color: var(--muted); font-size: 13px; }
  section { padding: 12px 14px; min-width: 0; }
  ol { margin: 0; padding-left: 22px; font: 12.5px/1.5 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
  li { padding: 1px 4px; border-radius: 4px; cursor: pointer; color: var(--muted); }
  li.done { color: var(--ink); }
  li.current { background: #fee2e2; color: var(--hot); font-weight: 600; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { padding: 3px 6px; border-bottom: 1px solid var(--line); text-align: left; }
  td { text-align: right; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
  td:empty::after { content: "–"; color: var(--muted); }
  td.changed { color: var(--hot); font-weight: 600; }
  #quiz { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin: 0 0 10px;
          padding: 8px 12px; background: #eff6ff; border-radius: 6px; }
  #quiz[hidden] { display: none; }
  #prompt { font: 16px ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
  #answer { font: 16px ui-monospace, "DejaVu Sans Mono", Menlo, monospace; padding: 4px 8px; }
  #verdict.right { color: #15803d; font-weight: 600; }
  #verdict.wrong { color: var(--hot); font-weight: 600; }
  #score { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; }
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <p>The backward pass one chain-rule step at a time: ∂L/∂parent += ∂node/∂parent · ∂L/∂node</p>
</header>
<main>
  <div class="stage">
    <p id="title"></p>
    <div id="equation"></div>
    <form id="quiz"{quiz} autocomplete="off">
      <label for="answer" id="prompt"></label>
      <input id="answer" inputmode="decimal" spellcheck="false" size="14">
      <button type="submit">Check</button>
      <span id="verdict" role="status"></span>
      <span id="score"></span>
    </form>
    {pictures}
    <nav>
      <button id="prev" type="button">◀ Prev</button>
      <span id="counter"></span>
      <button id="next" type="button">Next ▶</button>
      <span class="hint">← → arrow keys</span>
    </nav>
  </div>
  <section><h2>Derivation</h2><ol id="derivation">{derivation}</ol></section>
  <section><h2>Gradients of the leaves</h2><table id="grads">{rows}</table></section>
</main>
<script type="application/json" id="frames">{data}</script>
<script>
(function () {
  "use strict";
  var frames = JSON.parse(document.getElementById("frames").textContent);
  var figures = document.querySelectorAll(".frame");
  var lines = document.querySelectorAll("#derivation li");
  var cells = document.querySelectorAll("#grads td");
  var last = frames.length - 1, current = 0;
  // Predict mode: step k is shown once its question is answered (frames[k].ask, one try each).
  var quiz = !document.getElementById("quiz").hidden, TOLERANCE = {tolerance};
  var answered = 0, right = 0, pending = 0;  // pending: the step whose question is on screen
  // a number and nothing else: what is typed is never evaluated
  var NUMBER = /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/;
  function ask(k) {
    pending = k;
    var q = frames[k].ask;
    document.getElementById("prompt").textContent = q.prompt + " = ?" + (q.note ? " (" + q.note + ")" : "");
    var box = document.getElementById("answer");
    document.getElementById("verdict").textContent = "";
    box.value = "";
    box.disabled = false;
    box.focus();
  }
  function check(text) {
    var q = frames[pending].ask, verdict = document.getElementById("verdict");
    text = text.trim().replace("\u2212", "-");
    if (!NUMBER.test(text)) {
      verdict.className = "";
      verdict.textContent = "type a number, like -1.5 or 2.5e-3";
      return;
    }
    var value = Number(text), ok = Math.abs(value - q.answer) <= TOLERANCE * Math.max(1, Math.abs(q.answer));
    answered += 1;
    right += ok ? 1 : 0;
    frames[pending].done = true;
    verdict.className = ok ? "right" : "wrong";
    verdict.textContent = ok ? "✓ right: " + q.prompt + " = " + q.shown
                             : "✗ " + text + " is not it: " + q.prompt + " = " + q.shown;
    document.getElementById("score").textContent =
      "Score: " + right + " of " + answered + " right" + (answered === last ? " — done" : "");
    show(pending, true);
  }
  function show(k, checked) {
    k = Math.max(0, Math.min(last, k));
    if (quiz && k > current && !frames[k].done) {
      k = current + 1;  // one step at a time: ask before showing it
      if (!frames[k].done) { ask(k); return; }
    }
    if (quiz && !checked) { document.getElementById("verdict").textContent = ""; }
    current = k;
    if (quiz) {
      document.getElementById("answer").disabled = true;
      document.getElementById("prompt").textContent = current === last ? "All steps shown."
        : "Next ▶ asks for step " + (current + 1) + ".";
    }
    var frame = frames[current], before = frames[Math.max(0, current - 1)];
    figures.forEach(function (f, i) { f.hidden = i !== current; });
    lines.forEach(function (li, i) {
      li.className = i + 1 === current ? "current" : i + 1 < current ? "done" : "";
      li.hidden = quiz && !frames[i + 1].done;  // an unanswered step's equation gives its answer away
    });
    cells.forEach(function (td, i) {
      td.textContent = frame.grads[i];
      td.className = current > 0 && frame.grads[i] !== before.grads[i] ? "changed" : "";
    });
    document.getElementById("title").textContent = frame.title;
    document.getElementById("equation").textContent = frame.equation;
    document.getElementById("counter").textContent =
      current === last ? "Step " + current + " / " + last + " — done" : "Step " + current + " / " + last;
    document.getElementById("prev").disabled = current === 0;
    document.getElementById("next").disabled = current === last;
  }
  document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next").addEventListener("click", function () { show(current + 1); });
  lines.forEach(function (li, i) { li.addEventListener("click", function () { show(i + 1); }); });
  document.getElementById("quiz").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!document.getElementById("answer").disabled) { check(document.getElementById("answer").value); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.id === "answer") { return; }  // the arrow keys edit the answer
    var to = {ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });
  show(0);
  if (quiz) { document.getElementById("score").textContent = "Score: 0 of 0"; }
})();
</script>
</body>
</html>
"""
