"""Walkthroughs that derive backpropagation's formulas and check each one against the engine.

They are installed with the package. Run one with ``tinygrad-edu demo NAME`` (``tinygrad-edu demo``
lists them; from the repository root ``python -m demos.NAME`` works too), or step through it in a
REPL: ``from tinygrad_edu.walkthroughs import chain_rule; tour = chain_rule.tour(); tour.next()``.
Their command line is ``walkthroughs.command``.
"""

# name -> what it shows, in the order to read them
DEMOS = {
    "chain_rule": "one sigmoid neuron with log loss: why ∂J/∂W = (Z − t)·X and ∂J/∂X = W·(Z − t)",
    "gradient_descent": "W ← W − α·J′(W) on (W − 3)²: a step size that converges, oscillates, diverges",
    "backprop_layers": "a 2-layer sigmoid network: δ² = O − Y, δ¹ = (W²ᵀδ²) ⊙ H ⊙ (1 − H), ∂J/∂W = δ ⊗ input",
    "minibatch": "a mini-batch gradient as the mean of per-example gradients and as Jacobian products",
    "moons": "micrograd's classic: an MLP learns two moons with hinge loss + L2 to 100% accuracy",
    "digits": "softmax classification of 5×7 digit bitmaps: a gradient check, then ≥ 90% held out",
    "attention": "one-head self-attention learns to reverse digits: a step by scope, p − onehot, ∂J/∂Wq,k,v",
}
