"""The ``tinygrad-edu`` command, and ``python -m tinygrad_edu``: the top of the package's layers.

Every command is the library's (cli) except ``tinygrad-edu demo``, which runs the walkthroughs
(walkthroughs.command). The two meet here, so neither imports the other.
"""

from __future__ import annotations

from . import cli
from .walkthroughs import command


def main(argv: list[str] | None = None) -> int:
    """Run ``tinygrad-edu`` with ``argv`` (sys.argv[1:] when None); returns the exit status."""
    return cli.main(argv, demo=command.demo)


if __name__ == "__main__":
    raise SystemExit(main())
