"""Recognising digits: softmax cross-entropy on noisy 5×7 bitmaps, a gradient check, ≥ 90% held out.

The images come from tinygrad_edu.datasets.make_digits (generated, no download). First the formula
∂J/∂logits = softmax(logits) − onehot(target) is checked against the engine, and a tiny network's
backprop gradients against central differences (the classic "check your gradients" step). Then a
network with one hidden sigmoid layer, 35 → 16 → 10, is trained with mini-batches and tested on
images it never saw, with a confusion matrix. With --html FILE the training run is recorded and
written as a page that plays it, step by step (tinygrad_edu.recorder).
"""

from __future__ import annotations

import random
from pathlib import Path

from tinygrad_edu import Value, no_grad
from tinygrad_edu.datasets import bitmap_to_text, make_digits, train_test_split
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.losses import cross_entropy, softmax
from tinygrad_edu.nn import MLP
from tinygrad_edu.optim import Adam
from tinygrad_edu.recorder import TrainingRecorder
from tinygrad_edu.walkthroughs.command import TRAINING_PAGE, main
from tinygrad_edu.walkthroughs.tour import Tour, step

CLASSES = 10
OPTIONS = TRAINING_PAGE  # --html FILE: the page that plays the training run
ASKS_QUESTIONS = DRAWS_PICTURES = False  # the command offers neither --quiz nor --svg-dir


def side_by_side(images: list[list[float]], captions: list[str]) -> str:
    """Bitmaps next to each other, each with a caption underneath."""
    columns = [bitmap_to_text(image).split("\n") for image in images]
    rows = ["   ".join(column[r] for column in columns) for r in range(len(columns[0]))]
    return "\n".join([*rows, "   ".join(c.center(len(columns[0][0])) for c in captions)])


class Digits(Tour):
    title = "Digits: softmax cross-entropy, a gradient check, and a held-out test"
    name = "digits"

    def __init__(self, seed: int = 0, n_per_class: int = 30, noise: float = 0.1, hidden: int = 16,
                 epochs: int = 6, batch_size: int = 10, lr: float = 0.05, goal: float = 0.9,
                 html: str | Path | None = None) -> None:
        super().__init__()
        X, y = make_digits(n_per_class, noise=noise, seed=seed)
        split = train_test_split(X, y, test_size=0.3, seed=seed)
        self.X_train, self.X_test, self.y_train, self.y_test = split
        self.seed, self.noise, self.hidden = seed, noise, hidden
        self.epochs, self.batch_size, self.lr, self.goal = epochs, batch_size, lr, goal
        self.html = html  # where to write the page that plays the training run, when set

    @step("The data: noisy 5×7 digit bitmaps")
    def data(self) -> None:
        """The data set: small noisy bitmaps of the digits 0–9, split into training and held-out images."""
        self.say(f"""
            Each image is 35 pixels (0 or 1), each flipped with probability {self.noise:g}: noise the
            network must see through. {len(self.X_train)} images are for training and {len(self.X_test)} are
            held out for the test. The first training images:
        """)
        self.say(side_by_side(self.X_train[:8], [str(d) for d in self.y_train[:8]]))

    @step("Softmax and cross-entropy: ∂J/∂logits = softmax − onehot")
    def softmax_gradient(self) -> None:
        """Softmax followed by cross-entropy has the simplest gradient of all: softmax − onehot."""
        rng = random.Random(self.seed)
        logits = [Value(round(rng.uniform(-2, 2), 2), label=f"z{k}") for k in range(CLASSES)]
        target = rng.randrange(CLASSES)
        J = cross_entropy(logits, target)
        J.backward()
        p = [q.data for q in softmax(logits)]
        self.say(f"""
            The network's 10 outputs are logits zₖ; softmax turns them into probabilities
            pₖ = e^zₖ / Σⱼ e^zⱼ, and the loss is J = −log p_target. Differentiating,
              ∂J/∂zₖ = pₖ − [k = target]
            the same "prediction minus truth" as sigmoid with log loss. For target {target}:
        """)
        self.table(["k", "logit zₖ", "pₖ", "engine ∂J/∂zₖ", "pₖ − [k = target]"],
                   [[k, z.data, p[k], z.grad, p[k] - (k == target)] for k, z in enumerate(logits)], digits=4)
        self.check("∂J/∂zₖ = softmax(z)ₖ − onehot(target)ₖ", [z.grad for z in logits],
                   [p[k] - (k == target) for k in range(CLASSES)])

    @step("Check your gradients: backprop against central differences")
    def gradient_check(self) -> None:
        """Before training, check backprop against central differences (J(w + h) − J(w − h))/2h."""
        tiny = MLP(3, [2, 3], activation="sigmoid", seed=self.seed)
        x, target = [0.5, -1.0, 0.25], 2
        self.result = gradcheck(lambda: cross_entropy(tiny.outputs(x), target), tiny.parameters())
        self.say(f"""
            Before trusting a network's training, compare its backprop gradients with numerical
            ones: nudge each parameter by ±h and watch the loss, (J(p + h) − J(p − h)) / 2h. Here
            for a tiny network {tiny!r} with cross-entropy on one example (h = 1e-6,
            so the two agree to about 1e-8, not to the last digit):
        """)
        self.say(str(self.result))
        self.verify("backprop agrees with central differences for every parameter", self.result.ok,
                    f"largest difference {self.result.max_abs_error:.1g}")

    @step("Training: 35 → 16 sigmoid → 10 logits, in mini-batches")
    def train(self) -> None:
        """Train the network with Adam on mini-batches, watching the loss fall."""
        self.model = MLP(35, [self.hidden, CLASSES], activation="sigmoid", seed=self.seed)
        optimizer = Adam(self.model.parameters(), lr=self.lr)
        self.say(f"""
            {self.model!r}, {len(self.model.parameters())} parameters. Each update takes a
            mini-batch of {self.batch_size} images: J = mean cross-entropy, zero_grad, backward, then
            Adam(lr={self.lr:g}) steps every parameter. {self.epochs} passes (epochs) over the
            {len(self.X_train)} training images, in a new random order each time.
        """)
        recorder = None if self.html is None else TrainingRecorder(self.model, self.X_train, self.y_train)
        rng = random.Random(self.seed)
        batches_per_epoch = -(-len(self.X_train) // self.batch_size)
        total, done = self.epochs * batches_per_epoch, 0
        for epoch in range(1, self.epochs + 1):
            order = list(range(len(self.X_train)))
            rng.shuffle(order)
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                logits = [self.model.outputs(self.X_train[i]) for i in batch]
                J = cross_entropy(logits, [self.y_train[i] for i in batch])
                optimizer.zero_grad()
                J.backward()
                optimizer.step()
                if recorder is not None:
                    recorder.record(J, optimizer.lr)
                done += 1
                self.progress(done, total, f"epoch {epoch}/{self.epochs}  batch loss {J.data:.4f}")
        self.train_accuracy = self.accuracy(self.X_train, self.y_train)
        self.say(f"Training accuracy: {self.train_accuracy:.1%}")
        if recorder is not None and self.html is not None:
            self.page = recorder.write_html(self.html, title=f"Digits: {self.model!r} learns")
            self.say(f"The training run, step by step: {self.page} (open it in a browser, no network needed)")

    def predict(self, x: list[float]) -> int:
        with no_grad():
            logits = self.model.outputs(x)
        return max(range(CLASSES), key=lambda k: logits[k].data)

    def accuracy(self, X: list[list[float]], y: list[int]) -> float:
        return sum(self.predict(x) == t for x, t in zip(X, y)) / len(y)

    @step("The held-out test and the confusion matrix")
    def test(self) -> None:
        """How well the trained network does on images it never saw, and which digits it confuses."""
        predictions = [self.predict(x) for x in self.X_test]
        self.test_accuracy = sum(p == t for p, t in zip(predictions, self.y_test)) / len(self.y_test)
        self.confusion = [[0] * CLASSES for _ in range(CLASSES)]
        for p, t in zip(predictions, self.y_test):
            self.confusion[t][p] += 1
        self.say("Row: the true digit; column: the network's answer; the diagonal is right.")
        self.table(["true\\said", *map(str, range(CLASSES))],
                   [[str(t), *(str(c) if c else "." for c in row)] for t, row in enumerate(self.confusion)])
        self.say(f"Accuracy on the {len(self.y_test)} held-out images: {self.test_accuracy:.1%}")
        self.verify(f"held-out accuracy at least {self.goal:.0%}", self.test_accuracy >= self.goal,
                    f"{self.test_accuracy:.1%}")
        wrong = [(x, t, p) for x, t, p in zip(self.X_test, self.y_test, predictions) if p != t][:6]
        if wrong:
            self.say("Some it got wrong (true → said):")
            self.say(side_by_side([x for x, _, _ in wrong], [f"{t}→{p}" for _, t, p in wrong]))


def tour(seed: int = 0, **kwargs) -> Digits:
    """The digits walkthrough; ``seed`` draws the images, the split and the initial weights."""
    return Digits(seed=seed, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
