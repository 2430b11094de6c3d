"""A transformer, zoomed: one-head self-attention learns to reverse digit sequences, every gradient checked.

A tiny model written with the engine's ops, its parts in scopes: embedding (token + position),
attention (queries, keys, values and their scores, with the attention weights in a softmax inside it),
an MLP and the output logits, then the loss. The task is generated in code: reverse a sequence of
4 digits from 0–4 (3 1 4 0 → 0 4 1 3). One training step is seen as blocks, one per scope
(``draw_dot(loss, by="scope")``); then softmax + cross-entropy's gradient p − onehot (the chain-rule
walkthrough's Z − t once more), the gradient reaching the attention weights Wq, Wk and Wv, and one
update of Wv, each formula checked against the engine. Then the model trains for a few seconds with
Adam, until batch after batch comes out right; it reverses every held-out sequence, and shows what its
attention learned. With --html FILE the training run is written as a page that plays it, step by
step (tinygrad_edu.recorder): the loss, each parameter's update, and what the model says of the first
held-out sequences.
"""

from __future__ import annotations

import collections
import itertools
import math
import random
import time
from pathlib import Path

from tinygrad_edu import Value, engine, no_grad, scope
from tinygrad_edu.blocks import block_graph
from tinygrad_edu.exercises import Exercise
from tinygrad_edu.losses import cross_entropy, softmax
from tinygrad_edu.optim import SGD, Adam
from tinygrad_edu.recorder import TrainingRecorder
from tinygrad_edu.trace import forward_order, jacobian
from tinygrad_edu.viz import draw_dot
from tinygrad_edu.walkthroughs.command import TRAINING_PAGE, main
from tinygrad_edu.walkthroughs.tour import RANKDIR, Tour, step

Matrix = list[list[Value]]
OPTIONS = TRAINING_PAGE  # --html FILE: the page that plays the training run
# --html: the held-out sequences the page's accuracy is measured on (~1 ms a sequence, per step kept)
PAGE_EXAMPLES = 16


def _matrix(rng: random.Random, rows: int, columns: int, name: str, scale: float) -> Matrix:
    """A rows × columns matrix of parameters drawn from N(0, scale²), labelled name[r,c]."""
    return [[Value(rng.gauss(0.0, scale), label=f"{name}[{r},{c}]") for c in range(columns)]
            for r in range(rows)]


def _times(W: Matrix, x: list[Value]) -> list[Value]:
    """W·x: one engine.dot node per row."""
    return [engine.dot(row, x) for row in W]


class Reverser:
    """Self-attention with one head, for sequences of ``length`` digits from 0 to ``digits − 1``:

        xᵢ = E[tᵢ] + P[i]                        embedding: the digit's row plus the position's
        qᵢ = Wq·xᵢ   kᵢ = Wk·xᵢ   vᵢ = Wv·xᵢ     attention: query, key and value of position i
        sᵢⱼ = qᵢ·kⱼ / √d                         how much position i looks at position j
        aᵢ = softmax(sᵢ)                         attention/softmax: the weights, summing to 1
        hᵢ = Σⱼ aᵢⱼ·vⱼ                           what position i reads
        uᵢ = relu(W1·hᵢ + b1)                    mlp
        zᵢ = Wo·uᵢ + bo                          output: one logit per digit

    Each part's parameters are made in its scope, so they belong to its block. ``forward(seq)``
    keeps every intermediate list of a sequence (``x``, ``q``, ``k``, ``v``, ``s``, ``a``, ``h``,
    ``u``, ``z``) for the checks.
    """

    def __init__(self, digits: int = 5, length: int = 4, d: int = 8, hidden: int = 16, seed: int = 0) -> None:
        rng = random.Random(seed)
        self.digits, self.length, self.d, self.hidden = digits, length, d, hidden
        self.c = 1.0 / math.sqrt(d)
        with scope("embedding"):
            self.E = _matrix(rng, digits, d, "E", 1.0)
            self.P = _matrix(rng, length, d, "P", 1.0)
        with scope("attention"):
            self.Wq, self.Wk, self.Wv = (_matrix(rng, d, d, name, self.c) for name in ("Wq", "Wk", "Wv"))
        with scope("mlp"):
            self.W1 = _matrix(rng, hidden, d, "W1", self.c)
            self.b1 = [Value(0.0, label=f"b1[{r}]") for r in range(hidden)]
        with scope("output"):
            self.Wo = _matrix(rng, digits, hidden, "Wo", 1.0 / math.sqrt(hidden))
            self.bo = [Value(0.0, label=f"bo[{r}]") for r in range(digits)]

    def parameters(self) -> list[Value]:
        matrices = (self.E, self.P, self.Wq, self.Wk, self.Wv, self.W1, [self.b1], self.Wo, [self.bo])
        return [p for matrix in matrices for row in matrix for p in row]

    def forward(self, seq: tuple[int, ...]) -> dict[str, list]:
        """Every intermediate of one sequence, by name (x, q, k, v, s, a, h, u, z; lists per position)."""
        T = range(self.length)
        with scope("embedding"):
            x = [[e + p for e, p in zip(self.E[t], self.P[i])] for i, t in enumerate(seq)]
        with scope("attention"):
            q, k, v = ([_times(W, xi) for xi in x] for W in (self.Wq, self.Wk, self.Wv))
            s = [[engine.dot(q[i], k[j]) * self.c for j in T] for i in T]
            with scope("softmax"):
                a = [softmax(row) for row in s]
            for i in T:  # named for the pictures: s[i,j] and a[i,j]
                for j in T:
                    s[i][j].label, a[i][j].label = f"s[{i},{j}]", f"a[{i},{j}]"
            h = [[engine.dot(a[i], [v[j][r] for j in T]) for r in range(self.d)] for i in T]
        with scope("mlp"):
            u = [[engine.linear(hi, w, b).relu() for w, b in zip(self.W1, self.b1)] for hi in h]
        with scope("output"):
            z = [[engine.linear(ui, w, b) for w, b in zip(self.Wo, self.bo)] for ui in u]
        return {"x": x, "q": q, "k": k, "v": v, "s": s, "a": a, "h": h, "u": u, "z": z}

    def loss(self, batch: list[tuple[int, ...]]) -> tuple[Value, list[dict[str, list]]]:
        """J = the mean cross-entropy over every position of every sequence (the target: the digit at
        the mirrored position), and each sequence's intermediates."""
        parts = [self.forward(seq) for seq in batch]
        with scope("loss"):
            J = cross_entropy([z for part in parts for z in part["z"]],
                              [t for seq in batch for t in seq[::-1]])
        J.label = "J"
        return J, parts

    def said(self, logits: list[list[Value]]) -> tuple[int, ...]:
        """The digit written at each position: the one with the largest logit."""
        return tuple(max(range(self.digits), key=lambda c: z[c].data) for z in logits)

    def predict(self, seq: tuple[int, ...]) -> tuple[int, ...]:
        with no_grad():
            return self.said(self.forward(seq)["z"])

    def attention(self, seq: tuple[int, ...]) -> list[list[float]]:
        """The attention weights aᵢⱼ for one sequence, as numbers."""
        with no_grad():
            return [[w.data for w in row] for row in self.forward(seq)["a"]]


def _probabilities(z: list[Value]) -> list[float]:
    """softmax(z) computed with floats: pₖ = e^(zₖ − m) / Σⱼ e^(zⱼ − m)."""
    m = max(v.data for v in z)
    exps = [math.exp(v.data - m) for v in z]
    return [e / sum(exps) for e in exps]


class Attention(Tour):
    title = "A transformer, zoomed: self-attention learns to reverse, every gradient checked"
    name = "attention"

    def __init__(self, seed: int = 0, digits: int = 5, length: int = 4, d: int = 8, hidden: int = 16,
                 batch_size: int = 8, lr: float = 0.03, patience: int = 25, max_steps: int = 400,
                 goal: float = 1.0, html: str | Path | None = None) -> None:
        super().__init__()
        self.html = html  # where to write the page that plays the training run, when set
        self.rng = random.Random(seed)
        sequences = list(itertools.product(range(digits), repeat=length))
        self.rng.shuffle(sequences)
        held_out = len(sequences) // 4
        self.test, self.train_set = sequences[:held_out], sequences[held_out:]
        self.model = Reverser(digits, length, d, hidden, seed)
        self.batch_size, self.lr, self.goal = batch_size, lr, goal
        self.patience, self.max_steps = patience, max_steps

    def accuracy(self, sequences: list[tuple[int, ...]]) -> float:
        """The fraction of sequences reversed exactly (every position right)."""
        return sum(self.model.predict(seq) == seq[::-1] for seq in sequences) / len(sequences)

    @step("The task: reverse a sequence of digits")
    def task(self) -> None:
        """The data, generated in code: every sequence of 4 digits from 0 to 4, a quarter held out."""
        m = self.model
        examples = "   ".join(f"{' '.join(map(str, seq))} → {' '.join(map(str, seq[::-1]))}"
                               for seq in self.train_set[:3])
        self.say(f"""
            Every sequence of {m.length} digits from 0 to {m.digits - 1}: {m.digits}^{m.length} =
            {len(self.train_set) + len(self.test)} of them. The model must write each one backwards:
              {examples}
            {len(self.train_set)} sequences are for training and {len(self.test)} are held out: the
            model never sees them until the test.
        """)

    @step("The model: one head of self-attention, in scopes")
    def model_(self) -> None:
        """The model's equations, the scope each part is made in, and how many parameters each has."""
        m = self.model
        self.say(f"""
            Each position i holds a digit tᵢ. In the scopes the engine records (d = {m.d}):
              embedding        xᵢ = E[tᵢ] + P[i]           the digit's vector plus the position's
              attention        qᵢ = Wq·xᵢ, kᵢ = Wk·xᵢ, vᵢ = Wv·xᵢ,   sᵢⱼ = qᵢ·kⱼ/√d
              attention/softmax  aᵢ = softmax(sᵢ)          row i: where position i looks
              attention        hᵢ = Σⱼ aᵢⱼ·vⱼ              what position i reads
              mlp              uᵢ = relu(W1·hᵢ + b1)
              output           zᵢ = Wo·uᵢ + bo             a logit per digit
              loss             J = mean over positions of −log softmax(zᵢ)[target]
            To reverse, position i must read position {m.length - 1} − i: attention is how one
            position reads another, and it has to learn where to look from the positions' vectors P.
        """)
        sizes = {"embedding": ("E, P", len(m.E) * m.d + len(m.P) * m.d),
                 "attention": ("Wq, Wk, Wv", 3 * m.d * m.d),
                 "mlp": ("W1, b1", m.hidden * (m.d + 1)),
                 "output": ("Wo, bo", m.digits * (m.hidden + 1))}
        self.table(["scope", "parameters", "how many"], [[name, *row] for name, row in sizes.items()])
        self.initial_accuracy = self.accuracy(self.test)
        self.say(f"{len(m.parameters())} parameters. Untrained, it reverses {self.initial_accuracy:.1%} "
                 "of the held-out sequences.")
        made_in = collections.Counter(p.scope for p in m.parameters())
        self.verify("each parameter was made in its part's scope (node.scope)",
                    made_in == {name: n for name, (_, n) in sizes.items()},
                    ", ".join(f"{name}: {n}" for name, n in made_in.items()))

    @step("One training step, zoomed out: a block per scope")
    def blocks(self) -> None:
        """One training step's graph, seen as blocks: what flows between the scopes, and the Jacobians."""
        self.batch = self.rng.sample(self.train_set, self.batch_size)
        one, _ = self.model.loss(self.batch[:1])  # one sequence, for a block opened to its scalar nodes
        one.backward()
        self.J, self.parts = self.model.loss(self.batch)
        for p in self.model.parameters():
            p.grad = 0.0
        self.J.backward()
        graph = block_graph(self.J)
        nodes = [node for node in forward_order(self.J) if not node.is_constant]
        self.say(f"""
            One step on a batch of {self.batch_size} sequences builds a graph of {len(nodes):,} nodes:
            too many to look at one by one. Seen by scope it is {len(graph.blocks)} blocks. A block's
            inputs are the values it reads from other blocks; its outputs, its values other blocks read.
        """)
        self.table(["block", "op nodes", "leaves", "inputs", "outputs"],
                   [[b.name, *map(str, (len(b.nodes) - b.leaves, b.leaves, len(b.inputs), len(b.outputs)))]
                    for b in graph.blocks.values()])
        softmax_block = graph.blocks["attention/softmax"]
        (flow,) = [f for f in graph.flows if f.target == softmax_block.name]
        m, k = flow.shape
        self.say(f"""
            Between two blocks A → B flow the k values of A that B reads, and the m outputs of B that
            depend on them do so through an m × k Jacobian J: backward() through B is the matrix chain
            rule δ_inputs = Jᵀ·δ_outputs (δ = ∂J/∂·). The softmax block, for one: its {k} inputs are the
            scores s of the batch, its {m} outputs the weights a, and trace.jacobian gives its {m} × {k} J
            (one reverse pass per output; each row of scores only moves its own row of weights).
        """)
        J = jacobian(list(softmax_block.outputs), list(flow.values))
        self.check(f"δs = Jᵀ·δa for the softmax block (J: {m}×{k}, from trace.jacobian)",
                   [s.grad for s in flow.values],
                   [sum(J[i][j] * a.grad for i, a in enumerate(softmax_block.outputs)) for j in range(k)])
        self.verify("every node of the graph is in exactly one block",
                    sum(len(b.nodes) for b in graph.blocks.values()) == len(nodes) == len(graph.block_of),
                    f"{len(nodes):,} nodes")
        self.say("The picture: a box per block, and on each arrow k and J's shape. Then one block opened, "
                 "the softmax of the first sequence alone, to its scalar nodes (draw_dot(..., expand=...)).")
        self.show_graphs([draw_dot(self.J, rankdir=RANKDIR, by="scope"),
                          draw_dot(one, rankdir="LR", by="scope", expand="attention/softmax")],
                         "one training step by scope, and its softmax opened")

    @step("The output: softmax + cross-entropy gives ∂J/∂z = (p − onehot)/N")
    def output_gradient(self) -> None:
        """At the logits the gradient is prediction minus truth, as for sigmoid + log loss (Z − t)."""
        positions = [(z, t) for part, seq in zip(self.parts, self.batch)
                     for z, t in zip(part["z"], seq[::-1])]
        N = len(positions)
        z, t = positions[0]
        p = _probabilities(z)
        self.say(f"""
            The loss is J = (1/N)·Σ −log pₜ over the N = {N} positions, pₖ = e^zₖ / Σⱼ e^zⱼ. For one
            position, ∂(−log pₜ)/∂zₖ = pₖ − [k = t]: the softmax and the log cancel just as the sigmoid
            and the log loss did in the chain-rule walkthrough (∂J/∂Y = Z − t). With the mean,
              ∂J/∂zₖ = (pₖ − onehot(t)ₖ) / N
            The first position of the first sequence (target {t}):
        """)
        self.table(["k", "zₖ", "pₖ", "engine ∂J/∂zₖ", "(pₖ − [k = t])/N"],
                   [[str(c), z[c].data, p[c], z[c].grad, (p[c] - (c == t)) / N] for c in range(len(z))],
                   digits=5)
        logits = [Value(round(v.data, 2), label=f"z{c}") for c, v in enumerate(z)]
        shown, p_t = ", ".join(f"{v.data:g}" for v in logits), _probabilities(logits)[t]
        one = cross_entropy(logits, t)
        one.label = "J"
        practice = Exercise(one)
        self.ask(practice.grad(
            logits[t], topic="softmax + cross-entropy at the target",
            context=f"one position's loss −log softmax(z)[{t}], z rounded to {shown}; a number or a formula "
                    "in z0 … z4",
            hint=f"∂(−log p_{t})/∂z{t} = p_{t} − 1, with p_{t} = e^z{t} / Σⱼ e^zⱼ",
            solution=f"p_{t} − 1 = {p_t:.4f} − 1 = {p_t - 1:.4f}"))
        self.check("∂J/∂zₖ = (softmax(z)ₖ − onehot(t)ₖ)/N  (every logit of the batch)",
                   [v.grad for zs, _ in positions for v in zs],
                   [(pk - (c == target)) / N for zs, target in positions
                    for c, pk in enumerate(_probabilities(zs))])

    @step("Back through the attention: the gradient reaching Wq, Wk and Wv")
    def attention_gradient(self) -> None:
        """From δhᵢ = ∂J/∂hᵢ back through hᵢ = Σⱼ aᵢⱼ·vⱼ, the softmax and sᵢⱼ = qᵢ·kⱼ/√d to the weights."""
        c = self.model.c
        self.say("""
            The mlp block hands back δhᵢ = ∂J/∂hᵢ. Each formula below is one link of the chain rule, the
            engine's gradient on the right of it computed from the link above:
              hᵢ = Σⱼ aᵢⱼ·vⱼ          ∂J/∂aᵢⱼ = δhᵢ·vⱼ              ∂J/∂vⱼ = Σᵢ aᵢⱼ·δhᵢ
              aᵢ = softmax(sᵢ)        ∂J/∂sᵢⱼ = aᵢⱼ·(∂J/∂aᵢⱼ − Σₖ aᵢₖ·∂J/∂aᵢₖ)
              sᵢⱼ = qᵢ·kⱼ/√d          ∂J/∂qᵢ = Σⱼ ∂J/∂sᵢⱼ·kⱼ/√d     ∂J/∂kⱼ = Σᵢ ∂J/∂sᵢⱼ·qᵢ/√d
              qᵢ = Wq·xᵢ (k, v alike) ∂J/∂Wq = Σᵢ ∂J/∂qᵢ·xᵢᵀ        (summed over every position)
            The softmax line is its Jacobian at work: ∂aᵢⱼ/∂sᵢₖ = aᵢⱼ·([j = k] − aᵢₖ), the matrix
            diag(aᵢ) − aᵢ·aᵢᵀ, and δsᵢ = Jᵀ·δaᵢ. For the first sequence, a and ∂J/∂s:
        """)
        first = self.parts[0]
        self.matrix("a", [[w.data for w in row] for row in first["a"]])
        self.matrix("∂J/∂s", [[w.grad for w in row] for row in first["s"]], digits=5)
        row = [Value(round(w.data, 2), label=f"s{j}") for j, w in enumerate(first["s"][0])]
        a0 = softmax(row)[0]
        a0.label = "a0"
        self.ask(Exercise(a0).grad(
            row[0], topic="the softmax's Jacobian, on its diagonal",
            context=f"a0 = softmax(s)[0] with s = ({', '.join(f'{w.data:g}' for w in row)}); a number or a "
                    "formula in s0 … s3 and a0",
            hint="∂aᵢ/∂sᵢ = aᵢ·(1 − aᵢ): the sigmoid's derivative again",
            solution=f"a0·(1 − a0) = {a0.data:.4f} × {1 - a0.data:.4f} = {a0.data * (1 - a0.data):.4f}"))
        T, d = range(self.model.length), range(self.model.d)
        engine_a, formula_a, engine_s, formula_s, engine_v, formula_v = [], [], [], [], [], []
        engine_qk, formula_qk = [], []
        for part in self.parts:
            a, h, v, s, q, k = (part[name] for name in "ahvsqk")
            for i in T:
                for j in T:
                    engine_a.append(a[i][j].grad)
                    formula_a.append(sum(h[i][r].grad * v[j][r].data for r in d))
                mean = sum(a[i][m].data * a[i][m].grad for m in T)
                engine_s += [s[i][j].grad for j in T]
                formula_s += [a[i][j].data * (a[i][j].grad - mean) for j in T]
            for j in T:
                engine_v += [v[j][r].grad for r in d]
                formula_v += [sum(a[i][j].data * h[i][r].grad for i in T) for r in d]
            for i in T:
                engine_qk += [q[i][r].grad for r in d] + [k[i][r].grad for r in d]
                formula_qk += [sum(s[i][j].grad * k[j][r].data for j in T) * c for r in d]
                formula_qk += [sum(s[j][i].grad * q[j][r].data for j in T) * c for r in d]
        self.check("∂J/∂aᵢⱼ = δhᵢ·vⱼ", engine_a, formula_a)
        self.check("∂J/∂sᵢⱼ = aᵢⱼ·(∂J/∂aᵢⱼ − Σₖ aᵢₖ·∂J/∂aᵢₖ)   (δsᵢ = Jᵀ·δaᵢ)", engine_s, formula_s)
        self.check("∂J/∂vⱼ = Σᵢ aᵢⱼ·δhᵢ", engine_v, formula_v)
        self.check("∂J/∂qᵢ = Σⱼ ∂J/∂sᵢⱼ·kⱼ/√d  and  ∂J/∂kⱼ = Σᵢ ∂J/∂sᵢⱼ·qᵢ/√d", engine_qk, formula_qk)
        for name, W in (("q", self.model.Wq), ("k", self.model.Wk), ("v", self.model.Wv)):
            outer = [[sum(part[name][i][r].grad * part["x"][i][col].data for part in self.parts for i in T)
                      for col in d] for r in d]
            self.check(f"∂J/∂W{name} = Σᵢ ∂J/∂{name}ᵢ·xᵢᵀ  (every position of the batch)",
                       [[w.grad for w in row] for row in W], outer)

    @step("One update: Wv ← Wv − α·∂J/∂Wv")
    def update(self) -> None:
        """Gradient descent on one weight matrix, Wv, and the batch's loss goes down."""
        Wv, alpha = self.model.Wv, 0.5
        before = [[w.data for w in row] for row in Wv]
        grads = [[w.grad for w in row] for row in Wv]
        self.say(f"""
            Every weight moves against its gradient; here only Wv, with α = {alpha:g}:
              Wv ← Wv − α·∂J/∂Wv        (∂J/∂Wv = Σᵢ ∂J/∂vᵢ·xᵢᵀ, from the step before)
            Its first row, before, its gradient, and after:
        """)
        w = Wv[0][0]
        self.ask(Exercise(self.J).ask(
            f"{w.label} after the step", lambda point: point.value(w) - alpha * point.grad(w),
            topic="a gradient-descent update", context=f"α = {alpha:g}; a number",
            hint=f"{w.label} ← {w.label} − α·∂J/∂{w.label}",
            solution=f"{w.data:.4f} − {alpha:g} × {w.grad:.5f} = {w.data - alpha * w.grad:.4f}"))
        SGD([w for row in Wv for w in row], lr=alpha).step()
        self.matrix("Wv[0] before", [before[0]])
        self.matrix("∂J/∂Wv[0]", [grads[0]], digits=5)
        self.matrix("Wv[0] after", [[w.data for w in Wv[0]]])
        self.check("Wv ← Wv − α·∂J/∂Wv  (all of it)", [[w.data for w in row] for row in Wv],
                   [[b - alpha * g for b, g in zip(rb, rg)] for rb, rg in zip(before, grads)])
        J_before, (J_after, _) = self.J.data, self.model.loss(self.batch)
        self.verify("the batch's loss went down", J_after.data < J_before,
                    f"{J_before:.6f} → {J_after.data:.6f}")

    @step("Training: Adam until it reverses every sequence it sees")
    def train(self) -> None:
        """Train every parameter with Adam on batches of sequences until it gets batch after batch
        right, then test it on the held-out sequences."""
        self.say(f"""
            Each step: a batch of {self.batch_size} training sequences, the loss, zero_grad, backward,
            and Adam(lr={self.lr:g}) updates all {len(self.model.parameters())} parameters. It stops when
            {self.patience} batches in a row come out reversed exactly (at most {self.max_steps} steps).
        """)
        optimizer = Adam(self.model.parameters(), lr=self.lr)
        shown = self.test[:PAGE_EXAMPLES]
        targets = [seq[::-1] for seq in shown]
        recorder = None if self.html is None else TrainingRecorder(self.model, shown, targets)
        start, in_a_row = time.perf_counter(), 0
        for k in range(1, self.max_steps + 1):
            batch = self.rng.sample(self.train_set, self.batch_size)
            J, parts = self.model.loss(batch)
            right = all(self.model.said(part["z"]) == seq[::-1] for part, seq in zip(parts, batch))
            in_a_row = in_a_row + 1 if right else 0
            optimizer.zero_grad()
            J.backward()
            optimizer.step()
            if recorder is not None:
                recorder.record(J, optimizer.lr)
            self.progress(k, self.max_steps, f"loss {J.data:.4f}, {in_a_row} batches in a row right")
            if in_a_row == self.patience:
                break
        self.seconds, self.steps_taken = time.perf_counter() - start, k
        self.test_accuracy = self.accuracy(self.test)
        self.say(f"{k} steps ({k * self.batch_size:,} sequences seen) in {self.seconds:.1f} s. Held out: "
                 f"{self.test_accuracy:.1%} of the {len(self.test)} sequences reversed exactly (untrained: "
                 f"{self.initial_accuracy:.1%}).")
        self.verify(f"at least {self.goal:.0%} of the held-out sequences reversed",
                    self.test_accuracy >= self.goal, f"{self.test_accuracy:.1%}")
        if recorder is not None and self.html is not None:
            self.page = recorder.write_html(self.html, title="Attention: one head learns to reverse digits")
            self.say(f"The training run, step by step: {self.page} (open it in a browser, no network needed)")

    @step("What the attention learned: position i reads position 3 − i")
    def learned(self) -> None:
        """The trained attention weights: each position looks at its mirror image."""
        T = self.model.length
        seq = self.test[0]
        self.say(f"The attention weights aᵢⱼ for the held-out sequence {' '.join(map(str, seq))} "
                 "(row i: where position i looks):")
        self.matrix("a", self.model.attention(seq))
        looks = [(s, i, max(range(T), key=row.__getitem__)) for s in self.test
                 for i, row in enumerate(self.model.attention(s))]
        self.mirrored = sum(j == T - 1 - i for _, i, j in looks) / len(looks)
        self.right_digit = sum(s[j] == s[T - 1 - i] for s, i, j in looks) / len(looks)
        self.say(f"""
            Nobody told it where to look: Wq and Wk learned to make qᵢ·kⱼ largest for j = {T - 1} − i, from
            the position vectors P. Over the {len(self.test)} held-out sequences, {self.mirrored:.1%} of the
            positions look hardest at their mirror image, and {self.right_digit:.1%} at a position holding
            the digit they must write (the mirror image, or a copy of its digit).
        """)


def tour(seed: int = 0, **kwargs) -> Attention:
    """The attention walkthrough; ``seed`` draws the split, the batches and the initial weights."""
    return Attention(seed=seed, **kwargs)


if __name__ == "__main__":
    raise SystemExit(main(tour))
