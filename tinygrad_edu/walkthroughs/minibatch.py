"""The gradient of a mini-batch: the mean of per-example gradients, and a product of Jacobians.

One sigmoid layer sees a batch of m examples; the loss is the mean log loss over the batch. Its
gradient is computed four ways and each is checked against the engine's: as the mean of the m
per-example gradients, as the chain of Jacobians ∂J/∂O · ∂O/∂Z · ∂Z/∂W (each read off the graph by
``trace.jacobian``), and with the two common weight layouts: Z = X·W + b with a column per neuron
(CS231n, ∂J/∂W = Xᵀ·dZ) and one row of Θ per neuron with the bias in column 0 (Andrew Ng's course,
∂J/∂Θ = dZᵀ·[1 X]), both from the layer equations (``equations.network_equations``).
"""

from __future__ import annotations

import random

from tinygrad_edu import engine
from tinygrad_edu.engine import Value
from tinygrad_edu.equations import network_equations
from tinygrad_edu.exercises import Exercise
from tinygrad_edu.losses import log_loss
from tinygrad_edu.nn import MLP
from tinygrad_edu.trace import jacobian
from tinygrad_edu.walkthroughs.command import main
from tinygrad_edu.walkthroughs.matrices import matmul, transpose
from tinygrad_edu.walkthroughs.tour import Tour, step

DRAWS_PICTURES = False  # the command offers no --svg-dir: the matrices are printed, not drawn


class Minibatch(Tour):
    title = "The gradient of a mini-batch: a mean, and a product of Jacobians"
    name = "minibatch"

    def __init__(self, seed: int = 0, m: int = 4, d: int = 3, n: int = 2) -> None:
        super().__init__()
        rng = random.Random(seed)
        self.m, self.d, self.n = m, d, n
        self.model = MLP(d, [n], output_activation="sigmoid", seed=seed)  # one layer: the equations' network
        self.layer = self.model.layers[0]
        for neuron in self.layer.neurons:  # biases start at 0 in nn; give them values so they show
            neuron.b.data = round(rng.uniform(-0.5, 0.5), 2)
        # One index order throughout, the matrix's: W is d×n (row j: input j, column k: neuron k),
        # so W[j,k] is neuron k's weight on input j (nn names it w[k,j]: neuron first).
        self.W = [[neuron.w[j] for neuron in self.layer.neurons] for j in range(d)]
        self.b = [neuron.b for neuron in self.layer.neurons]
        for j, row in enumerate(self.W):
            for k, w in enumerate(row):
                w.label = f"W[{j},{k}]"
        for k, b in enumerate(self.b):
            b.label = f"b[{k}]"
        self.X = [[round(rng.uniform(-1, 1), 2) for _ in range(d)] for _ in range(m)]
        self.Y = [[float(rng.random() < 0.5) for _ in range(n)] for _ in range(m)]
        self.equations = network_equations(self.model, self.X, self.Y, "log_loss")  # δ, ∂J/∂W, ∂J/∂b

    def loss(self, rows: list[int]) -> tuple[list[list[Value]], Value]:
        """The outputs O (a row per example) and the mean log loss over the given examples."""
        O = [self.layer.outputs(self.X[i]) for i in rows]
        terms = [log_loss(o, y) for i, row in zip(rows, O) for o, y in zip(row, self.Y[i])]
        J = engine.sum(terms) / len(rows)
        return O, J

    def W_grad(self) -> list[list[float]]:
        """The engine's ∂J/∂W in the CS231n layout: W is d×n, a column per neuron."""
        return [[w.grad for w in row] for row in self.W]

    def b_grad(self) -> list[float]:
        return [b.grad for b in self.b]

    @step("A mini-batch through one layer")
    def batch(self) -> None:
        """A mini-batch of examples goes through one sigmoid layer with log loss, averaged over the batch."""
        m, d, n = self.m, self.d, self.n
        self.say(f"""
            {m} examples, {d} inputs each, go through one layer of {n} sigmoid neurons. Example i gives
            outputs Oᵢₖ; the loss of the batch is the mean over the examples:
              J = (1/m)·Σᵢ Jᵢ,   Jᵢ = Σₖ −(Yᵢₖ·log Oᵢₖ + (1 − Yᵢₖ)·log(1 − Oᵢₖ))
        """)
        self.matrix(f"X ({m}×{d})", self.X, digits=2)
        self.matrix(f"Y ({m}×{n})", [[int(y) for y in row] for row in self.Y])
        self.O, self.J = self.loss(list(range(m)))
        self.layer.zero_grad()
        self.J.backward()
        self.say(f"""
            J = {self.J.data:.6f}; J.backward() gives the batch gradient. Row j, column k is
            ∂J/∂W[j,k], for the weight from input j to neuron k (W is {d}×{n}, a column per neuron):
        """)
        self.matrix(f"∂J/∂W ({d}×{n})", self.W_grad())
        self.matrix("∂J/∂b", [self.b_grad()])

    @step("The mean of the per-example gradients")
    def mean_of_examples(self) -> None:
        """The batch's gradient is the mean of the examples' gradients, each found by its own backward
        pass."""
        self.say("""
            Differentiation is linear: the gradient of a mean is the mean of the gradients,
              ∂J/∂W = (1/m)·Σᵢ ∂Jᵢ/∂W.
            So backprop can run one example at a time (as the engine does here: m separate graphs,
            m backward() calls) and average.
        """)
        params = [w for row in self.W for w in row] + self.b  # W row by row, as the matrix reads
        per_example = []
        for i in range(self.m):
            self.layer.zero_grad()
            _, Ji = self.loss([i])
            Ji.backward()
            per_example.append([p.grad for p in params])
        mean = [sum(g[k] for g in per_example) / self.m for k in range(len(params))]
        self.layer.zero_grad()
        self.J.backward()  # the batch gradient again, for the comparison and the steps after
        header = ["param", *(f"∂J{i + 1}/∂p" for i in range(self.m)), "mean", "batch ∂J/∂p"]
        rows = [[p.label, *(g[k] for g in per_example), mean[k], p.grad] for k, p in enumerate(params)]
        self.table(header, rows, digits=4)
        self.check("batch gradient = mean of the per-example gradients", [p.grad for p in params], mean)
        # Your turn (quiz mode): the same rule for a batch the table does not show.
        b = self.layer.neurons[0].b
        k = params.index(b)
        g1, g2 = per_example[0][k], per_example[1][k]
        self.ask(Exercise(self.loss([0, 1])[1]).grad(
            b, prompt=f"∂J/∂{b.label} for a batch of examples 1 and 2 only",
            topic="a mini-batch's mean gradient",
            context=f"from the table: ∂J1/∂{b.label} = {g1:.4f}, ∂J2/∂{b.label} = {g2:.4f}",
            hint="J = (J1 + J2)/2, and the gradient of a mean is the mean of the gradients",
            solution=f"(∂J1/∂{b.label} + ∂J2/∂{b.label})/2 = ({g1:.4f} + {g2:.4f})/2 = {(g1 + g2) / 2:.4f}"))

    @step("A product of Jacobians: ∂J/∂W = ∂J/∂O · ∂O/∂Z · ∂Z/∂W")
    def jacobians(self) -> None:
        """The same gradient as a product of Jacobians, ∂J/∂O · ∂O/∂Z · ∂Z/∂W, in matrix form."""
        m, d, n = self.m, self.d, self.n
        # Z and O flattened (example by example, neuron by neuron), W row by row: each Jacobian is
        # read off the graph from its stored local derivatives, one reverse pass per row
        O = [o for row in self.O for o in row]
        Z = [o.parents[0] for o in O]  # the node under each output's sigmoid
        W = [w for row in self.W for w in row]
        dJ_dO, dO_dZ, dZ_dW = jacobian(self.J, O), jacobian(O, Z), jacobian(Z, W)
        self.say(f"""
            Flatten Z and O into vectors of m·n = {m * n} entries and W into d·n = {d * n}. The chain
            rule for vectors multiplies Jacobians (matrices of partial derivatives), here each
            read off the graph by trace.jacobian(outputs, inputs):
        """)
        self.table(["Jacobian", "shape", "entries"], [
            ["∂J/∂O", f"1×{m * n}", "(Oᵢₖ − Yᵢₖ) / (Oᵢₖ·(1 − Oᵢₖ)) / m"],
            ["∂O/∂Z", f"{m * n}×{m * n}", "diagonal: Oᵢₖ·(1 − Oᵢₖ) (an output depends on its own z only)"],
            ["∂Z/∂W", f"{m * n}×{d * n}", "∂Zᵢₖ/∂Wⱼₖ = Xᵢⱼ, and 0 for another neuron's weights"],
        ])
        self.matrix("∂Z/∂W", dZ_dW, digits=2)
        product = matmul(matmul(dJ_dO, dO_dZ), dZ_dW)[0]
        self.dW_jacobian = [product[j * n : (j + 1) * n] for j in range(d)]
        self.matrix("∂J/∂O · ∂O/∂Z · ∂Z/∂W", self.dW_jacobian)
        self.check("∂J/∂W = ∂J/∂O · ∂O/∂Z · ∂Z/∂W", self.W_grad(), self.dW_jacobian)
        self.say("""
            Most entries of these Jacobians are 0, so nobody builds them: the next two steps are
            the same product with the zeros left out.
        """)

    @step("CS231n's layout: Z = X·W + b, a column of W per neuron")
    def cs231n(self) -> None:
        """CS231n's layout, Z = X·W + b with one column of W per neuron: ∂J/∂W = Xᵀ·dZ."""
        layer = self.equations.layers[0]  # the layer equations' numbers: δ = O − Y per example
        self.dZ = [[delta / self.m for delta in row] for row in layer.delta]
        self.say("""
            With the examples as the rows of X (m×d) and W of size d×n, the layer is Z = X·W + b.
            Sigmoid and log loss collapse as in the chain_rule walkthrough, ∂J/∂Z = dZ = (O − Y)/m, and then
              ∂J/∂W = Xᵀ·dZ   (d×n, the shape of W)       ∂J/∂b = Σᵢ dZᵢ  (sum over the examples)
        """)
        self.matrix("dZ = (O − Y)/m", self.dZ)
        self.dW = transpose(layer.dW)  # nn holds a row per neuron; CS231n's W a column per neuron
        self.db = layer.db
        self.matrix("Xᵀ·dZ", self.dW)
        self.check("∂J/∂W = Xᵀ·dZ", self.W_grad(), self.dW)
        self.check("∂J/∂b = Σᵢ dZᵢ", self.b_grad(), self.db)

    @step("Andrew Ng's layout: one row of Θ per neuron, bias in column 0")
    def ng(self) -> None:
        """Andrew Ng's layout, one row of Θ per neuron with the bias in column 0: ∂J/∂Θ = dZᵀ·[1 X]."""
        self.say(f"""
            Θ is n×(d+1) = {self.n}×{self.d + 1}: row k is neuron k's [bias, weights] (Θ = [b | Wᵀ]).
            With A = [1 X] (m×(d+1)), the layer is Z = A·Θᵀ and
              ∂J/∂Θ = dZᵀ·A = (1/m)·Σᵢ δᵢ ⊗ aᵢ    (the same numbers as Xᵀ·dZ, transposed, plus
                                                   the bias column)
        """)
        layer = self.equations.layers[0]
        self.dTheta = [[db, *dw] for db, dw in zip(layer.db, layer.dW)]
        engine_grads = [[neuron.b.grad] + [w.grad for w in neuron.w] for neuron in self.layer.neurons]
        self.matrix("dZᵀ·A", self.dTheta)
        self.check("∂J/∂Θ = dZᵀ·[1 X]", engine_grads, self.dTheta)
        self.check("the two layouts agree: ∂J/∂Θ = [∂J/∂b | (∂J/∂W)ᵀ]",
                   self.dTheta, [[b, *col] for b, col in zip(self.db, transpose(self.dW))])
        self.say("""
            equations.explain_network(model, X, Y, "log_loss", layout="ng" or "cs231n") writes
            these equations for a batch through any network, every matrix with its numbers and
            its check (from the shell: tinygrad-edu layers 3,2 --batch 4 --layout cs231n).
        """)


def tour(seed: int = 0, **kwargs) -> Minibatch:
    """The mini-batch walkthrough; ``seed`` draws the weights and the batch; m, d, n its sizes."""
    return Minibatch(seed=seed, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
