"""Backpropagation through two sigmoid layers, by hand and by the engine, one matrix at a time.

The classic digit network is 400–25–10 (Andrew Ng's course); this one is 4–3–2, small enough to
print. With Θ¹, Θ² holding one row per neuron and the bias in column 0 (a¹ = [1; X], a² = [1; H]):
δ² = O − Y, ∂J/∂Θ² = δ² ⊗ a², δ¹ = (W²ᵀ δ²) ⊙ H ⊙ (1 − H), ∂J/∂Θ¹ = δ¹ ⊗ a¹, where W² is Θ² without
its bias column. The forward pass is computed in plain Python, the matrices of the backward pass by
``equations.network_equations`` (which writes them for any network: ``explain_network``), and each
is checked against the engine's gradients.
"""

from __future__ import annotations

import random

from tinygrad_edu import engine
from tinygrad_edu.equations import layer_questions, network_equations
from tinygrad_edu.exercises import Exercise
from tinygrad_edu.losses import log_loss
from tinygrad_edu.nn import MLP
from tinygrad_edu.walkthroughs.command import main
from tinygrad_edu.walkthroughs.matrices import matvec, sigmoid
from tinygrad_edu.walkthroughs.tour import Tour, step


def theta(layer) -> list[list[float]]:
    """A layer's parameters as Ng's Θ: one row per neuron, [bias, weights...]."""
    return [[n.b.data] + [w.data for w in n.w] for n in layer.neurons]


def theta_grad(layer) -> list[list[float]]:
    """The engine's ∂J/∂Θ for a layer, in the same layout."""
    return [[n.b.grad] + [w.grad for w in n.w] for n in layer.neurons]


def theta_formula(numbers) -> list[list[float]]:
    """A layer's ∂J/∂Θ by the equations: [∂J/∂b | ∂J/∂W], a row per neuron."""
    return [[db, *dw] for db, dw in zip(numbers.db, numbers.dW)]


class BackpropLayers(Tour):
    title = "Backpropagation through two layers: δ² = O − Y, δ¹ = (W²ᵀδ²) ⊙ H ⊙ (1 − H)"
    name = "backprop_layers"

    def __init__(self, seed: int = 0, sizes: tuple[int, int, int] = (4, 3, 2)) -> None:
        super().__init__()
        rng = random.Random(seed)
        n_in, n_hidden, n_out = sizes
        self.model = MLP(n_in, [n_hidden, n_out], activation="sigmoid", output_activation="sigmoid",
                         seed=seed)
        for p in self.model.parameters():  # biases start at 0 in nn; give them values so they show
            if p.label.startswith("b"):
                p.data = round(rng.uniform(-0.5, 0.5), 2)
        self.X = [round(rng.uniform(0, 1), 2) for _ in range(n_in)]  # e.g. pixel intensities
        label = rng.randrange(n_out)
        self.Y = [1.0 if k == label else 0.0 for k in range(n_out)]  # one-hot: the right class is 1
        # the backward pass's matrices, by the layer equations (equations.explain_network prints them)
        self.equations = network_equations(self.model, self.X, self.Y, "log_loss")
        self.questions = layer_questions(self.model, self.X, self.Y, "log_loss")  # asked in quiz mode

    @step("The network")
    def network(self) -> None:
        """The network and its parameters: Θ¹ (3×5) and Θ² (2×4), a bias column each, and one example."""
        layer1, layer2 = self.model.layers
        n_in, n_hidden, n_out = len(self.X), len(layer1.neurons), len(layer2.neurons)
        self.say(f"""
            {n_in} inputs → {n_hidden} hidden sigmoid neurons → {n_out} sigmoid outputs: {self.model!r}.
            Each layer's parameters form a matrix Θ with one row per neuron: the bias in column 0,
            then one weight per input. With a 1 put in front of each layer's input (a¹ = [1; X],
            a² = [1; H]), a whole layer is one product: H = sigmoid(Θ¹·a¹).
        """)
        self.matrix(f"Θ¹ ({n_hidden}×{n_in + 1})", theta(layer1))
        self.matrix(f"Θ² ({n_out}×{n_hidden + 1})", theta(layer2))
        self.matrix("X", [self.X], digits=2)
        self.matrix("Y", [[int(y) for y in self.Y]])
        self.say("""
            The loss for this example is the log loss summed over the outputs:
              J = Σₖ −(Yₖ·log Oₖ + (1 − Yₖ)·log(1 − Oₖ))
        """)

    @step("The forward pass, by hand and by the engine")
    def forward(self) -> None:
        """The forward pass computed twice, with plain floats by hand and with the engine, and compared."""
        layer1, layer2 = self.model.layers
        # by hand
        self.a1 = [1.0, *self.X]
        self.H = [sigmoid(z) for z in matvec(theta(layer1), self.a1)]
        self.a2 = [1.0, *self.H]
        self.O = [sigmoid(z) for z in matvec(theta(layer2), self.a2)]
        # by the engine: the same layers, as Values
        self.H_values = layer1.outputs(self.X)
        self.O_values = layer2.outputs(self.H_values)
        self.J = engine.sum([log_loss(o, y) for o, y in zip(self.O_values, self.Y)])
        self.J.label = "J"  # the text's name for the loss, in the picture too
        self.say("a¹ = [1; X],  H = sigmoid(Θ¹·a¹),  a² = [1; H],  O = sigmoid(Θ²·a²):")
        self.matrix("H", [self.H])
        self.matrix("O", [self.O])
        self.check("H by hand = the engine's hidden layer", self.H_values, self.H)
        self.check("O by hand = the engine's outputs", self.O_values, self.O)
        self.say(f"J = {self.J.data:.6f}. Now J.backward() fills ∂J/∂p for every parameter p.")
        self.J.backward()
        from tinygrad_edu.viz import draw_mlp

        self.show_graph(draw_mlp(self.model, self.X, self.J), "the network with ∂J/∂w on every weight")

    @step("Output layer: δ² = O − Y")
    def output_delta(self) -> None:
        """With sigmoid outputs and log loss the output error is simply δ² = O − Y."""
        self.ask(self._question("δ²₁"))
        self.delta2 = self.equations.layers[1].delta[0]
        self.say("""
            δ² is ∂J/∂z² for the output neurons' weighted sums z² = Θ²·a². Each output is a sigmoid
            with log loss, so, exactly as for one neuron (the chain_rule walkthrough), the Oₖ·(1 − Oₖ) of the
            sigmoid cancels against the log loss and δ² = O − Y.
        """)
        self.matrix("δ²", [self.delta2])
        engine = [o.parents[0].grad for o in self.O_values]  # the node under each output's sigmoid
        self.check("δ² = O − Y", engine, self.delta2)

    @step("Output weights: ∂J/∂Θ² = δ² ⊗ a²")
    def output_weights(self) -> None:
        """Each output weight's gradient is its neuron's δ² times the input it multiplies: ∂J/∂Θ² = δ² ⊗
        [1; H]."""
        self.say("""
            z²ₖ = Σⱼ Θ²ₖⱼ·a²ⱼ, so ∂z²ₖ/∂Θ²ₖⱼ = a²ⱼ and ∂J/∂Θ²ₖⱼ = δ²ₖ·a²ⱼ: an outer product. Column 0
            is the bias column: a²₀ = 1, so ∂J/∂(bias) = δ².
        """)
        self.ask(self._question("the number of columns of ∂J/∂Θ²"))
        self.dTheta2 = theta_formula(self.equations.layers[1])
        self.matrix("δ² ⊗ a²", self.dTheta2)
        self.matrix("engine's ∂J/∂Θ²", theta_grad(self.model.layers[1]))
        self.check("∂J/∂Θ² = δ² ⊗ a²  (bias column included)", theta_grad(self.model.layers[1]), self.dTheta2)
        # Your turn (quiz mode): δ¹ of the first hidden neuron, from numbers already on the screen.
        W2 = [row[1] for row in theta(self.model.layers[1])]  # the weights out of hidden neuron 1
        H1, z1 = self.H[0], self.H_values[0].parents[0]  # its output and the node under its sigmoid
        back, slope = sum(w * d for w, d in zip(W2, self.delta2)), H1 * (1 - H1)
        gathered = " + ".join(f"({w:.4f})·({d:.4f})" for w, d in zip(W2, self.delta2))
        self.ask(Exercise(self.J).grad(
            z1, prompt="δ¹₁", topic="δ¹ of a hidden neuron",
            context=f"H₁ = {H1:.4f}, δ² = [{', '.join(f'{d:.4f}' for d in self.delta2)}], the weights "
                    f"out of hidden neuron 1 (column 1 of Θ²) = [{', '.join(f'{w:.4f}' for w in W2)}]",
            hint="δ¹₁ = (Σₖ W²ₖ₁·δ²ₖ)·H₁·(1 − H₁): the output errors gathered back along hidden neuron 1's "
                 "weights, times its sigmoid's derivative",
            solution=f"({gathered})·H₁·(1 − H₁) = {back:.4f} × {slope:.4f} = {back * slope:.4f}"))

    @step("Hidden layer: δ¹ = (W²ᵀ δ²) ⊙ H ⊙ (1 − H)")
    def hidden_delta(self) -> None:
        """The error sent back to the hidden layer: δ¹ = (W²ᵀ δ²) ⊙ H ⊙ (1 − H), checked against the
        engine."""
        hidden = self.equations.layers[0]
        self.dH = hidden.back[0]  # W²ᵀ·δ², with W² = Θ² without its bias column
        self.delta1 = hidden.delta[0]  # (W²ᵀ·δ²) ⊙ H ⊙ (1 − H)
        self.say("""
            Each hidden output Hⱼ feeds every output neuron k through the weight W²ₖⱼ, so its
            gradient gathers the output errors back along those weights: ∂J/∂H = W²ᵀ·δ² (the bias
            column is left out: the constant 1 in a² has no gradient to pass on). Through the hidden
            sigmoid, whose derivative is H ⊙ (1 − H):  δ¹ = ∂J/∂z¹ = (W²ᵀ·δ²) ⊙ H ⊙ (1 − H).
        """)
        self.matrix("W²ᵀ·δ²", [self.dH])
        self.matrix("δ¹", [self.delta1])
        self.check("∂J/∂H = W²ᵀ·δ²", [h.grad for h in self.H_values], self.dH)
        self.check("δ¹ = (W²ᵀ·δ²) ⊙ H ⊙ (1 − H)", [h.parents[0].grad for h in self.H_values], self.delta1)

    @step("Hidden weights: ∂J/∂Θ¹ = δ¹ ⊗ a¹")
    def hidden_weights(self) -> None:
        """The hidden weights' gradient has the same shape as the output's: ∂J/∂Θ¹ = δ¹ ⊗ [1; X]."""
        self.dTheta1 = theta_formula(self.equations.layers[0])
        self.matrix("δ¹ ⊗ a¹", self.dTheta1)
        self.check("∂J/∂Θ¹ = δ¹ ⊗ a¹  (bias column included)", theta_grad(self.model.layers[0]), self.dTheta1)
        self.say("""
            That is the whole backward pass of the network, in four lines:
              δ² = O − Y                     ∂J/∂Θ² = δ² ⊗ [1; H]
              δ¹ = (W²ᵀδ²) ⊙ H ⊙ (1 − H)     ∂J/∂Θ¹ = δ¹ ⊗ [1; X]
            and the update is Θ ← Θ − α·∂J/∂Θ. For the 400–25–10 digit network the lines are the
            same, with Θ¹ of size 25×401 and Θ² of size 10×26; over m examples the gradients are
            averaged (the minibatch walkthrough). equations.explain_network(model, X, Y, "log_loss") writes
            these lines with the numbers of any network, in this layout or CS231n's (from the
            shell: tinygrad-edu layers 4,3,2 --loss log_loss).
        """)

    def _question(self, prompt: str):
        """The layer question (equations.layer_questions) whose prompt is ``prompt``."""
        return next(q for q in self.questions if q.prompt == prompt)


def tour(seed: int = 0, **kwargs) -> BackpropLayers:
    """The two-layer backpropagation walkthrough; ``seed`` draws the weights, input and label."""
    return BackpropLayers(seed=seed, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
