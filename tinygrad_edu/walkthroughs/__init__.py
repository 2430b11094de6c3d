"""Walkthroughs that derive backpropagation's formulas and check each one against the engine.

They are installed with the package. Run one with ``tinygrad-edu demo NAME`` (``tinygrad-edu demo``
lists them; from the repository root ``python -m demos.NAME`` works too), or step through it in a
REPL: ``from tinygrad_edu.walkthroughs import chain_rule; tour = chain_rule.tour(); tour.next()``.
"""

# name -> what it shows, in the order to read them
DEMOS = {
    "chain_rule": "one sigmoid neuron with log loss: why ∂J/∂W = (Z − t)·X and ∂J/∂X = W·(Z − t)",
    "gradient_descent": "W ← W − α·J′(W) on (W − 3)²: a step size that converges, oscillates, diverges",
    "backprop_layers": "a 2-layer sigmoid network: δ² = O − Y, δ¹ = (W²ᵀδ²) ⊙ H ⊙ (1 − H), ∂J/∂W = δ ⊗ input",
    "minibatch": "a mini-batch gradient as the mean of per-example gradients and as Jacobian products",
    "moons": "micrograd's classic: an MLP learns two moons with hinge loss + L2 to 100% accuracy",
    "digits": "softmax classification of 5×7 digit bitmaps: a gradient check, then ≥ 90% held out",
}


def listing(command: str) -> str:
    """The walkthroughs, one a line, and how to run them with ``command`` (``python -m demos``, ...)."""
    width = max(map(len, DEMOS))
    options = "[--no-pause] [--svg-dir DIR] [--seed N] [--quiz] [--notebook FILE]"
    lines = [f"Walkthroughs ({command} NAME {options};",
             f"{command} NAME --help lists all of one's options, such as --html FILE for moons and digits):",
             ""]
    lines += [f"  {name:<{width}}  {what}" for name, what in DEMOS.items()]
    lines += ["", "In a REPL: from tinygrad_edu.walkthroughs import chain_rule; tour = chain_rule.tour(); "
              "tour.next()"]
    return "\n".join(lines) + "\n"


def run(name: str, argv: list[str] | None = None,
        command: str = "python -m tinygrad_edu.walkthroughs") -> int:
    """Run the walkthrough ``name`` as its command line would, with the options ``argv``; returns
    the exit status (0: every check passed; 2: a usage error, such as a name that is no walkthrough).
    ``command`` is what the user typed before the name (``tinygrad-edu demo``, ``python -m demos``)."""
    import importlib
    import sys

    from .tour import main

    if name not in DEMOS:
        print(f"usage: {command} [NAME [options]]\n{command}: error: no walkthrough named {name!r}; "
              f"choose from {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"{__name__}.{name}")
    return main(module.tour, argv, prog=f"{command} {name}")
