"""A quiz session (tinygrad_edu.quiz): hints, the answer after the last try, the score, and run()
reading answers or a prompt until they end or Ctrl-C."""

import builtins
import io
import math

import pytest

from tinygrad_edu.exercises import Exercise
from tinygrad_edu.expr import parse
from tinygrad_edu.quiz import Quiz, ask, run

T = math.tanh(0.88)  # w*x + b = 0.88


def neuron():
    return parse("tanh(w*x + b)", w=-3.0, x=2.0, b=6.88)


def test_a_quiz_gives_a_hint_then_the_answer_and_scores_the_kinds_missed():
    quiz = Quiz(Exercise(neuron()).questions(), tries=2)
    r = quiz.answer("0.7")
    assert not r.moved_on and r.text.splitlines() == [
        "  ✗ 0.7 is not it",
        "    hint: d tanh(u)/du = 1 − tanh(u)²: one minus the node's value squared (here u = w*x + b)",
        "    (1 try left)"]
    r = quiz.answer("oops")  # unreadable: no try used
    assert r.verdict.status == "unreadable" and not r.moved_on and quiz.records[0].tries == 1
    r = quiz.answer("0.3")
    assert r.moved_on and r.text.splitlines()[-1] == (
        "    the answer: 0.5010, by the rule d tanh(u)/du = 1 − tanh(u)²: one minus the node's value squared")
    assert quiz.answer("1").moved_on and quiz.answer("1").moved_on  # the two locals of +
    quiz.answer("9")
    assert quiz.answer("1 - L**2").moved_on  # ∂L/∂(w*x), at the second try
    assert quiz.score() == (
        "Score: 3 of 4 right (2 at the first try); 5 of 9 questions not answered\n"
        "Missed at the first try: the local derivative of tanh (1, 1 not at all); the chain-rule product (1)")
    for answer in ("x", "w", "1 - L**2", "(1 - L**2)*x", "(1 - L**2)*w"):
        assert quiz.answer(answer).moved_on
    assert quiz.done and quiz.current is None
    assert quiz.score().splitlines()[0] == "Score: 8 of 9 right (7 at the first try)"
    with pytest.raises(ValueError, match="every question has been answered"):
        quiz.answer("1")
    with pytest.raises(ValueError, match="a whole number >= 1, got 0"):
        Quiz([], tries=0)


def test_run_reads_answers_and_stops_cleanly_when_they_run_out():
    out = io.StringIO()
    run(Quiz(Exercise(parse("3*x", x=2)).questions()), iter(["3"]), out=out, intro="hello")
    assert out.getvalue() == ("hello\n\n[1/1] the local derivative of *   (L = 6.000, x = 2.000)\n"
                              "  ∂(3*x)/∂x = ? 3\n  ✓ right: 3.000\n\n"
                              "Score: 1 of 1 right (1 at the first try)\nNothing missed.\n")
    out = io.StringIO()
    run(Quiz(Exercise(neuron()).questions()), iter(["1 - L**2"]), out=out)
    assert out.getvalue().endswith("(no more answers)\n\nScore: 1 of 1 right (1 at the first try); "
                                   "8 of 9 questions not answered\nNothing missed in the 1 answered.\n")


def test_run_at_a_prompt_stops_on_ctrl_c_with_the_score_so_far(monkeypatch):
    typed = iter(["1 - L**2"])

    def fake_input(prompt):
        try:
            return next(typed)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(builtins, "input", fake_input)
    out = io.StringIO()
    run(Quiz(Exercise(neuron()).questions()), out=out)
    assert out.getvalue().endswith("\n(stopped)\n\nScore: 1 of 1 right (1 at the first try); "
                                   "8 of 9 questions not answered\nNothing missed in the 1 answered.\n")




def test_the_summary_counts_only_what_was_answered():
    # issue 18 item 16: "Nothing missed." with 8 of 9 questions unanswered
    quiz = Quiz(Exercise(neuron()).questions())
    quiz.answer("1 - L**2")
    assert quiz.score() == ("Score: 1 of 1 right (1 at the first try); 8 of 9 questions not answered\n"
                            "Nothing missed in the 1 answered.")
    for answer in ("1", "1", "1 - L**2", "x", "w", "1 - L**2", "(1 - L**2)*x", "(1 - L**2)*w"):
        assert quiz.answer(answer).moved_on, answer
    assert quiz.score() == "Score: 9 of 9 right (9 at the first try)\nNothing missed."


def test_ask_after_the_last_question_is_a_clear_error():
    quiz = Quiz([])
    with pytest.raises(ValueError, match="ask: every question of the quiz has been asked"):
        ask(quiz, lambda prompt: "1", lambda text: None)
