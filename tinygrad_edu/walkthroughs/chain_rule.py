"""The chain rule in one neuron: why ∂J/∂W = (Z − t)·X for a sigmoid neuron with log loss.

One output neuron, Y = W·X + b, Z = sigmoid(Y), J = log_loss(Z, t). The engine's gradients are set
next to the closed forms ∂J/∂wᵢ = (Z − t)·xᵢ, ∂J/∂b = Z − t and ∂J/∂xᵢ = wᵢ·(Z − t), each checked,
and the walkthrough shows why sigmoid and log loss collapse to the plain error Z − t.
"""

from __future__ import annotations

import random

from tinygrad_edu import Value
from tinygrad_edu.engine import linear
from tinygrad_edu.exercises import Exercise
from tinygrad_edu.losses import log_loss
from tinygrad_edu.optim import SGD
from tinygrad_edu.stepper import backward_frames
from tinygrad_edu.trace import explain, gradients
from tinygrad_edu.walkthroughs.command import main
from tinygrad_edu.walkthroughs.tour import RANKDIR, Tour, step


class ChainRule(Tour):
    title = "The chain rule in one neuron: ∂J/∂W = (Z − t)·X"
    name = "chain_rule"

    def __init__(self, seed: int = 0, n_inputs: int = 3, lr: float = 0.5) -> None:
        super().__init__()
        rng = random.Random(seed)  # round numbers, so the arithmetic can be followed by eye
        self.X = [Value(round(rng.uniform(-2, 2), 1), label=f"x{i}") for i in range(1, n_inputs + 1)]
        self.W = [Value(round(rng.uniform(-1, 1), 2), label=f"w{i}") for i in range(1, n_inputs + 1)]
        self.b = Value(round(rng.uniform(-0.5, 0.5), 1), label="b")
        self.t = 1.0 if rng.random() < 0.5 else 0.0
        self.lr = lr

    def forward(self) -> Value:
        """Y = W·X + b, Z = sigmoid(Y), J = log_loss(Z, t); keeps Y and Z for the steps.

        Y is one node (engine.linear), as the formula is one: its edges carry exactly the local
        derivatives this walkthrough derives, ∂Y/∂wᵢ = xᵢ, ∂Y/∂xᵢ = wᵢ and ∂Y/∂b = 1."""
        self.Y = linear(self.X, self.W, self.b)
        self.Y.label = "Y"
        self.Z = self.Y.sigmoid()
        self.Z.label = "Z"
        self.J = log_loss(self.Z, self.t)
        self.J.label = "J"
        return self.J

    @step("The neuron and its loss (the forward pass)")
    def forward_pass(self) -> None:
        """The forward pass: Y = W·X + b, Z = sigmoid(Y), J = log loss of Z against the target t."""
        J = self.forward()
        numbers = lambda values: ", ".join(f"{v.data:g}" for v in values)  # noqa: E731
        terms = " + ".join(f"({w.data:g})·({x.data:g})" for w, x in zip(self.W, self.X))
        self.say(f"""
            Inputs X = ({numbers(self.X)}), weights W = ({numbers(self.W)}), bias b = {self.b.data:g},
            and the target t = {self.t:g}: the label this example should get.
        """)
        self.table(["", "forward pass", "value"], [
            ["Y", f"= W·X + b = {terms} + ({self.b.data:g})", self.Y.data],
            ["Z", "= sigmoid(Y) = 1/(1 + e^−Y)   (a probability)", self.Z.data],
            ["J", "= −(t·log Z + (1 − t)·log(1 − Z))   (log loss)", J.data],
        ])
        self.say("""
            J is small when Z is close to t. Training changes W and b to make J smaller; for that it
            needs ∂J/∂wᵢ and ∂J/∂b: how much J changes per unit change of each.
        """)
        self.show_graph(J, "the forward pass: every value, no gradient yet", show_grad=False)

    @step("backward(): every gradient at once")
    def backward(self) -> None:
        """J.backward() fills in every gradient at once; the graph shows each node's data and grad."""
        self.J.backward()
        self.say("""
            J.backward() walks the graph from J back to the inputs. At each node it multiplies the
            local derivative (stored in the forward pass) by the gradient arriving from above:
                ∂J/∂input += ∂node/∂input · ∂J/∂node        (the chain rule)
        """)
        nodes = [self.J, self.Z, self.Y, *self.W, self.b, *self.X]
        self.table(["node", "data", "grad = ∂J/∂node"], [[n.label, n.data, n.grad] for n in nodes])
        self.say("The next steps derive each of these numbers by hand.")
        self.show_graph(self.J, "the neuron with every gradient")

    @step("The same backward pass, one chain-rule step per line")
    def derivation(self) -> None:
        """The same gradients written down one chain-rule step at a time, as on a blackboard."""
        leaves = [*self.W, self.b, *self.X]
        before = [p.grad for p in leaves]  # what J.backward() left in the previous step
        text = explain(self.J)  # the backward pass on the side: it changes no .grad
        self.say("""
            tinygrad_edu.trace.explain(J) does the same backward pass on paper and writes down each
            multiplication (unlabelled intermediate nodes are called v1, v2, ... in the order the
            forward pass made them). It computes its numbers itself and changes no .grad:
        """)
        self.say(text)
        frames = backward_frames(self.J)  # one picture per line above: the gradient flowing back
        for frame in frames:
            frame.graph_attr["rankdir"] = RANKDIR  # top to bottom, like the walkthrough's other pictures
        self.show_graphs(frames, "the backward pass, one step per picture", first=0)  # frame k: step k
        derived = gradients(self.J)  # the numbers explain printed
        self.check("explain(J) derives the gradients J.backward() left, and changes none",
                   [*(derived[p] for p in leaves), *(p.grad for p in leaves)], before * 2)
        # Your turn (quiz mode): the next steps derive these; in the names of the graph, t the target.
        self.practice = Exercise(self.J, names={"t": self.t})
        self.ask(self.practice.grad(
            self.Y, formula=True, topic="∂J/∂Y through sigmoid and log loss", context="a formula in Z and t",
            hint="∂J/∂Y = ∂J/∂Z · ∂Z/∂Y: the log loss's derivative −t/Z + (1 − t)/(1 − Z) times the "
                 "sigmoid's, Z·(1 − Z)",
            solution=f"Z − t = {self.Z.data:.4f} − {self.t:g} = {self.Z.data - self.t:.4f}"))

    @step("Link by link: sigmoid and log loss collapse to Z − t")
    def collapse(self) -> None:
        """Multiplying the two local derivatives ∂J/∂Z and ∂Z/∂Y: sigmoid and log loss collapse to Z − t."""
        Z, t = self.Z.data, self.t
        self.say(f"""
            The chain from J down to Y has two links:
              ∂J/∂Z = −t/Z + (1 − t)/(1 − Z) = (Z − t) / (Z·(1 − Z))   (derivative of the log loss)
              ∂Z/∂Y = sigmoid′(Y) = Z·(1 − Z)                              (derivative of the sigmoid)
            Their product is ∂J/∂Y = (Z − t)/(Z·(1 − Z)) · Z·(1 − Z) = Z − t = {Z - t:.6f}.
        """)
        self.check("∂J/∂Z = (Z − t)/(Z·(1 − Z))", self.Z.grad, (Z - t) / (Z * (1 - Z)))
        self.check("∂Z/∂Y = Z·(1 − Z), as stored by the sigmoid node",
                   self.Z.local_grads[0], Z * (1 - Z))
        self.check("∂J/∂Y = Z − t", self.Y.grad, Z - t)
        self.say("""
            The factor Z·(1 − Z) cancels. That is why the sigmoid and the log loss are used together:
            the gradient is just the error Z − t, large when the neuron is confidently wrong, where a
            squared error would be multiplied by Z·(1 − Z) ≈ 0 and learning would stall.
        """)
        w, x = self.W[0], self.X[0]
        self.ask(self.practice.grad(
            w, formula=True, topic="∂J/∂w through Y = W·X + b", context=f"a formula in Z, t and {x.label}",
            hint=f"∂J/∂{w.label} = ∂J/∂Y · ∂Y/∂{w.label}, and Y = Σ wᵢ·xᵢ + b",
            solution=f"(Z − t)·{x.label} = {self.Z.data - self.t:.4f} × {x.data:g} = "
                     f"{(self.Z.data - self.t) * x.data:.4f}"))

    @step("The weights: ∂J/∂wᵢ = (Z − t)·xᵢ")
    def weights(self) -> None:
        """One more link of the chain: ∂J/∂wᵢ = ∂J/∂Y · ∂Y/∂wᵢ = (Z − t)·xᵢ, for every weight."""
        error = self.Z.data - self.t
        self.say("""
            One more link: Y = Σ wᵢ·xᵢ + b, so ∂Y/∂wᵢ = xᵢ and ∂Y/∂b = 1. Hence
              ∂J/∂wᵢ = ∂J/∂Y · ∂Y/∂wᵢ = (Z − t)·xᵢ        ∂J/∂b = Z − t
        """)
        rows = [[w.label, x.data, w.grad, error * x.data] for w, x in zip(self.W, self.X)]
        rows.append(["b", 1.0, self.b.grad, error])
        self.table(["weight", "its input", "engine ∂J/∂w", "(Z − t)·input"], rows)
        self.check("∂J/∂wᵢ = (Z − t)·xᵢ", [w.grad for w in self.W], [error * x.data for x in self.X])
        self.check("∂J/∂b = Z − t", self.b.grad, error)
        w, x = self.W[0], self.X[0]
        self.ask(self.practice.grad(
            x, formula=True, topic="∂J/∂x: the error sent back along a weight",
            context=f"a formula in Z, t and {w.label}", hint=f"∂J/∂{x.label} = ∂J/∂Y · ∂Y/∂{x.label}",
            solution=f"{w.label}·(Z − t) = {w.data:g} × {error:.4f} = {w.data * error:.4f}"))

    @step("The inputs: ∂J/∂xᵢ = wᵢ·(Z − t)")
    def inputs(self) -> None:
        """The same rule for the inputs: ∂J/∂xᵢ = (Z − t)·wᵢ, what a previous layer would receive."""
        error = self.Z.data - self.t
        self.say("""
            By the same link with the roles swapped, ∂Y/∂xᵢ = wᵢ, so ∂J/∂xᵢ = wᵢ·(Z − t). If the xᵢ
            were the outputs of an earlier layer, this is the error that layer receives: the output
            error sent back along each weight. That is backpropagation.
        """)
        rows = [[x.label, w.data, x.grad, w.data * error] for w, x in zip(self.W, self.X)]
        self.table(["input", "its weight", "engine ∂J/∂x", "w·(Z − t)"], rows)
        self.check("∂J/∂xᵢ = wᵢ·(Z − t)", [x.grad for x in self.X], [w.data * error for w in self.W])
        w, x, lr = self.W[0], self.X[0], self.lr
        self.ask(self.practice.ask(
            f"{w.label} after one step of gradient descent", lambda p: p.value(w) - lr * p.grad(w),
            topic="a gradient-descent update", context=f"α = {lr:g}; a number or a formula",
            hint=f"{w.label} ← {w.label} − α·∂J/∂{w.label}, with ∂J/∂{w.label} = (Z − t)·{x.label}",
            solution=f"{w.label} − α·(Z − t)·{x.label} = {w.data:g} − {lr:g} × {error:.4f} × {x.data:g} = "
                     f"{w.data - lr * error * x.data:.4f}"))

    @step("One step of gradient descent: W ← W − α·(Z − t)·X")
    def update(self) -> None:
        """Gradient descent moves every parameter against its gradient, W ← W − α·(Z − t)·X, and the loss
        goes down."""
        error, old = self.Z.data - self.t, [p.data for p in (*self.W, self.b)]
        inputs = [x.data for x in self.X] + [1.0]  # the bias's "input" is 1
        self.say(f"""
            Gradient descent moves every parameter a little against its gradient, with a step size
            (learning rate) α = {self.lr:g}:
              wᵢ ← wᵢ − α·∂J/∂wᵢ = wᵢ − α·(Z − t)·xᵢ        b ← b − α·(Z − t)
            tinygrad_edu.optim.SGD does exactly this for every parameter it is given.
        """)
        SGD([*self.W, self.b], lr=self.lr).step()
        new = [p.data for p in (*self.W, self.b)]
        self.table(["param", "before", f"after SGD(lr={self.lr:g}).step()"],
                   [[p.label, before, p.data] for p, before in zip((*self.W, self.b), old)])
        self.check("SGD.step():  w ← w − α·(Z − t)·x", new,
                   [w - self.lr * error * x for w, x in zip(old, inputs)])
        J_before, Z_before = self.J.data, self.Z.data
        self.J_after = self.forward().data
        self.say(f"""
            With the new weights, Z moves from {Z_before:.6f} to {self.Z.data:.6f} (the target is
            t = {self.t:g}) and the loss falls from {J_before:.6f} to {self.J_after:.6f}.
        """)
        self.J_before = J_before
        self.verify("the loss went down", self.J_after < J_before, f"{J_before:.6f} → {self.J_after:.6f}")


def tour(seed: int = 0, **kwargs) -> ChainRule:
    """The chain-rule walkthrough; ``seed`` draws the inputs, weights and target."""
    return ChainRule(seed=seed, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
