"""``python -m demos`` lists the walkthroughs; ``python -m demos NAME [options]`` runs one."""

import sys

from tinygrad_edu.walkthroughs import DEMOS, listing, run

# python -m demos (from the repository root) or python -m tinygrad_edu.walkthroughs
command = f"python -m {__spec__.parent if __spec__ else 'tinygrad_edu.walkthroughs'}"
args = sys.argv[1:]
if not args or args[0] in ("-h", "--help"):
    print(listing(command), end="")
elif args[0] not in DEMOS:
    print(f"usage: {command} [NAME [options]]\n{command}: error: no walkthrough named {args[0]!r}; "
          f"choose from {', '.join(DEMOS)}", file=sys.stderr)
    raise SystemExit(2)
else:
    raise SystemExit(run(args[0], args[1:], prog=f"{command} {args[0]}"))
