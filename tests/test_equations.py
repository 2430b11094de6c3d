"""equations: a network's layer equations with its numbers, each checked against the engine."""

import random
import re

import pytest

from tinygrad_edu import equations, losses, mathpage
from tinygrad_edu.equations import LOSSES, explain_network, network_equations
from tinygrad_edu.nn import MLP

X1 = [0.1, 0.5, 0.3, 0.9]
XB = [[0.1, 0.5, 0.3, 0.9], [0.2, 0.4, 0.6, 0.8], [0.9, 0.1, 0.5, 0.5]]
TB = [[1, 0], [0, 1], [1, 1]]


def net_432():
    return MLP(4, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=0)


@pytest.mark.parametrize("X, T", [(X1, [1, 0]), (XB, TB)])
@pytest.mark.parametrize("layout", ["ng", "cs231n"])
def test_a_4_3_2_sigmoid_network_with_log_loss_every_check_passing(X, T, layout):
    """The issue's done-when: δ², δ¹, ∂J/∂Θ¹, ∂J/∂Θ² (∂J/∂W, ∂J/∂b in CS231n's layout), all ✓."""
    text = explain_network(net_432(), X, T, loss="log_loss", layout=layout, lr=0.5)
    assert "✗" not in text and "FAILED" not in text
    wanted = ["δ² = a² − t", "δ¹ = (W²ᵀ·δ²) ⊙ f′(z¹)" if layout == "ng" else "δ¹ = (δ²·W²ᵀ) ⊙ f′(z¹)"]
    wanted += (["∂J/∂Θ²", "∂J/∂Θ¹", "Θ¹ ← Θ¹ − α·∂J/∂Θ¹"] if layout == "ng" else
               ["∂J/∂W²", "∂J/∂W¹", "∂J/∂b¹", "W¹ ← W¹ − α·∂J/∂W¹", "b¹ ← b¹ − α·∂J/∂b¹"])
    for equation in wanted:
        assert equation in text
    checks = [line for line in text.splitlines() if line.lstrip().startswith("✓")]
    assert len(checks) == (4 if layout == "ng" else 6) + (len(X) == 3)
    assert text.rstrip().endswith(f"All {len(checks)} checks passed: every equation agrees with the engine's "
                                  "scalar gradients.")
    shapes = ["(2×4)", "(3×5)"] if layout == "ng" else ["(3×2)", "(4×3)"]
    assert all(shape in text for shape in shapes)


def test_the_batch_is_the_mean_as_a_jacobian_product():
    eq = network_equations(net_432(), XB, TB, losses.log_loss)
    assert eq.mean_row == pytest.approx([1 / 3] * 3)
    assert len(eq.example_jacobian) == 3 and len(eq.example_jacobian[0]) == 23
    assert eq.batch_mean == pytest.approx(eq.engine_grads, abs=1e-15)


def _case(rng, loss, trial):
    activation = rng.choice(["sigmoid", "tanh", "relu", "linear"])
    fixed = {"log_loss": "sigmoid", "cross_entropy": "linear"}
    out = fixed.get(loss) or rng.choice(["linear", "tanh", "sigmoid"])
    model = MLP(3, [4, 3, 2], activation=activation, output_activation=out, seed=trial)
    for p in model.parameters():
        p.data = rng.uniform(-1, 1)  # biases too
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(rng.choice([1, 2, 4]))]
    if loss == "cross_entropy":
        T = [rng.randrange(2) for _ in X]
    elif loss == "hinge":
        T = [[rng.choice([-1, 1]) for _ in range(2)] for _ in X]
    else:
        T = [[float(rng.random() < 0.5) for _ in range(2)] for _ in X]
    return model, X, T


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("trial", range(4))
def test_every_loss_and_activation_agrees_with_the_engine(loss, trial):
    rng = random.Random(trial)
    model, X, T = _case(rng, loss, trial)
    grads = [p.grad for p in model.parameters()]
    for layout in ("ng", "cs231n"):
        text = explain_network(model, X, T, loss, layout=layout, lr=0.1)
        assert "FAILED" not in text and "✓" in text
    assert [p.grad for p in model.parameters()] == grads  # pure: no .grad changed
    eq = network_equations(model, X, T, loss)
    for layer in eq.layers:
        for got, want in ((layer.delta, layer.engine_delta), (layer.dW, layer.engine_dW)):
            flat = [v for row in want for v in row]
            assert [v for row in got for v in row] == pytest.approx(flat, abs=1e-12)


def test_a_wrong_derivative_fails_its_check(monkeypatch):
    """A hand-made wrong rule (σ′ = a, missing the 1 − a) must show ✗, not ✓."""
    monkeypatch.setitem(equations._SLOPES, "sigmoid", ("a", lambda z, a: a))
    text = explain_network(net_432(), X1, [1, 0], "log_loss")
    assert "✗ FAILED: δ¹ = ∂J/∂z¹ does not agree with the engine's gradients" in text
    assert "✗ FAILED: ∂J/∂Θ¹" in text and "✓ δ² = ∂J/∂z²" in text  # δ² collapses: needs no σ′
    assert text.rstrip().endswith("2 of 4 checks FAILED.")


def test_every_printed_line_holds_at_its_printed_precision():
    # the precision chosen makes every relation hold; here at 4 significant digits
    model, X, T = _case(random.Random(7), "mse", 7)
    page = mathpage.Page()
    equations._write_ng(network_equations(model, X, T, "mse"), page, 0.1)
    digits = mathpage.precision(page.relations)
    assert digits == 4 and all(r.holds(digits) for r in page.relations)
    # 2 × 0.0024665 = 0.004933: printed 2.000 × 0.002467 = 0.004933, within their rounding
    product = mathpage.Relation(lambda a, b: a * b, (2.0, 0.0024665), 0.004933)
    assert product.holds(4)
    assert not mathpage.Relation(lambda a, b: a * b, (2.0, 0.0024665), 0.0049).holds(4)


@pytest.mark.parametrize("style, marks", [("markdown", ["$$", r"\begin{bmatrix}", r"$\checkmark$"]),
                                          ("latex", [r"\[", r"\begin{bmatrix}", r"\Theta^{1}", r"\par"])])
def test_markdown_and_latex(style, marks):
    text = explain_network(net_432(), XB, TB, "log_loss", style=style)
    assert all(mark in text for mark in marks)
    assert "✓" not in text and "δ²" not in text and r"\delta^{2}" in text
    if style == "latex":  # plain ASCII: every symbol a TeX command, every brace closed
        assert all(ord(c) < 128 for c in text)
        assert text.count("{") - text.count(r"\{") == text.count("}") - text.count(r"\}")


def test_numbers_have_four_significant_digits_or_are_exact():
    numbers = (0.00246651, 1.808e-05, -0.46078550638, 0.09, 1.0, 0.0, 123456.7)
    assert [mathpage.number(x, 4, exact=True) for x in numbers] == [
        "0.002467", "1.808e-05", "-0.4608", "0.09", "1", "0", "123457"]


def test_a_large_matrix_is_shown_by_its_shape_and_corners():
    model = MLP(20, [12, 3], activation="tanh", seed=1)
    text = explain_network(model, [0.1] * 20, [0.0, 1.0, 0.0], "mse")
    assert "(12×21)" in text and "…" in text and "⋮" in text and "FAILED" not in text


@pytest.mark.parametrize("call, error, message", [
    (lambda: explain_network(net_432(), X1, [1, 0], "l2"), ValueError, "loss must be one of mse, log_loss"),
    (lambda: explain_network(net_432(), X1, [1, 0], "mse", layout="torch"), ValueError, "layout must be"),
    (lambda: explain_network(net_432(), X1, [1, 0], "mse", style="html"), ValueError, "style must be"),
    (lambda: explain_network(net_432(), [1, 2], [1, 0], "mse"), ValueError, "example 0 of X must be"),
    (lambda: explain_network(net_432(), XB, [[1, 0]], "mse"), ValueError, "a batch of 3 examples needs"),
    (lambda: explain_network(net_432(), X1, 3, "cross_entropy"), ValueError, "class index from 0 to 1"),
    (lambda: explain_network(net_432(), X1, [1, 0], "mse", lr=-1), ValueError, "lr must be positive"),
    (lambda: explain_network("net", X1, [1, 0], "mse"), TypeError, "an nn.MLP, got str"),
    (lambda: explain_network(net_432(), [0.1, "a", 0, 0], [1, 0], "mse"), TypeError, r"X\[1\] must be a"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("layout, shapes", [
    ("ng", {"δ²": (2, 3), "∂J/∂Θ²": (2, 4), "δ¹": (3, 3), "∂J/∂Θ¹": (3, 5)}),
    ("cs231n", {"δ²": (3, 2), "∂J/∂W²": (3, 2), "δ¹": (3, 3), "∂J/∂W¹": (4, 3)}),
])
def test_layer_questions_are_checked_by_the_engine(layout, shapes):
    model, X, T = equations.example([4, 3, 2], batch=3)
    questions = equations.layer_questions(model, X, T, "log_loss", layout=layout)
    asked = {q.prompt: q for q in questions}
    for name, (rows, columns) in shapes.items():
        assert asked[f"the number of rows of {name}"].check(str(rows)).ok
        assert asked[f"the number of columns of {name}"].check(str(columns)).ok
        assert asked[f"the number of rows of {name}"].check(str(rows + 1)).status == "wrong"
    eq = network_equations(model, X, T, "log_loss")
    for l in (1, 2):
        entry = asked[f"δ{'¹²'[l - 1]}₁ of example 1"]
        true = eq.layers[l - 1].delta[0][0]
        assert entry.answer == pytest.approx(true, abs=1e-15)
        assert entry.check(f"{true:.6f}").ok and entry.check(f"{true + 0.1:.6f}").status == "wrong"
    assert [q.topic for q in questions[:5]] == [
        f"the shape of δˡ ({'Ng' if layout == 'ng' else 'CS231n'})"] * 2 + [
        f"the shape of {'∂J/∂Θˡ' if layout == 'ng' else '∂J/∂Wˡ'}"] * 2 + ["an entry of δˡ"]


def test_the_example_network():
    model, x, t = equations.example([4, 3, 2], loss="cross_entropy", seed=3)
    assert repr(model) == "MLP(4 -> [3 sigmoid, 2 linear])" and len(x) == 4 and t in (0, 1)
    assert any(p.data != 0 for n in model.layers[0].neurons for p in [n.b])  # biases drawn
    assert "FAILED" not in explain_network(model, x, t, "cross_entropy")


def test_the_command_prints_the_equations(capsys):
    from tinygrad_edu.cli import main

    argv = ["layers", "4,3,2", "--activation", "sigmoid", "--loss", "log_loss", "--batch", "3",
            "--layout", "ng", "--style", "text", "--seed", "0", "--lr", "0.5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    model, X, T = equations.example([4, 3, 2], "sigmoid", "log_loss", 3, 0)
    assert out == explain_network(model, X, T, "log_loss", layout="ng", lr=0.5)
    assert "Θ¹ ← Θ¹ − α·∂J/∂Θ¹" in out and out.rstrip().endswith("All 5 checks passed: every equation agrees "
                                                                  "with the engine's scalar gradients.")


def test_the_command_fails_when_a_check_fails(monkeypatch, capsys):
    from tinygrad_edu.cli import main

    monkeypatch.setitem(equations._SLOPES, "tanh", ("1 − a", lambda z, a: 1.0 - a))
    assert main(["layers", "2,3,1", "--activation", "tanh", "--loss", "mse"]) == 1
    assert "✗ FAILED: δ¹" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["layers", "4"], "expected the inputs and each layer's size"),
    (["layers", "4,0,2"], "each from 1 to 100"),
    (["layers", "4,3,2", "--batch", "0"], "a whole number from 1 to 100"),
    (["layers", "4,3,2", "--lr", "-1"], "a positive number"),
    (["layers", "4,3,2", "--loss", "l1"], "invalid choice"),
    (["layers", "4,3,2", "--output-activation", "tanh"], "--loss log_loss takes probabilities"),
])
def test_bad_options_exit_2_before_any_work(argv, message, capsys, monkeypatch):
    from tinygrad_edu import cli

    monkeypatch.setattr(cli, "explain_network", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    assert exit.value.code == 2 and message in capsys.readouterr().err


def test_the_readme_shows_what_the_command_prints(capsys):
    from pathlib import Path

    from tinygrad_edu.cli import main

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The layer equations of a network", 1)[1]
    command, printed = re.findall(r"```(?:bash|text)\n(.*?)```", section, flags=re.S)[:2]
    argv = command.split()
    assert argv[0] == "tinygrad-edu" and main(argv[1:]) == 0
    assert capsys.readouterr().out == printed
