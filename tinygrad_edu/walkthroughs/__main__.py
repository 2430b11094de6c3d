"""``python -m demos`` lists the walkthroughs; ``python -m demos NAME [options]`` runs one."""

import sys

from tinygrad_edu.walkthroughs.command import demo

# python -m demos (from the repository root) or python -m tinygrad_edu.walkthroughs
command = f"python -m {__spec__.parent if __spec__ else 'tinygrad_edu.walkthroughs'}"
raise SystemExit(demo(sys.argv[1:], command))
