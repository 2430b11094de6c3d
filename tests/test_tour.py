"""The Tour every walkthrough is made of: its REPL interface (next, back, score, graph) as each
walkthrough inherits it."""

import pytest

from tinygrad_edu.walkthroughs import DEMOS
from tinygrad_edu.walkthroughs.tour import Tour

NOT_IN_QUIZ = "(not in quiz mode: tour.quiz() starts it)"


@pytest.mark.parametrize("name", DEMOS)
def test_every_walkthrough_keeps_the_tours_quiz_score(name, capsys):
    """moons once defined score(x) for its plot, so moons.tour().score() raised TypeError."""
    module = __import__(f"tinygrad_edu.walkthroughs.{name}", fromlist=["tour"])
    tour = module.tour()
    assert isinstance(tour, Tour)
    assert tour.score() == NOT_IN_QUIZ
    tour.quiz(answers=[])
    assert tour.score() == "No questions were asked."
