"""``python -m demos`` lists the walkthroughs; ``python -m demos NAME [options]`` runs one."""

import sys

from tinygrad_edu.walkthroughs import listing, run

# python -m demos (from the repository root) or python -m tinygrad_edu.walkthroughs
command = f"python -m {__spec__.parent if __spec__ else 'tinygrad_edu.walkthroughs'}"
if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
    print(listing(command), end="")
else:
    raise SystemExit(run(sys.argv[1], sys.argv[2:], command))
