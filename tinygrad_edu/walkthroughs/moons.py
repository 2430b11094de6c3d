"""micrograd's classic: an MLP(2, [16, 16, 1]) learns to separate two moons, to 100% training accuracy.

Hinge loss plus an L2 penalty, plain SGD with a learning rate decaying from 1.0 to 0.1 over 100
steps, on 100 noisy two-moons points (tinygrad_edu.datasets.make_moons). The gradient of each part
of the loss is checked against the engine before training; afterwards the decision boundary is
drawn (as a picture with matplotlib, from the `demos` extra, and --svg-dir; as characters always).
With --html FILE the training run is recorded and written as a page that plays it, step by step:
the loss, the boundary, every weight and its gradient (tinygrad_edu.recorder).
"""

from __future__ import annotations

import io
from pathlib import Path

from tinygrad_edu import engine, no_grad
from tinygrad_edu.datasets import make_moons
from tinygrad_edu.files import write_atomic
from tinygrad_edu.losses import hinge
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import SGD
from tinygrad_edu.recorder import TrainingRecorder
from tinygrad_edu.walkthroughs.command import TRAINING_PAGE, main
from tinygrad_edu.walkthroughs.tour import Tour, step

ASKS_QUESTIONS = False  # the command offers no --quiz: training asks nothing
PLOT_BOX = (-1.6, 2.6, -1.1, 1.6)  # x from, x to, y from, y to: where the moons lie
# The page that plays the training run (the command adds the option; checked before training starts).
OPTIONS = TRAINING_PAGE  # --html FILE: the page that plays the training run


def char_plot(X, y, predict=None, width: int = 64, height: int = 20) -> str:
    """The points as characters, "o" for label −1 and "x" for +1; with ``predict``, the region the
    model calls −1 is shaded "·"."""
    x0, x1, y0, y1 = PLOT_BOX
    column = lambda a: round((a - x0) / (x1 - x0) * (width - 1))  # noqa: E731
    row = lambda b: round((y1 - b) / (y1 - y0) * (height - 1))  # noqa: E731
    grid = [[" "] * width for _ in range(height)]
    if predict is not None:
        for r in range(height):
            for c in range(width):
                a, b = x0 + c * (x1 - x0) / (width - 1), y1 - r * (y1 - y0) / (height - 1)
                grid[r][c] = "·" if predict([a, b]) < 0 else " "
    for (a, b), label in zip(X, y):
        if 0 <= column(a) < width and 0 <= row(b) < height:
            grid[row(b)][column(a)] = "x" if label > 0 else "o"
    border = "+" + "-" * width + "+"
    return "\n".join([border, *("|" + "".join(line) + "|" for line in grid), border])


class Moons(Tour):
    title = "Two moons: an MLP learns a curved boundary (micrograd's demo)"
    name = "moons"

    def __init__(self, seed: int = 0, n: int = 100, noise: float = 0.1, hidden: tuple[int, ...] = (16, 16),
                 steps: int = 100, l2: float = 1e-4, html: str | Path | None = None) -> None:
        super().__init__()
        X, labels = make_moons(n, noise=noise, seed=seed)
        self.X, self.y = X, [2 * t - 1 for t in labels]  # hinge loss wants labels −1 and +1
        self.model = MLP(2, [*hidden, 1], activation="relu", seed=seed)
        self.n_steps, self.l2 = steps, l2
        self.html = html  # where to write the page that plays the training run, when set

    def loss(self):
        """The scores of all points, the total loss (hinge + L2) and the accuracy."""
        scores = [self.model.output(x) for x in self.X]
        data_loss = hinge(scores, self.y)
        reg_loss = self.l2 * engine.sum(p * p for p in self.model.parameters())  # Σ p²: one node
        accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, self.y)) / len(self.y)
        return scores, data_loss + reg_loss, accuracy

    def point_score(self, x: list[float]) -> float:
        """The network's score s at the point x (> 0: class +1), a number for plotting."""
        with no_grad():  # for plotting: values only, no graph
            return self.model.output(x).data

    @step("The data: two moons")
    def data(self) -> None:
        """The data set: two interleaving half circles, labelled −1 and +1."""
        self.say(f"""
            {len(self.X)} points in the plane from make_moons(noise=0.1): the upper moon has label −1
            ("o"), the lower one +1 ("x"). No straight line separates them.
        """)
        self.say(char_plot(self.X, self.y))

    @step("The model: an MLP with two hidden ReLU layers")
    def model_(self) -> None:
        """The model: micrograd's MLP(2, [16, 16, 1]), two hidden layers of ReLU neurons."""
        self.say(f"""
            {self.model!r}: {len(self.model.parameters())} parameters. Its output is a score s; the
            prediction is the sign of s. Before training the weights are random:
        """)
        _, J, accuracy = self.loss()
        self.initial_loss, self.initial_accuracy = J.data, accuracy
        self.say(f"  loss {J.data:.4f}, training accuracy {accuracy:.0%}")

    @step("The loss: hinge + L2, and its gradient")
    def loss_(self) -> None:
        """The loss: a hinge loss per example plus an L2 penalty on the weights, and its gradient."""
        n = len(self.X)
        self.say(f"""
            J = (1/n)·Σᵢ max(0, 1 − yᵢ·sᵢ)  +  λ·Σ p²        (n = {n}, λ = {self.l2:g})
            The hinge term is 0 for a point on the right side with margin yᵢ·sᵢ ≥ 1, and grows
            linearly otherwise; the L2 term keeps the weights small. Their gradients:
              ∂J/∂sᵢ = −yᵢ/n if yᵢ·sᵢ < 1, else 0        ∂(λ·Σ p²)/∂p = 2λ·p
            (the L2 term is the same as SGD's weight_decay = 2λ).
        """)
        scores, J, _ = self.loss()
        J.backward()
        margins = [t * s.data for s, t in zip(scores, self.y)]
        self.check("∂J/∂sᵢ = −yᵢ/n when yᵢ·sᵢ < 1, else 0  (every point)", [s.grad for s in scores],
                   [-t / n if m < 1 else 0.0 for t, m in zip(self.y, margins)])
        self.model.zero_grad()
        (self.l2 * engine.sum(p * p for p in self.model.parameters())).backward()
        self.check("∂(λ·Σ p²)/∂p = 2λ·p  (every parameter)", [p.grad for p in self.model.parameters()],
                   [2 * self.l2 * p.data for p in self.model.parameters()])
        self.model.zero_grad()

    @step("Training: SGD, learning rate 1.0 − 0.9·k/100")
    def train(self) -> None:
        """Training: 100 steps of gradient descent with a learning rate that falls from 1.0 to 0.1."""
        self.say(f"""
            {self.n_steps} steps of: forward over all points, zero_grad, backward, then
            p ← p − α·∂J/∂p with α decaying linearly from 1.0 (big steps first, then finer ones).
        """)
        optimizer = SGD(self.model.parameters(), lr=1.0)
        self.history = []
        recorder = None if self.html is None else TrainingRecorder(self.model, self.X, self.y)
        for k in range(self.n_steps):
            _, J, accuracy = self.loss()
            optimizer.zero_grad()
            J.backward()
            optimizer.lr = 1.0 - 0.9 * k / self.n_steps
            optimizer.step()
            if recorder is not None:
                recorder.record(J, optimizer.lr)
            self.history.append((k, J.data, accuracy))
            self.progress(k + 1, self.n_steps, f"loss {J.data:.4f}  accuracy {accuracy:.0%}")
        _, J, self.accuracy = self.loss()
        self.final_loss = J.data
        self.say(f"After the last update: loss {self.final_loss:.4f} (the last line above is step "
                 f"{self.n_steps}'s loss, before its update; at the start {self.initial_loss:.4f}), "
                 f"training accuracy {self.accuracy:.0%} (at the start {self.initial_accuracy:.0%}).")
        self.verify("every training point classified correctly", self.accuracy == 1.0,
                    f"accuracy {self.accuracy:.0%}")
        if recorder is not None and self.html is not None:
            self.page = recorder.write_html(self.html, title=f"Two moons: {self.model!r} learns")
            self.say(f"The training run, step by step: {self.page} (open it in a browser, no network needed)")

    @step("The decision boundary")
    def boundary(self) -> None:
        """Where the trained network puts the line between the two classes."""
        self.say("Where the model says −1 is shaded \"·\"; every o should sit in the shade, every x outside:")
        self.say(char_plot(self.X, self.y, self.point_score))
        self.picture = self.draw_boundary()

    def draw_boundary(self):
        """The decision boundary as an SVG in svg_dir, when matplotlib is installed and svg_dir is set."""
        if self.svg_dir is None:
            self.say("(run with --svg-dir DIR to draw it as a picture, with matplotlib)")
            return None
        try:
            import matplotlib

            matplotlib.use("Agg")  # files only, no window
            import matplotlib.pyplot as plt
        except ImportError:
            self.say("(no picture: matplotlib is not installed; pip install 'tinygrad-edu[demos]' adds it)")
            return None
        x0, x1, y0, y1 = PLOT_BOX
        steps = 60
        xs = [x0 + i * (x1 - x0) / steps for i in range(steps + 1)]
        ys = [y0 + j * (y1 - y0) / steps for j in range(steps + 1)]
        Z = [[self.point_score([a, b]) for a in xs] for b in ys]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.contourf(xs, ys, Z, levels=[-1e9, 0, 1e9], colors=["#c7d7f0", "#f3d3c9"])
        ax.contour(xs, ys, Z, levels=[0], colors="#333333", linewidths=1)
        for label, colour in ((-1, "#1f4e9c"), (1, "#c0392b")):
            points = [x for x, t in zip(self.X, self.y) if t == label]
            ax.scatter([p[0] for p in points], [p[1] for p in points], s=18, c=colour,
                       label=f"y = {label:+d}")
        ax.set_title(f"{self.model!r}: training accuracy {self.accuracy:.0%}")
        ax.legend(loc="upper right")
        svg = io.BytesIO()
        fig.savefig(svg, format="svg", bbox_inches="tight")
        plt.close(fig)
        path = write_atomic(self.svg_dir / "moons-boundary.svg", svg.getvalue())
        self.pictures.append(path)
        self.say(f"Picture of the decision boundary: {path}")
        return path


def tour(seed: int = 0, **kwargs) -> Moons:
    """The two-moons walkthrough; ``seed`` draws the points and the initial weights."""
    return Moons(seed=seed, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
