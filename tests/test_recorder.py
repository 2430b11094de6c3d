"""recorder: the numbers it keeps are the training loop's, and the page plays them in a real browser."""

import json
import random
import re

import pytest

from tests.browser import open_page
from tinygrad_edu import Value, viz
from tinygrad_edu.datasets import make_moons
from tinygrad_edu.graphviz_backend import GraphvizNotFoundError
from tinygrad_edu.losses import hinge
from tinygrad_edu.mathpage import number as shown  # the format of the page's numbers, written in Python
from tinygrad_edu.nn import MLP, Neuron
from tinygrad_edu.optim import SGD, Adam
from tinygrad_edu.recorder import KEEP, TrainingRecorder


def moons(n=24, hidden=(4, 4), seed=0):
    X, labels = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in labels], MLP(2, [*hidden, 1], activation="relu", seed=seed)


def train(model, X, y, steps, optimizer, recorder=None):
    """The moons walkthrough's loop; returns what it saw: per step the loss, the accuracy, and every
    parameter before the step, its gradient and after the step."""
    seen = []
    params = model.parameters()
    for k in range(steps):
        scores = [model(x) for x in X]
        J = hinge(scores, y) + 1e-4 * sum(p * p for p in params)
        accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
        before = [p.data for p in params]
        optimizer.zero_grad()
        J.backward()
        optimizer.lr = 0.5 - 0.4 * k / steps
        optimizer.step()
        seen.append((J.data, accuracy, before, [p.grad for p in params], [p.data for p in params],
                     optimizer.lr))
        if recorder is not None:
            recorder.record(J, optimizer.lr)
    return seen


def page_data(path):
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
                      .group(1).replace("<\\/", "</"))


# -- the numbers --------------------------------------------------------------------------------
def test_the_recorder_keeps_the_training_loops_numbers():
    X, y, model = moons()
    recorder = TrainingRecorder(model, X, y)
    seen = train(model, X, y, 12, SGD(model.parameters(), lr=0.5), recorder)
    assert recorder.losses == [loss for loss, *_ in seen]  # every step's loss, exactly
    assert recorder.lrs == [lr for *_, lr in seen]
    shots = recorder.snapshots
    assert [s.step for s in shots] == list(range(1, 13))  # all kept: fewer steps than KEEP
    for shot, (loss, accuracy, before, grads, after, lr) in zip(shots, seen):
        assert (shot.loss, shot.lr) == (loss, lr)
        assert list(shot.before) == before and list(shot.grads) == grads and list(shot.after) == after
        assert recorder.accuracy(shot) == accuracy  # the model's own predictions, from the values it had
        assert shot.plain  # SGD without momentum: after = before − α·∂L/∂w, exactly
    w = 5  # one parameter's trajectory: each step starts where the last one ended
    assert [s.before[w] for s in shots[1:]] == [s.after[w] for s in shots[:-1]]
    assert shots[-1].after[w] == model.parameters()[w].data
    assert len({s.before[w] for s in shots}) > 1  # it moved


def test_momentum_and_adam_updates_are_the_ones_applied_not_minus_lr_grad():
    for make in (lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.05)):
        X, y, model = moons()
        recorder = TrainingRecorder(model, X, y)
        seen = train(model, X, y, 4, make(model.parameters()), recorder)
        shots = recorder.snapshots
        assert not any(s.plain for s in shots[1:])  # from the second step on the momentum shows
        for shot, (*_, grads, after, _lr) in zip(shots, seen):
            assert list(shot.after) == after and list(shot.grads) == grads


def test_a_long_run_keeps_evenly_spaced_steps_and_the_last():
    X, y, model = moons()
    params = model.parameters()
    recorder = TrainingRecorder(model, X, y)
    rng = random.Random(1)
    trajectory = {}
    for step in range(1, 1001):
        for p in params:
            p.grad = rng.uniform(-1, 1)
        trajectory[step] = [p.data for p in params]
        for p in params:
            p.data -= 0.01 * p.grad
        recorder.record(rng.uniform(0, 1), 0.01)
    assert KEEP == 100 and recorder.stride == 16  # 1000 / 16 = 63 steps held: the first power of 2 fitting
    steps = [s.step for s in recorder.snapshots]
    assert steps == [*range(1, 1001, 16), 1000]
    for shot in recorder.snapshots:
        assert list(shot.before) == trajectory[shot.step]
    assert len(recorder.losses) == 1000


class Threshold:
    """Says 1 where w·x + b > 0, else 0: a model that is no MLP, with parameters() and predict(x)."""

    def __init__(self):
        self.w, self.b = Value(-0.5, label="w"), Value(0.1, label="b")

    def parameters(self):
        return [self.w, self.b]

    def predict(self, x):
        return int(self.w.data * x + self.b.data > 0)


def train_threshold(steps=3):
    model, X, y = Threshold(), [1.0, 2.0, -1.0, -2.0], [1, 1, 0, 0]
    recorder, optimizer, seen = TrainingRecorder(model, X, y), SGD(model.parameters(), lr=0.05), []
    for _ in range(steps):
        seen.append([model.predict(x) for x in X])  # what it says before the step
        J = sum((model.w * x + model.b - t) ** 2 for x, t in zip(X, y))
        optimizer.zero_grad()
        J.backward()
        optimizer.step()
        recorder.record(J, optimizer.lr)
    return model, recorder, seen


def test_a_model_that_is_no_mlp_is_recorded_with_its_own_predict(tmp_path):
    model, recorder, seen = train_threshold()
    trained = [p.data for p in model.parameters()]
    data = page_data(recorder.write_html(tmp_path / "run.html"))
    assert [p.data for p in model.parameters()] == trained  # the recorded values were put back
    assert data["names"] == ["w", "b"] and data["examples"] == [["1.0", "1"], ["2.0", "1"], ["-1.0", "0"],
                                                                 ["-2.0", "0"]]
    assert [s["said"] for s in data["steps"]] == [[str(c) for c in said] for said in seen]
    assert seen[0] != seen[-1]  # it learned something, so the steps differ
    right = [sum(s == t for s, t in zip(said, [1, 1, 0, 0])) for said in seen]
    assert [s["acc"] for s in data["steps"]] == [f"{100 * r / 4:.1f}%" for r in right]
    assert "colour" not in data["steps"][0]  # no picture to paint
    assert data["missing"] == "(a picture of the network is drawn for an nn.MLP)"


def test_the_page_of_a_model_that_is_no_mlp_shows_what_it_says_of_its_examples(browser, tmp_path):
    page, blocked, _ = browser
    _, recorder, seen = train_threshold()
    errors = open_page(page, recorder.write_html(tmp_path / "run.html"))
    rows = ("() => [...document.querySelectorAll('#examples tr')]"
            ".map(r => [...r.cells].map(c => c.textContent))")
    marks = {True: "✓", False: "✗"}
    examples = zip([1.0, 2.0, -1.0, -2.0], [1, 1, 0, 0], seen[0])
    assert page.evaluate(rows) == [["example", "label", "the model says"]] + [
        [str(x), str(t), f"{s} {marks[s == t]}"] for x, t, s in examples]
    page.keyboard.press("End")
    assert page.evaluate(rows)[1][2].startswith(str(seen[-1][0]))
    assert page.inner_text("#update").startswith(("w:  w ← w − α·∂L/∂w = ", "b:  w ← w − α·∂L/∂w = "))
    assert page.inner_text("#network") == "(a picture of the network is drawn for an nn.MLP)"
    assert errors == [] and blocked == []


def test_keep_bounds_what_is_held():
    X, y, model = moons()
    recorder = TrainingRecorder(model, X, y, keep=4)
    for k in range(1, 10):
        recorder.record(1.0 / k, 0.1)
    assert recorder.stride == 4 and [s.step for s in recorder.snapshots] == [1, 5, 9]
    recorder.record(0.05, 0.1)
    assert [s.step for s in recorder.snapshots] == [1, 5, 9, 10]  # and the last


def test_bad_input_is_refused_clearly():
    X, y, model = moons()
    with pytest.raises(TypeError, match=r"model must be a tinygrad_edu.nn.MLP, or have parameters\(\) and "
                                        r"predict\(x\) -> label; got Neuron"):
        TrainingRecorder(Neuron(2), X, y)
    with pytest.raises(TypeError, match="predict= turns an nn.MLP's outputs into a label; a Threshold "
                                        r"predicts with its own predict\(x\)"):
        TrainingRecorder(Threshold(), [1.0], [1], predict=lambda outputs: 1)
    with pytest.raises(ValueError, match=r"X\[0\] must be a list of the model's 2 inputs, got \[1.0\]"):
        TrainingRecorder(model, [[1.0]], [1])
    with pytest.raises(ValueError, match="as long as each other, got 24 points and 3 labels"):
        TrainingRecorder(model, X, y[:3])
    with pytest.raises(ValueError, match="one output cannot tell 3 classes apart"):
        TrainingRecorder(model, X[:3], [0, 1, 2])
    with pytest.raises(ValueError, match="keep must be a whole number ≥ 2, got 1"):
        TrainingRecorder(model, X, y, keep=1)
    recorder = TrainingRecorder(model, X, y)
    with pytest.raises(TypeError, match="record: lr must be a Value or a real number, got str: '0.1'"):
        recorder.record(1.0, "0.1")
    with pytest.raises(ValueError, match="nothing recorded yet"):
        recorder.write_html("never.html")


def test_a_record_in_the_wrong_place_is_caught_at_the_first_step():
    for misplaced in ("before step", "after zero_grad"):
        X, y, model = moons()
        optimizer = SGD(model.parameters(), lr=0.1)
        recorder = TrainingRecorder(model, X, y)
        J = hinge([model(x) for x in X], y)
        optimizer.zero_grad()
        J.backward()
        if misplaced == "before step":
            with pytest.raises(ValueError, match=r"no parameter changed .* after optimizer.step\(\)"):
                recorder.record(J, optimizer.lr)
        else:
            optimizer.step()
            optimizer.zero_grad()
            with pytest.raises(ValueError, match=r"every gradient is 0 .* before the next zero_grad\(\)"):
                recorder.record(J, optimizer.lr)


def test_labels_of_several_classes_need_as_many_outputs():
    model = MLP(3, [4, 3], seed=0)
    recorder = TrainingRecorder(model, [[0, 0, 1], [0, 1, 0], [1, 0, 0]], [0, 1, 2])
    assert recorder.predict([0.1, 0.7, 0.7]) == 1  # the largest score; the first of equal ones
    with pytest.raises(ValueError, match="labels must be the classes 0 to 2"):
        TrainingRecorder(model, [[0, 0, 1]], [5])


# -- the page -----------------------------------------------------------------------------------
def recorded_run(steps=10):
    X, y, model = moons()
    recorder = TrainingRecorder(model, X, y)
    seen = train(model, X, y, steps, SGD(model.parameters(), lr=0.5), recorder)
    return recorder, seen


def test_the_page_holds_the_recorded_numbers_and_nothing_from_the_network(tmp_path):
    recorder, seen = recorded_run()
    path = recorder.write_html(tmp_path / "sub" / "run.html", title="A <small> run")
    text = path.read_text(encoding="utf-8")
    assert "<title>A &lt;small&gt; run</title>" in text and "All 10 steps are kept." in text
    assert not re.search(r'(src|href)="(?!#)', text)  # nothing to fetch: no script, style, font or image
    assert not re.search(r"https?://(?!www\.w3\.org/)", text)  # only the SVG namespaces
    data = page_data(path)
    assert data["names"] == [p.label for p in recorder.model.parameters()]
    assert [s["k"] for s in data["steps"]] == list(range(1, 11)) and data["total"] == 10
    for step, (loss, accuracy, before, grads, after, lr) in zip(data["steps"], seen):
        assert step["plain"] and step["acc"] == f"{100 * accuracy:.1f}%"
        assert step["loss"] == shown(loss) and step["lr"] == shown(lr) and step["lossValue"] == loss
        assert step["w"] == [shown(v) for v in before]  # every number as the page shows it
        assert step["g"] == [shown(v) for v in grads]
        assert step["a"] == [shown(v) for v in after]
        assert step["largest"] == max(range(len(grads)), key=lambda i: abs(grads[i]))
        assert len(step["cells"]) == data["grid"] ** 2 and set(step["cells"]) <= {"0", "1"}
    assert data["curve"] == [[k, loss] for k, (loss, *_) in enumerate(seen, 1)]
    if "<svg" in text:  # the network drawn once: element p{k} is parameter k, no number on it
        assert all(f'id="p{k}"' in text for k in range(len(data["names"])))
        assert shown(seen[0][2][3]) not in re.sub(r'(?s)<script.*?</script>', "", text)
    assert not list(tmp_path.glob("sub/.*"))  # written atomically: no temporary file left


def test_without_graphviz_the_page_says_so_and_keeps_the_rest(tmp_path, monkeypatch):
    def no_backend(graph):
        raise GraphvizNotFoundError("no Graphviz here")

    monkeypatch.setattr(viz, "to_svg", no_backend)
    recorder, _ = recorded_run(3)
    text = recorder.write_html(tmp_path / "run.html").read_text(encoding="utf-8")
    assert "<svg width=" not in text
    assert page_data(tmp_path / "run.html")["missing"] == "(no picture of the network: no Graphviz here)"
    assert len(page_data(tmp_path / "run.html")["steps"]) == 3


def test_a_page_without_a_plane_shows_a_confusion_matrix(tmp_path):
    model = MLP(3, [3], seed=0)
    X, y = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0]], [0, 1, 2, 2]
    recorder = TrainingRecorder(model, X, y)
    recorder.record(1.0, 0.1)
    data = page_data(recorder.write_html(tmp_path / "run.html"))
    said = [max(range(3), key=lambda k: model(x)[k].data) for x in X]
    confusion = [[sum((t, s) == (row, col) for s, t in zip(said, y)) for col in range(3)] for row in range(3)]
    assert "grid" not in data and data["steps"][0]["confusion"] == confusion


def test_a_long_run_makes_a_page_of_bounded_size(tmp_path):
    """1,000 steps of the moons walkthrough's network (337 parameters, 100 points): the page keeps
    63 evenly spaced steps and the last, and stays under 1.5 MB (the walkthrough's 100 steps: 1.5 MB)."""
    X, labels = make_moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    recorder = TrainingRecorder(model, X, [2 * t - 1 for t in labels])
    rng = random.Random(0)
    for _ in range(1000):
        for p in model.parameters():
            p.grad = rng.gauss(0, 0.1)
            p.data -= 0.1 * p.grad
        recorder.record(rng.uniform(0, 1), 0.1)
    path = recorder.write_html(tmp_path / "long.html")
    assert path.stat().st_size < 1_500_000
    text = path.read_text(encoding="utf-8")
    assert "Of 1000 steps the page keeps every 16th (1, 17, 33, …, 993: 63 steps) and the last (1000)" in text
    assert len(page_data(path)["steps"]) == 64


# -- in a real browser (the browser fixture is in conftest.py) ------------------------------------
def term(x):
    """A number in the update line: negative ones in parentheses."""
    return f"({shown(x)})" if shown(x).startswith("-") else shown(x)



def state(page):
    return {
        "counter": page.inner_text("#counter"), "stats": page.inner_text("#stats"),
        "update": page.inner_text("#update"),
        "pens": page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#network g.edge')]"
                              ".map(g => [g.id, g.querySelector('path').getAttribute('stroke') + ' ' +"
                              "           g.querySelector('path').getAttribute('stroke-width')]))"),
        "boundary": page.evaluate("() => document.getElementById('boundary').toDataURL()"),
    }


def slide(page, index):
    page.eval_on_selector("#slider", "(el, k) => { el.value = k; el.dispatchEvent(new Event('input')); }",
                          index)


def update_line(name, shot, i):
    """The page's update of parameter i at a step, from the recorded numbers (a bias b updates as b)."""
    p = "b" if name.startswith("b") else "w"
    if shot.plain:
        return (f"{name}:  {p} ← {p} − α·∂L/∂{p} = {shown(shot.before[i])} − {shown(shot.lr)} × "
                f"{term(shot.grads[i])} = {shown(shot.after[i])}")
    return (f"{name}:  {p} ← {p} + Δ{p} = {shown(shot.before[i])} + {term(shot.after[i] - shot.before[i])} = "
            f"{shown(shot.after[i])}")


def largest(shot):
    """The parameter the page follows: the largest |∂L/∂w|, the first of equal ones."""
    grads = [abs(g) for g in shot.grads]
    return grads.index(max(grads))


def test_the_page_plays_the_run_with_the_recorded_numbers(browser, tmp_path, graphviz_backend):
    page, blocked, requests = browser
    recorder, _ = recorded_run(10)
    shots, names = recorder.snapshots, recorder.names
    errors = open_page(page, recorder.write_html(tmp_path / "run.html"))
    first = state(page)
    assert first["counter"] == "Step 1 of 10"
    shot = shots[0]
    assert first["stats"] == (f"loss {shown(shot.loss)} · accuracy {100 * recorder.accuracy(shot):.1f}% · "
                              f"α = {shown(shot.lr)}")
    i = largest(shot)
    assert first["update"] == update_line(names[i], shot, i)
    page.hover("#p3 path.hit", force=True)  # a weight's numbers, where the pointer is
    assert page.inner_text("#tip") == (f"{names[3]}\nw = {shown(shot.before[3])}\n"
                                       f"∂L/∂w = {shown(shot.grads[3])}\n"
                                       + update_line(names[3], shot, 3).split(":  ")[1])

    slide(page, 6)  # the slider: step, loss, picture and update all move
    seventh = state(page)
    assert seventh["counter"] == "Step 7 of 10"
    assert seventh["stats"].startswith(f"loss {shown(shots[6].loss)} ")
    assert seventh["pens"] != first["pens"] and seventh["boundary"] != first["boundary"]
    biggest = max(abs(w) for k, w in enumerate(shots[6].before) if names[k].startswith("w"))
    pens = {f"p{k}": viz.weight_pen(w, biggest) for k, w in enumerate(shots[6].before)
            if names[k].startswith("w")}
    assert seventh["pens"] == {k: f"{colour} {float(width):g}" for k, (colour, width) in pens.items()}

    page.dispatch_event('#network g[data-param="3"]', "click")  # a clicked weight's update
    assert names[3] == "w1[1,0]" and page.inner_text("#update") == update_line(names[3], shots[6], 3)
    assert page.inner_text("#update").startswith("w1[1,0]:  w ← w − α·∂L/∂w = ")
    assert page.evaluate("() => document.querySelector('#network g.chosen').dataset.param") == "3"
    page.dispatch_event('#network g[data-param="5"]', "click")  # a neuron: its bias
    assert names[5] == "b1[1]" and page.inner_text("#update") == update_line(names[5], shots[6], 5)
    assert page.inner_text("#update").startswith("b1[1]:  b ← b − α·∂L/∂b = ")
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#counter") == "Step 6 of 10" and page.inner_text("#update").startswith(names[5])

    page.click("#play")
    page.wait_for_function("() => document.getElementById('counter').textContent === 'Step 10 of 10'")
    # and it stops there by itself
    page.wait_for_function("() => document.getElementById('play').textContent === '▶ Play'")
    assert page.evaluate("() => document.querySelectorAll('#network [data-param]').length") == len(names)
    assert errors == [] and blocked == [] and all(url.startswith("file:") for url in requests)


def test_the_page_shows_adams_update_as_the_step_taken(browser, tmp_path):
    page, blocked, _ = browser
    X, y, model = moons()
    recorder = TrainingRecorder(model, X, y)
    train(model, X, y, 3, Adam(model.parameters(), lr=0.05), recorder)
    errors = open_page(page, recorder.write_html(tmp_path / "adam.html"))
    page.keyboard.press("End")
    shot, names = recorder.snapshots[-1], recorder.names
    i = largest(shot)
    assert page.inner_text("#update") == update_line(names[i], shot, i)
    assert "plain gradient descent would take −α·∂L/∂" in page.inner_text("#why")
    assert errors == [] and blocked == []


def test_the_page_of_a_classifier_without_a_plane_shows_its_confusion_matrix(browser, tmp_path):
    page, blocked, _ = browser
    model = MLP(3, [3], seed=0)
    X, y = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0]], [0, 1, 2, 2]
    recorder = TrainingRecorder(model, X, y)
    recorder.record(1.0, 0.1)
    errors = open_page(page, recorder.write_html(tmp_path / "run.html"))
    said = [max(range(3), key=lambda k: model(x)[k].data) for x in X]
    cells = page.evaluate("() => [...document.querySelectorAll('#confusion td')].map(td => td.textContent)")
    expected = [sum((t, s) == (row, col) for s, t in zip(said, y)) for row in range(3) for col in range(3)]
    assert cells == [str(n) if n else "·" for n in expected]
    assert errors == [] and blocked == []



# -- the whole network in its panel, axis labels whole (issue 20) --------------------------------
INSIDE = """() => {
    const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5 &&
                               r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
    const panel = document.getElementById('network').getBoundingClientRect();
    const curve = document.getElementById('curve').getBoundingClientRect();
    return {network: inside(document.querySelector('#network g.graph').getBoundingClientRect(), panel),
            layers: [...document.querySelectorAll('#network g.node')]
                .every(g => inside(g.getBoundingClientRect(), panel)),
            labels: [...document.querySelectorAll('#curve text')]
                .map(t => [t.textContent, inside(t.getBoundingClientRect(), curve)])};
}"""


def small_loss_run(steps=30):
    """The moons walkthrough's network (2 → 16 → 16 → 1), whose loss falls to 0.0001124."""
    X, labels = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    recorder = TrainingRecorder(model, X, [2 * t - 1 for t in labels])
    rng = random.Random(0)
    for k in range(steps):
        for p in model.parameters():
            p.grad = rng.gauss(0, 0.1)
            p.data -= 0.1 * p.grad
        recorder.record(2.0 * (0.0001124 / 2.0) ** (k / (steps - 1)), 0.1)
    return recorder


@pytest.mark.parametrize("width", [1280, 800])
def test_the_whole_network_fits_its_panel_and_no_axis_label_is_cut(browser, tmp_path, width):
    page, blocked, _ = browser
    page.set_viewport_size({"width": width, "height": 900})
    recorder = small_loss_run()
    errors = open_page(page, recorder.write_html(tmp_path / "run.html"))
    seen = page.evaluate(INSIDE)
    assert seen["network"] and seen["layers"]  # every layer visible at load
    assert seen["labels"][1][0] == shown(min(recorder.losses))  # the lower label, whole
    assert all(inside for _, inside in seen["labels"]), seen["labels"]
    before = page.evaluate("() => document.querySelector('#network svg').getAttribute('viewBox')")
    page.click("#zoom-in")  # zoom for detail
    assert page.evaluate("() => document.querySelector('#network svg').getAttribute('viewBox')") != before
    page.click("#fit")
    assert page.evaluate(INSIDE)["network"]
    assert errors == [] and blocked == []
    page.set_viewport_size({"width": 1280, "height": 760})
