"""Gradient descent on J(W) = (W − 3)²: the update W ← W − α·J′(W), and what the step size α does.

The derivative J′(W) comes from the engine's backward(); for α = 0.1 the iterates creep to the minimum,
for α = 0.9 they jump across it and still converge, for α = 1.1 they jump further each time and diverge.
"""

from __future__ import annotations

from tinygrad_edu import Value
from tinygrad_edu.exercises import Exercise
from tinygrad_edu.walkthroughs.command import main
from tinygrad_edu.walkthroughs.tour import Tour, step

TARGET = 3.0  # the minimum of J


def J(W: Value) -> Value:
    """J(W) = (W − 3)², labelled J: its picture names the loss as the text does."""
    loss = (W - TARGET) ** 2
    loss.label = "J"
    return loss


def descend(W0: float, lr: float, steps: int) -> list[float]:
    """W_0, W_1, ..., W_steps under W ← W − α·J′(W), with J′ from backward()."""
    history = [W0]
    for _ in range(steps):
        W = Value(history[-1], label="W")
        J(W).backward()
        history.append(W.data - lr * W.grad)
    return history


def behaviour(history: list[float]) -> str:
    """What the iterates did, read from the numbers alone: converges, oscillates, or diverges."""
    gaps = [W - TARGET for W in history]
    if abs(gaps[-1]) > abs(gaps[0]):
        return "diverges"
    if any(a * b < 0 for a, b in zip(gaps, gaps[1:])):
        return "oscillates, converges"
    return "converges"


class GradientDescent(Tour):
    title = "Gradient descent: W ← W − α·J′(W) on J(W) = (W − 3)²"
    name = "gradient_descent"

    def __init__(self, W0: float = 0.0, rates: tuple[float, ...] = (0.1, 0.9, 1.1), steps: int = 10) -> None:
        super().__init__()
        self.W0, self.rates, self.n_steps = W0, rates, steps

    @step("The slope, from backward()")
    def slope(self) -> None:
        """The loss J(W) = (W − 3)² and its slope J′(W) = 2(W − 3), from backward()."""
        self.say("""
            We want the W that makes J(W) = (W − 3)² smallest. Calculus says J′(W) = 2·(W − 3):
            negative left of 3 (walk right), positive right of 3 (walk left). The engine finds the
            same slope with no calculus of ours: build J from W, call J.backward(), read W.grad.
        """)
        rows, engine, formula = [], [], []
        for w in (-1.0, 0.0, 2.5, 3.0, 4.0):
            W = Value(w, label="W")
            loss = J(W)
            loss.backward()
            rows.append([w, loss.data, W.grad, 2 * (w - TARGET)])
            engine.append(W.grad)
            formula.append(2 * (w - TARGET))
        self.table(["W", "J(W)", "W.grad", "2·(W − 3)"], rows)
        self.check("W.grad = J′(W) = 2·(W − 3)", engine, formula)
        self.show_graph(loss, "J(W) at W = 4")
        # Your turn (quiz mode): the update the next step makes by hand.
        lr, W = 0.1, Value(self.W0, label="W")
        self.ask(Exercise(J(W)).ask(
            "the next W", lambda p: p.value(W) - lr * p.grad(W), topic="a gradient-descent update",
            context=f"from W = {self.W0:g}, step size α = {lr:g}; a number or a formula in W",
            hint="W ← W − α·J′(W), with J′(W) = 2·(W − 3)",
            solution=f"W − α·2·(W − 3) = {self.W0:g} − {lr:g}·({2 * (self.W0 - TARGET):g}) = "
                     f"{self.W0 - lr * 2 * (self.W0 - TARGET):g}"))

    @step("One update, by hand")
    def one_update(self) -> None:
        """One gradient-descent update W ← W − α·J′(W), by hand and with the optimizer."""
        lr, W = 0.1, Value(self.W0, label="W")
        J(W).backward()
        new = W.data - lr * W.grad
        self.say(f"""
            Start at W = {self.W0:g} with step size α = {lr:g}:
              J′(W) = W.grad = {W.grad:g}
              W ← W − α·J′(W) = {self.W0:g} − {lr:g}·({W.grad:g}) = {new:g}
            The gradient points uphill; stepping against it, J falls from {J(W).data:g}
            to {J(Value(new)).data:g}.
        """)
        self.check("W − α·W.grad = W − α·2·(W − 3)", new, self.W0 - lr * 2 * (self.W0 - TARGET))

    @step("Three step sizes")
    def three_rates(self) -> None:
        """The same updates with three learning rates: one converges, one oscillates, one diverges."""
        self.histories = {lr: descend(self.W0, lr, self.n_steps) for lr in self.rates}
        self.say(f"W after each update, starting at W = {self.W0:g} (the minimum is at 3):")
        header = ["k", *(f"α = {lr:g}" for lr in self.rates)]
        rows = [[k, *(self.histories[lr][k] for lr in self.rates)] for k in range(self.n_steps + 1)]
        self.table(header, rows, digits=4)
        self.behaviours = {lr: behaviour(h) for lr, h in self.histories.items()}
        self.say("So the three step sizes do three different things:\n"
                 + "\n".join(f"  α = {lr:g}: {what}" for lr, what in self.behaviours.items()))

    @step("Why: each update multiplies the distance to 3 by (1 − 2α)")
    def why(self) -> None:
        """Why: each update multiplies the distance to the minimum by (1 − 2α)."""
        self.say("""
            W − α·2·(W − 3) − 3 = (1 − 2α)·(W − 3), so after k updates
                W_k − 3 = (1 − 2α)^k · (W_0 − 3).
            |1 − 2α| < 1 converges; a negative factor (α > 0.5) flips the side every step (oscillates);
            |1 − 2α| > 1 (α > 1) grows every step: divergence. For any J the same holds near a
            minimum with 2 replaced by the curvature J″: a step size above 2/J″ diverges.
        """)
        for lr, history in self.histories.items():
            closed_form = [TARGET + (1 - 2 * lr) ** k * (self.W0 - TARGET) for k in range(len(history))]
            self.check(f"α = {lr:g}: W_k = 3 + ({1 - 2 * lr:+g})^k·(W_0 − 3)", history, closed_form)


def tour(seed: int | None = None, **kwargs) -> GradientDescent:
    """The gradient-descent walkthrough (no randomness: ``seed`` is accepted and ignored)."""
    return GradientDescent(**kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
