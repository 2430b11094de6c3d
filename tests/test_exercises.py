"""The exercise checker: its questions, its verdicts on right, wrong, unreadable and hostile answers,
and the `tinygrad-edu quiz` command run as a subprocess (the session itself: test_quiz.py)."""

import builtins
import io
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.exercises import MAX_ANSWER, MOVED_POINTS, TOLERANCE, Exercise, is_close, replay
from tinygrad_edu.expr import parse
from tinygrad_edu.mathpage import number
from tinygrad_edu.trace import forward_order, leaves, node_names

NEURON = ("tanh(w*x + b)", {"w": -3.0, "x": 2.0, "b": 6.88})
T = math.tanh(0.88)  # w*x + b = 0.88


def neuron():
    text, values = NEURON
    return parse(text, **values)


def by_prompt(exercise, **kw):
    return {q.prompt: q for q in exercise.questions(**kw)}


# -- the questions -------------------------------------------------------------------------------
def test_the_questions_come_in_backward_order_with_the_true_numbers():
    L = neuron()
    questions = Exercise(L).questions()
    assert [(q.kind, q.prompt) for q in questions] == [
        ("local", "∂tanh(w*x + b)/∂(w*x + b)"),  # L's own op: ∂L/∂(w*x + b) is this, so asked once
        ("local", "∂(w*x + b)/∂(w*x)"), ("local", "∂(w*x + b)/∂b"),
        ("grad", "∂L/∂(w*x)"), ("local", "∂(w*x)/∂w"), ("local", "∂(w*x)/∂x"),
        ("grad", "∂L/∂b"), ("grad", "∂L/∂w"), ("grad", "∂L/∂x"),
    ]
    d = 1 - T * T
    assert [q.answer for q in questions] == pytest.approx([d, 1, 1, d, 2, -3, d, 2 * d, -3 * d], rel=1e-12)
    assert [q.topic for q in questions][:5] == ["the local derivative of tanh", "the local derivative of +",
                                                "the local derivative of +", "the chain-rule product",
                                                "the local derivative of *"]
    L.backward()  # the engine's own gradients agree
    grads = {q.prompt: q.answer for q in questions if q.kind == "grad"}
    names = {name: node for node, name in node_names(L).items()}
    shown = {"w*x": "(w*x)", "b": "b", "w": "w", "x": "x"}
    assert grads == {f"∂L/∂{shown[n]}": names[n].grad for n in shown}


def test_only_one_kind_and_the_direct_input_of_L_gets_its_gradient_question_then():
    ex = Exercise(neuron())
    assert [q.kind for q in ex.questions(only="local")] == ["local"] * 5
    assert [q.prompt for q in ex.questions(only="grads")] == [
        "∂L/∂(w*x + b)", "∂L/∂(w*x)", "∂L/∂b", "∂L/∂w", "∂L/∂x"]
    with pytest.raises(ValueError, match="'local', 'grads' or None, got 'all'"):
        ex.questions(only="all")


def test_a_node_used_twice_is_a_sum_over_its_users():
    L = parse("x*x + 2*x", x=3)  # ∂L/∂x = x + x + 2 = 8
    questions = by_prompt(Exercise(L))
    q = questions["∂L/∂x"]
    assert q.topic == "a sum over several users" and q.answer == 8.0
    assert "x is used 3 times: add the contributions" in q.hint
    assert q.solution == ("∂L/∂x = ∂(x*x)/∂x · ∂L/∂(x*x) + ∂(x*x)/∂x · ∂L/∂(x*x) + ∂(2*x)/∂x · ∂L/∂(2*x) = "
                          "3.000 × 1.000 + 3.000 × 1.000 + 2.000 × 1.000 = 8.000")
    assert q.check("8").ok and q.check("2*x + 2").ok
    assert not q.check("x + 2").ok  # one contribution of x*x forgotten
    assert [c.kind for c in Exercise(L).questions()].count("local") == 5  # L: 2 edges, x*x: 2, 2*x: 1


def test_the_graph_is_never_changed():
    L = neuron()
    nodes = forward_order(L)
    before = [(n.data, n.grad, n.local_grads) for n in nodes]
    ex = Exercise(L)
    for q in ex.questions():
        q.check("1 - L**2"), q.check("x"), q.check(str(q.answer))
    assert [(n.data, n.grad, n.local_grads) for n in nodes] == before


# -- replay: the graph at moved leaves -----------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.floats(-2, 2), st.floats(0.1, 3), st.floats(-2, 2))
def test_replay_is_a_fresh_forward_pass(a, b, c):
    text = "tanh(a*b - c) + log(b)/a**2 + exp(-c)*sigmoid(b) + relu(c) * (a + 1)"
    if abs(a) < 1e-3:
        a = 0.5
    L = parse(text, a=1.0, b=1.0, c=1.0)
    ls = {node.label: node for node in forward_order(L) if node.is_leaf and node.label}
    new = replay(L, {ls["a"]: a, ls["b"]: b, ls["c"]: c})
    fresh = parse(text, a=a, b=b, c=c)
    assert [(new[n].data, new[n].local_grads) for n in forward_order(L)] == [
        (n.data, n.local_grads) for n in forward_order(fresh)]
    assert L.data == parse(text, a=1.0, b=1.0, c=1.0).data  # the old graph is as it was


def test_replay_without_moves_is_the_graph_itself_and_an_unknown_op_is_named():
    L = neuron()
    assert all(new is old for old, new in replay(L, {}).items())
    odd = Value(2.0, label="x") * 3
    odd.op = "mystery"
    with pytest.raises(NotImplementedError, match="no rule to compute the op 'mystery' again"):
        replay(odd, {odd.parents[0]: 1.0})
    with pytest.raises(NotImplementedError, match="'mystery'"):  # never quietly checked at one point only
        Exercise(odd)


def test_moved_points_stay_in_the_domain_and_on_the_same_side_of_a_kink():
    for L, formula in ((parse("log(x)", x=0.05), "1/x"), (parse("relu(x)*x", x=0.01), "relu(x) + x")):
        ex = Exercise(L)
        assert len(ex.points) == 4
        x = [n for n in forward_order(L) if n.label == "x"][0]
        assert all(p.value(x) > 0 for p in ex.points) and len({p.value(x) for p in ex.points}) == 4
        grad = by_prompt(ex, only="grads")["∂L/∂x"]
        assert grad.check(formula).ok, grad.check(formula)


# -- verdicts ---------------------------------------------------------------------------------------
def test_right_numbers_within_the_stated_tolerance():
    q = Exercise(neuron()).questions()[0]  # 1 − tanh(0.88)² = 0.50097...
    assert TOLERANCE == 1e-3 and is_close(1000.9, 1000.0) and not is_close(1001.1, 1000.0)
    for text in ("0.501", "0.5010", " 0.50097 ", "5.0097e-1", "1 - 0.7064**2"):
        assert q.check(text).ok, text
    for text in ("0.503", "0.49", "-0.501", "1"):
        v = q.check(text)
        assert v.status == "wrong" and v.message == f"{text} is not it"


def test_right_formulas_in_the_graphs_names():
    ex = Exercise(neuron())
    qs = by_prompt(ex)
    assert qs["∂tanh(w*x + b)/∂(w*x + b)"].check("1 - L**2").message == (
        "right: 1 - L**2 = 0.5010 here, and the formula holds at 3 nearby points too")
    assert qs["∂tanh(w*x + b)/∂(w*x + b)"].check("1 - tanh(w*x + b)**2").ok
    assert qs["∂(w*x)/∂w"].check("x").ok and qs["∂(w*x)/∂x"].check("w").ok
    assert qs["∂L/∂w"].check("(1 - L**2)*x").ok and qs["∂L/∂x"].check("w*(1 - L*L)").ok


def test_a_formula_right_here_but_wrong_elsewhere_does_not_pass():
    L = parse("2*x + y*x", x=2, y=5)  # ∂(2*x)/∂x = 2, and x = 2: by coincidence
    qs = by_prompt(Exercise(L))
    q = qs["∂(2*x)/∂x"]
    assert q.check("2").ok
    v = q.check("x")
    assert v.status == "wrong" and v.message.startswith("x is right here, but not as a formula: at x = ")
    assert v.message.endswith("and the answer there is 2.000")
    assert not qs["∂L/∂x"].check("7").ok or qs["∂L/∂x"].check("7").ok  # 2 + y = 7: a number, here
    assert qs["∂L/∂x"].check("2 + y").ok
    assert qs["∂L/∂x"].check("x + 5").status == "wrong"  # = 7 here, not where x or y move
    assert qs["∂L/∂y"].check("x").ok and qs["∂L/∂y"].check("y - 3").status == "wrong"


def test_a_formula_that_cannot_be_computed_where_the_leaves_move():
    L = parse("x*y", x=1, y=3)  # ∂L/∂y = x = 1; log(x) + 1 = 1 here, and log of a moved x exists too
    q = by_prompt(Exercise(L), only="grads")["∂L/∂y"]
    v = q.check("log(x) + 1")
    assert v.status == "wrong" and "not as a formula" in v.message
    v = q.check("(x - 1)**0.5 + 1")  # a negative base to the power 0.5 where x moves below 1
    assert v.status == "wrong" and ("cannot be computed" in v.message or "gives" in v.message)


@pytest.mark.parametrize("text, message", [
    ("y", "'y' is not a name in this graph; its names are w, x, b, L"),
    ("q*x + zz", "'q' and 'zz' are not names in this graph; its names are w, x, b, L"),
    ("v1", "'v1' is not a name in this graph"),
    ("", "no answer: type a number or a formula"),
    ("   ", "no answer"),
    ("1 +", "syntax error"),
    ("2x", "syntax error"),
    ("x.real", "attribute access (a.b): not allowed"),
    ("__import__('os').system('touch pwned')", "attribute access (a.b): not allowed"),
    ("__import__('os')", "unknown function '__import__'"),
    ("open(x)", "unknown function 'open'"),
    ("q*x + zz + os", "'q', 'zz' and 'os' are not names in this graph"),
    ("tanh", "tanh is a function: call it"),
    ("exp(x, x)", "exp takes one argument, got 2"),
    ("10**10**10", "**: overflow"),
    ("x**1e308", "overflow"),
    ("1e999", "too large for a float"),
    ("1e308*10", "is inf here, not a finite number"),
    ("x/0", "division by zero"),
    ("log(-x)", "log of -2.0 is undefined"),
    ("(" * 300 + "x" + ")" * 300, "nested"),
    ("x" * (MAX_ANSWER + 1), f"the answer is {MAX_ANSWER + 1} characters long; the limit is {MAX_ANSWER}"),
    ("1" * 5_000_000, "characters long"),
    ("x\x00", "null bytes"),
    ("x if x else w", "'if ... else'"),
    ("lambda: 1", "lambda: not allowed"),
    ("[x]", "lists: not allowed"),
])
def test_unreadable_and_hostile_answers_get_a_message_and_nothing_is_evaluated(tmp_path, monkeypatch, text,
                                                                               message):
    def forbidden(*args, **kwargs):
        raise AssertionError("an answer was evaluated as Python")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.chdir(tmp_path)
    q = by_prompt(Exercise(neuron()))["∂L/∂w"]
    v = q.check(text)
    assert v.status in ("unreadable", "wrong") and message in v.message, v
    assert not (tmp_path / "pwned").exists()
    if text != "1e308*10":
        assert v.status == "unreadable"


def test_a_name_that_is_not_an_identifier_is_not_offered_and_a_label_clash_is_refused():
    a, b = Value(1.0, label="k"), Value(2.0, label="k")
    ex = Exercise(a * b)
    assert list(ex.variables) == ["L"]
    assert ex.questions()[0].check("k").message == "'k' is not a name in this graph; its names are L"


# -- the command line -------------------------------------------------------------------------------
def quiz_command(*args, cwd, stdin=""):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", "quiz", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_a_scripted_quiz_prints_questions_verdicts_and_the_score(tmp_path):
    (tmp_path / "answers.txt").write_text(
        "# my answers\n1 - L**2\n1\n1  # the sum passes it on\n\n0.501\nx\n2\n-3\n1-L**2\n2*(1-L**2)\n"
        "x*(1-L**2)\n-1.503\n")
    r = quiz_command(*NEURON_ARGS, "--answers", "answers.txt", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[:2] == [
        "L = tanh(w*x + b) = 0.7064 at w = -3, x = 2, b = 6.88",
        "9 questions, in the order backward() works. Answer with a number (within 0.1%) or a formula in "
        "w, x, b, L; 3 tries each."]
    assert "  ∂(w*x)/∂x = ? 2" in lines and "  ✗ 2 is not it" in lines
    assert "  ∂L/∂w = ? 2*(1-L**2)" in lines  # right here (x = 2), but x moves
    not_a_formula = "  ✗ 2*(1-L**2) is right here, but not as a formula: at w = "
    assert any(line.startswith(not_a_formula) for line in lines)
    assert lines[-2:] == [
        "Score: 9 of 9 right (7 at the first try)",
        "Missed at the first try: the local derivative of * (1); the chain-rule product (1)"]


def test_quiz_at_a_piped_prompt_stops_at_end_of_input(tmp_path):
    r = quiz_command(*NEURON_ARGS, "--only", "grads", "--tries", "1", cwd=tmp_path, stdin="0.501\n7\n")
    assert r.returncode == 0
    assert r.stdout.splitlines()[1].endswith("1 try each. Ctrl-D stops.")
    assert "  ✗ 7 is not it\n    the answer: ∂L/∂(w*x) = " in r.stdout
    assert r.stdout.endswith("(stopped)\n\nScore: 1 of 2 right (1 at the first try); 3 of 5 questions not "
                             "answered\nMissed at the first try: the chain-rule product (1, 1 not at all)\n")


@pytest.mark.parametrize("args, status, message", [
    (("--answers", "missing.txt"), 2,
     "cannot read the answers from 'missing.txt': No such file or directory"),
    (("--answers", "."), 2, "cannot read the answers from '.'"),
    (("--answers", "latin1.txt"), 2, "cannot read the answers from 'latin1.txt': not UTF-8 text"),
    (("--answers", "/dev/zero"), 2, "/dev/zero is larger than 1,048,576 bytes: too big for an answers file"),
    (("--answers", "x" * 100_000), 2, "cannot read the answers from 'xxxxxxxxxx"),
    (("--tries", "0"), 2, "a whole number >= 1, got '0'"),
    (("--only", "both"), 2, "invalid choice: 'both'"),
])
def test_quiz_usage_errors_exit_2_before_anything_runs(tmp_path, args, status, message):
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9\n")
    r = quiz_command(*NEURON_ARGS, *args, cwd=tmp_path)
    assert r.returncode == status and message in r.stderr and r.stdout == "" and "Traceback" not in r.stderr
    assert len(r.stderr) < 2_000  # a long name is cut, not echoed whole


def test_quiz_with_a_bad_expression_exits_1(tmp_path):
    r = quiz_command("tanh(w*y)", "w=1", cwd=tmp_path)
    assert r.returncode == 1 and "unknown name 'y'" in r.stderr and r.stdout == ""


NEURON_ARGS = ("tanh(w*x + b)", "w=-3", "x=2", "b=6.88")


# -- the walkthroughs ----------------------------------------------------------------------------
def test_chain_rule_asks_each_formula_before_showing_it(tmp_path, capsys):
    from tinygrad_edu.walkthroughs import chain_rule
    from tinygrad_edu.walkthroughs.command import main

    (tmp_path / "a.txt").write_text("Z - t\n-0.5732  # a number: not a formula\n(Z - t)*x1\nw1*(Z - t)\n"
                                    "w1 - 0.5*(Z - t)*x2\n-0.0787\n")
    assert main(chain_rule.tour, ["--no-pause", "--answers", str(tmp_path / "a.txt")]) == 0
    out = capsys.readouterr().out
    asked = [line for line in out.splitlines() if line.startswith("Your turn")]
    assert asked == ["Your turn (1): ∂J/∂Y through sigmoid and log loss   (a formula in Z and t)",
                     "Your turn (2): ∂J/∂w through Y = W·X + b   (a formula in Z, t and x1)",
                     "Your turn (3): ∂J/∂x: the error sent back along a weight   (a formula in Z, t and w1)",
                     "Your turn (4): a gradient-descent update   (α = 0.5; a number or a formula)"]
    # each is asked before the step that shows it
    assert out.index("Your turn (1)") < out.index("Step 4/7: Link by link")
    assert out.index("Your turn (2)") < out.index("Step 5/7: The weights") < out.index("Your turn (3)")
    assert "  ? write ∂J/∂w1 as a formula, not as a number (a formula in Z, t and x1)" in out
    assert "  ✗ w1 - 0.5*(Z - t)*x2 is " in out  # x2 for x1
    assert out.endswith("Score: 4 of 4 right (3 at the first try)\n"
                        "Missed at the first try: a gradient-descent update (1)\n\nAll 9 checks passed.\n")


@pytest.mark.parametrize("name, steps, asked", [("backprop_layers", 6, 3), ("gradient_descent", 4, 1),
                                               ("minibatch", 5, 1)])
def test_every_walkthrough_question_takes_its_true_answer_in_the_repl(name, steps, asked, capsys):
    import importlib

    tour = importlib.import_module(f"tinygrad_edu.walkthroughs.{name}").tour()

    def true_answers():  # read lazily: each is the current question's true value, to 6 digits
        while True:
            yield f"{tour._quiz.current.answer:.6f}"

    tour.quiz(true_answers())
    for _ in range(steps):
        tour.next()
    assert tour.score() == f"Score: {asked} of {asked} right ({asked} at the first try)\nNothing missed."
    out = capsys.readouterr().out
    assert out.count(f"Your turn ({asked})") == 1 and "✓ right" in out
    assert out.rstrip().endswith("Nothing missed.")


def test_backprop_layers_delta1_is_the_engines_and_the_formulas():
    from tinygrad_edu.walkthroughs import backprop_layers

    tour = backprop_layers.tour()
    tour.out = io.StringIO()
    tour.quiz(["0.1", "0.2", "0.3"] * 3)  # before it: δ²₁ and the columns of ∂J/∂Θ² (layer questions)
    for _ in range(6):
        tour.next()
    q = tour._quiz.records[2].question
    assert q.answer == pytest.approx(tour.delta1[0], abs=1e-12)  # the number step 5 derives by hand
    assert q.prompt == "δ¹₁" and q.solution.endswith(f"= {tour.delta1[0]:.4f}")
    assert tour.score().startswith("Score: 0 of 3 right")


def test_a_walkthrough_goes_on_when_the_answers_run_out_and_without_quiz_asks_nothing(capsys):
    from tinygrad_edu.walkthroughs import chain_rule

    tour = chain_rule.tour()
    tour.quiz(["Z - t"])
    assert tour.play()
    out = capsys.readouterr().out
    assert "(no more answers: the walkthrough goes on without questions)" in out
    assert out.count("Your turn") == 2 and "Step 7/7" in out
    assert ("Score: 1 of 1 right (1 at the first try); 1 of 2 questions not answered\n"
            "Nothing missed in the 1 answered.") in out
    tour = chain_rule.tour()
    tour.play()
    assert "Your turn" not in capsys.readouterr().out and tour.score().startswith("(not in quiz mode")


def test_a_walkthrough_with_a_bad_answers_file_is_a_usage_error_before_any_step(tmp_path, capsys):
    from tinygrad_edu.walkthroughs import gradient_descent
    from tinygrad_edu.walkthroughs.command import main

    with pytest.raises(SystemExit) as e:
        main(gradient_descent.tour, ["--answers", str(tmp_path / "none.txt")])
    assert e.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "cannot read the answers from" in captured.err


def _graph(a, b, c):
    """Binary and n-ary nodes mixed: sum with a number, dot of Values, linear with numbers x."""
    from tinygrad_edu import engine

    s = engine.sum([a, b * c, 2.5])
    d = engine.dot([a, b], [c, s])
    y = engine.linear([0.5, -1.5], [a, d], c)
    return (y.tanh() + s * d) / (1 + b * b)


@settings(max_examples=40, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_replay_reads_n_ary_nodes_back(a, b, c):
    leaf = [Value(0.3, label="a"), Value(-0.7, label="b"), Value(1.1, label="c")]
    L = _graph(*leaf)
    assert {n.op for n in forward_order(L)} >= {"sum", "dot", "linear"}
    new = replay(L, dict(zip(leaf, (a, b, c))))
    fresh = _graph(Value(a), Value(b), Value(c))
    got = [(new[n].data, new[n].local_grads) for n in forward_order(L)]
    want = [(n.data, n.local_grads) for n in forward_order(fresh)]
    assert len(got) == len(want)
    for (gv, gl), (wv, wl) in zip(got, want):
        assert gv == pytest.approx(wv, rel=1e-12, abs=1e-12) and gl == pytest.approx(wl, rel=1e-12, abs=1e-12)


def test_a_fused_layer_is_quizzed_with_formulas_checked_where_the_weights_move():
    from tinygrad_edu.nn import Layer

    layer = Layer(2, 1, activation="tanh", seed=1)
    L = layer([0.5, -2.0])
    L = L[0] if isinstance(L, list) else L
    assert L.parents[0].op == "linear"
    ex = Exercise(L)
    assert len(ex.points) == 4
    q = [q for q in ex.questions(only="local") if q.topic == "the local derivative of linear"][0]
    assert q.answer == 0.5 and q.check("0.5").ok  # ∂(b + w0·0.5 + w1·(−2))/∂w0 = x0
    assert q.hint == "∂(w·x + b)/∂wᵢ = xᵢ (here wᵢ = w[0,0], xᵢ = 0.5)"  # OPS["linear"]'s rule for w


def test_an_n_ary_node_is_made_again_from_its_roles_with_its_numbers_put_back():
    from tinygrad_edu import engine

    a, b, c, d = (Value(x, label=name) for x, name in ((2.0, "a"), (1.0, "b"), (3.0, "c"), (3.0, "d")))
    L = engine.dot([a, 4.0], [5.0, b])  # a·5 + 4·b
    assert replay(L, {a: 1.0})[L].data == 9.0
    L = engine.dot([a, b, 4.0], [c, 5.0, d])  # a·c + b·5 + 4·d: was refused, its layout a guess
    new = replay(L, {a: 1.0, d: 2.0})[L]
    assert (new.data, new.local_grads) == (1 * 3 + 1 * 5 + 4 * 2, (3.0, 5.0, 1.0, 4.0))
    q = Exercise(L).local(L, 1)  # ∂/∂b: its factor is the number 5
    assert q.hint == "∂(w·x)/∂wᵢ = xᵢ: the other factor of its product (here wᵢ = b, xᵢ = 5)"


def test_the_readme_session_is_what_the_command_prints(tmp_path):
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your turn", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", section, flags=re.S | re.M)
    answers, printed = [body for language, body in blocks if not language][:2]
    (tmp_path / "answers.txt").write_text(answers)
    r = quiz_command("x*x + 3*x", "x=2", "--answers", "answers.txt", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == printed


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal (pty)")
def test_quiz_in_a_terminal_stops_on_ctrl_c_with_the_score(tmp_path):
    import os
    import pty
    import select
    import signal
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, at a terminal (readline is used)
        os.execv(sys.executable, [sys.executable, "-m", "tinygrad_edu", "quiz", *NEURON_ARGS])
    out, finished, status = b"", 0, 0

    def read_until(done, seconds: float = 20) -> None:
        nonlocal out
        end = time.time() + seconds
        while not done() and time.time() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:  # the child has gone
                    return

    try:
        read_until(lambda: out.count(b"= ? ") == 1)
        time.sleep(0.3)  # readline is reading now
        os.write(fd, b"1 - L**2\r")
        read_until(lambda: out.count(b"= ? ") == 2)
        time.sleep(0.3)
        os.write(fd, b"\x03")  # Ctrl-C at the second prompt
        read_until(lambda: b"Nothing missed in the 1 answered." in out)
        for _ in range(100):  # the child ends by itself; a wait that cannot hang
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                break
            time.sleep(0.1)
    finally:
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode()
    assert finished and os.waitstatus_to_exitcode(status) == 0, text
    assert "✓ right: 1 - L**2" in text and "(stopped)" in text and "Traceback" not in text
    assert "Score: 1 of 1 right (1 at the first try); 8 of 9 questions not answered" in text


@settings(max_examples=40, deadline=None)
@given(st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3))
def test_the_true_formula_passes_anywhere_and_a_nudged_one_never(w, x, b):
    qs = by_prompt(Exercise(parse("tanh(w*x + b)", w=w, x=x, b=b)), only="grads")
    q = qs["∂L/∂x"]
    assert q.check("w*(1 - L**2)").ok and q.check(f"{q.answer:.4g}").ok  # 4 significant digits, as printed
    assert q.check("w*(1 - L**2) + 0.01").status == "wrong"
    assert qs["∂L/∂w"].check("x*(1 - tanh(w*x + b)**2)").ok


def test_extra_names_must_be_identifiers_nodes_of_the_graph_or_finite_numbers():
    L = neuron()
    with pytest.raises(ValueError, match="'2t' cannot be a name in an answer"):
        Exercise(L, names={"2t": 1.0})
    with pytest.raises(ValueError, match="is not a node of this graph"):
        Exercise(L, names={"q": Value(1.0)})
    with pytest.raises(ValueError, match="must be a node or a finite number, got inf"):
        Exercise(L, names={"q": math.inf})
    q = Exercise(L, names={"t": 0.5}).questions()[0]
    assert q.check("1 - L**2 + t - 0.5").ok


def test_a_leaf_alone_has_no_questions(tmp_path):
    assert Exercise(Value(1.0, label="x")).questions() == []
    r = quiz_command("x", "x=1", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("x = 1.000 at x = 1\n0 questions")
    assert r.stdout.endswith("No questions were asked.\n")


# -- issue 18: verdicts that mean what they say ----------------------------------------------------
def test_a_verdict_is_true_only_when_right_and_a_number_is_an_answer():
    q = Exercise(neuron()).questions()[0]  # 1 − tanh(0.88)² = 0.50097...
    assert not q.check("7") and q.check("0.501") and not q.check("oops")
    assert q.check(0.501).ok and q.check(0.50097).message == "right: 0.5010"
    assert q.check(1).status == "wrong" and q.check(1).message == "1.0 is not it"
    assert q.check(math.nan).message == "nan is not a finite number" and not q.check(math.inf)
    assert q.check(True).message == "an answer is a number or text, got bool"
    assert q.check(None).status == "unreadable"


def test_the_tolerance_is_relative_so_a_small_gradient_needs_its_digits():
    # tinygrad-edu quiz "w*x" w=0.00001 x=0.00002: ∂(w*x)/∂w = x = 2e-5; 0 was right (|0 − 2e-5| < 0.001)
    qs = by_prompt(Exercise(parse("w*x", w=0.00001, x=0.00002)))
    q = qs["∂(w*x)/∂w"]
    assert q.answer == 2e-5
    assert q.check("0").status == q.check(0.0).status == q.check("2.1e-5").status == "wrong"
    assert q.check("2.0001e-5").ok and q.check("0.00002").ok and q.check("x").ok
    assert is_close(2.0001e-5, 2e-5) and not is_close(0.0, 2e-5) and not is_close(2.003e-5, 2e-5)
    assert is_close(1000.9, 1000.0) and not is_close(1001.1, 1000.0) and is_close(1e-13, 0.0)
    assert not is_close(1e-11, 0.0)  # 1e-12 forgives float round-off around 0, no more


def test_a_hint_names_each_gradient_found_before_once():
    qs = by_prompt(Exercise(parse("x*x + 3*x", x=2)), only="grads")
    hint = qs["∂L/∂x"].hint
    assert hint.endswith("(found before: ∂L/∂(x*x) = 1.000, ∂L/∂(3*x) = 1.000)")  # x*x: one gradient, 2 edges
    assert hint.count("∂(x*x)/∂x · ∂L/∂(x*x)") == 2


def test_a_questions_repr_does_not_give_its_answer_away():
    for q in Exercise(neuron()).questions():
        shown = repr(q)
        assert q.solution not in shown and q.hint not in shown and q.prompt in shown
        assert number(q.answer) not in shown.replace(q.context, "")


def test_a_formula_is_checked_at_every_moved_point_it_says():
    # L = x*x: ∂L/∂x = 2x. The formula 2x + c·∏(x − xⱼ) over all points but one is right at every
    # point but that one: it must be refused there, whichever it is (checking fewer points lets it by).
    L = parse("x*x", x=1.3)
    ex = Exercise(L)
    q = by_prompt(ex, only="grads")["∂L/∂x"]
    (x,) = leaves(L)
    xs = [p.value(x) for p in ex.points]
    assert len(xs) == 1 + MOVED_POINTS == 4 and len(set(xs)) == 4
    assert q.check("2*x").message == "right: 2*x = 2.600 here, and the formula holds at 3 nearby points too"
    for k in range(1, len(xs)):
        zero_elsewhere = "*".join(f"(x - {xj!r})" for j, xj in enumerate(xs) if j != k)
        v = q.check(f"2*x + 10000*{zero_elsewhere}")
        assert v.status == "wrong" and f"at {ex.points[k].where} it gives" in v.message, (k, v)


def test_the_relu_kink_belongs_to_the_flat_side_as_in_pytorch():
    # relu′(0) = 0 (PyTorch's choice): at u = 0 exactly, the moved points stay where u ≤ 0, so the
    # formula 0·x is right; were 0 counted on the rising side (u ≥ 0), the points would move to
    # u > 0, where ∂L/∂x = 3, and refuse it.
    L = parse("3*relu(x)", x=0.0)
    ex = Exercise(L)
    (x,) = leaves(L)
    assert len(ex.points) == 4 and all(p.value(x) < 0 for p in ex.points[1:])
    q = by_prompt(ex, only="grads")["∂L/∂x"]
    assert q.answer == 0.0 and q.check("0*x").ok
    just_above = Exercise(parse("3*relu(x)", x=1e-9))
    assert all(p.value(leaves(just_above.root)[0]) > 0 for p in just_above.points)
    assert by_prompt(just_above, only="grads")["∂L/∂x"].check("3 + 0*x").ok
