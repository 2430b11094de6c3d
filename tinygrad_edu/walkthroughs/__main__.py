"""``python -m demos``: list the walkthroughs and how to run them."""

from tinygrad_edu.walkthroughs import DEMOS

width = max(map(len, DEMOS))
print("Walkthroughs (python -m demos.NAME [--no-pause] [--svg-dir DIR] [--seed N]):\n")
for name, what in DEMOS.items():
    print(f"  {name:<{width}}  {what}")
print("\nIn a REPL: from tinygrad_edu.walkthroughs import chain_rule; tour = chain_rule.tour(); tour.next()")
