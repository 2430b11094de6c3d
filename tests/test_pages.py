"""The page kit (tinygrad_edu.pages): real web files filled in one pass, every user string as text.

Hostile labels (issue 18 item 18) reach both pages in headless Chromium: no element is injected,
the script still runs, the console stays clean."""

import json
import re
import subprocess
import sys

from tests.browser import open_page
from tinygrad_edu import Value
from tinygrad_edu.nn import MLP
from tinygrad_edu.pages import build, inline_svg, page_json
from tinygrad_edu.recorder import TrainingRecorder
from tinygrad_edu.stepper import write_stepper_html

PAYLOADS = ["<img src=x onerror=alert(1)>", "{data}", "<!--<script>", "{{data}}", "</script><b>x</b>"]


def test_the_json_cannot_end_its_script_element_and_reads_back_the_same():
    data = {"labels": PAYLOADS, "x": 0.5}
    text = page_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_slots_are_filled_once_and_the_title_is_text():
    page = build("stepper", "{{data}} <b>{{script}}</b>", {"label": "{{title}}"})
    assert "<title>{{data}} &lt;b&gt;{{script}}&lt;/b&gt;</title>" in page
    assert '"label":"{{title}}"' in page  # what fills a slot is never searched for slots
    assert not re.search(r"\{\{(style|picture)\}\}", page)



INJECTED = """() => ({
    images: document.querySelectorAll('img').length,
    bold: document.querySelectorAll('b').length,
    scripts: document.querySelectorAll('script').length,
    comments: document.createTreeWalker(document, NodeFilter.SHOW_COMMENT).nextNode() !== null,
})"""


def test_hostile_labels_and_title_reach_the_stepper_page_as_text(browser, tmp_path):
    page, blocked, _ = browser
    a, b, c = (Value(v, label=label) for v, label in zip((2.0, -3.0, 0.5), PAYLOADS))
    L = (a * b + c).tanh()
    L.label = PAYLOADS[4]
    for quiz in (False, True):
        path = write_stepper_html(L, tmp_path / f"hostile{quiz}.html", title=" ".join(PAYLOADS), quiz=quiz)
        errors = open_page(page, path)
        assert page.evaluate(INJECTED) == {"images": 0, "bold": 0, "scripts": 2, "comments": False}
        assert page.title() == " ".join(PAYLOADS) and page.inner_text("h1") == " ".join(PAYLOADS)
        assert page.inner_text("#counter") == "Step 0 / 5"  # the script ran
        if not quiz:
            page.click("#next")
            assert page.inner_text("#counter") == "Step 1 / 5"
            assert PAYLOADS[4] in page.inner_text("#equation")
            page.keyboard.press("End")
            rows = page.evaluate("() => [...document.querySelectorAll('#grads th')]"
                                 ".map(th => th.textContent)")
            assert rows == [f"∂{PAYLOADS[4]}/∂{label}" for label in PAYLOADS[:3]]
        assert errors == [] and blocked == []


def test_an_expression_with_a_slot_in_its_comment_makes_a_working_page(browser, tmp_path):
    page, blocked, _ = browser
    out = tmp_path / "x.html"
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "animate", "x*2 # {data}", "x=1",
                           "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    errors = open_page(page, out)
    assert page.inner_text("h1") == "Backpropagation through L = x*2 # {data}"
    page.click("#next")
    assert page.inner_text("#counter") == "Step 1 / 1 — done"
    assert errors == [] and blocked == []


def test_hostile_class_labels_and_title_reach_the_training_page_as_text(browser, tmp_path):
    page, blocked, _ = browser
    classes = PAYLOADS[:3]
    model = MLP(3, [3], seed=0)
    X, y = [[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0]], [classes[0], classes[1], classes[2], classes[2]]
    recorder = TrainingRecorder(model, X, y, predict=lambda out: classes[max(range(3), key=out.__getitem__)])
    recorder.record(1.0, 0.1)
    errors = open_page(page, recorder.write_html(tmp_path / "run.html", title=" ".join(PAYLOADS)))
    assert page.evaluate(INJECTED) == {"images": 0, "bold": 0, "scripts": 2, "comments": False}
    assert page.title() == " ".join(PAYLOADS)
    heads = page.evaluate("() => [...document.querySelectorAll('#confusion th')].map(th => th.textContent)")
    ordered = sorted(classes)
    assert heads == ["", *ordered, *ordered]  # the header row, then one per row
    assert page.inner_text("#counter") == "Step 1 of 1"  # the script ran
    assert errors == [] and blocked == []


class _Echo:
    """A model that is no MLP: parameters named with the payloads, saying one back for any example."""

    def __init__(self):
        self.w = [Value(0.5, label=label) for label in PAYLOADS]

    def parameters(self):
        return self.w

    def predict(self, x):
        return PAYLOADS[2]


def test_hostile_examples_labels_and_answers_reach_the_training_page_of_a_model_that_is_no_mlp_as_text(
        browser, tmp_path):
    page, blocked, _ = browser
    model = _Echo()
    X, y = [[PAYLOADS[0], PAYLOADS[1]], PAYLOADS[3]], [PAYLOADS[4], PAYLOADS[2]]
    recorder = TrainingRecorder(model, X, y)
    for p in model.parameters():  # one step of SGD, as the recorder expects before record()
        p.grad = 1.0
        p.data -= 0.1 * p.grad
    recorder.record(1.0, 0.1)
    errors = open_page(page, recorder.write_html(tmp_path / "run.html", title=" ".join(PAYLOADS)))
    assert page.evaluate(INJECTED) == {"images": 0, "bold": 0, "scripts": 2, "comments": False}
    assert page.title() == " ".join(PAYLOADS)
    rows = page.evaluate("() => [...document.querySelectorAll('#examples tr')]"
                         ".map(r => [...r.cells].map(c => c.textContent))")
    assert rows == [["example", "label", "the model says"],
                    [f"{PAYLOADS[0]} {PAYLOADS[1]}", PAYLOADS[4], f"{PAYLOADS[2]} ✗"],
                    [PAYLOADS[3], PAYLOADS[2], f"{PAYLOADS[2]} ✓"]]
    assert page.inner_text("#update").startswith(f"{PAYLOADS[0]}:  w ← w − α·∂L/∂w = ")
    assert page.inner_text("#counter") == "Step 1 of 1"  # the script ran
    assert errors == [] and blocked == []


def test_an_inline_picture_has_no_prolog_comment_or_title():
    svg = ('<?xml version="1.0"?>\n<!-- Generated by graphviz -->\n<svg><title>g</title>\n'
           '<g id="n0" class="node"><title>n0</title><text>&lt;title&gt;x&lt;/title&gt;</text></g></svg>')
    kept = '<svg><g id="n0" class="node"><text>&lt;title&gt;x&lt;/title&gt;</text></g></svg>'
    assert inline_svg(svg) == kept
