"""The walkthroughs' command line, one entry point for every way to start one.

``tinygrad-edu demo [NAME [options]]`` (through tinygrad_edu.__main__), ``python -m demos [NAME
[options]]`` and ``python -m tinygrad_edu.walkthroughs`` call ``demo(argv, command)``: no name lists the
walkthroughs, a name runs that one. Each walkthrough's own ``python -m demos.NAME`` calls
``main(tour)``, which ``demo`` calls too: it parses the options, then plays the tour, quizzes, or
writes it as a notebook. This module sits above the Tour and the notebook writer and below the
walkthroughs, which it finds by name (``importlib``), so nothing imports upward.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from tinygrad_edu.cli import argument
from tinygrad_edu.files import output_dir, output_file, shorten
from tinygrad_edu.quiz import line_editing, read_answers

from . import DEMOS
from .notebook import notebook_file, write_notebook
from .tour import Tour

__all__ = ["demo", "listing", "main", "run", "TRAINING_PAGE"]

OPTIONS = "[--no-pause] [--seed N] [--notebook FILE]"  # every walkthrough's; NAME --help lists the rest
# A walkthrough that trains a model (moons, digits, attention) takes --html FILE: its OPTIONS (see main)
TRAINING_PAGE = {"--html": {
    "type": argument(output_file, suffixes=(".html",)), "metavar": "FILE",
    "help": "write a page (FILE.html, offline) that plays the training run step by step"}}


def demo(argv: Sequence[str], command: str) -> int:
    """``command [NAME [options]]``: list the walkthroughs (no NAME, or -h/--help), or run NAME with
    its options; returns the exit status. ``command`` is what the user typed before the name."""
    if not argv or argv[0] in ("-h", "--help"):
        print(listing(command), end="")
        return 0
    return run(argv[0], argv[1:], command)


def listing(command: str) -> str:
    """The walkthroughs, one a line, and how to run them with ``command`` (``python -m demos``, ...)."""
    width = max(map(len, DEMOS))
    lines = [f"Walkthroughs ({command} NAME {OPTIONS};",
             f"{command} NAME --help lists all of one's options, such as --quiz, --svg-dir DIR "
             "or --html FILE):",
             ""]
    lines += [f"  {name:<{width}}  {what}" for name, what in DEMOS.items()]
    lines += ["", "In a REPL: from tinygrad_edu.walkthroughs import chain_rule; tour = chain_rule.tour(); "
              "tour.next()"]
    return "\n".join(lines) + "\n"


def run(name: str, argv: Sequence[str] | None = None,
        command: str = "python -m tinygrad_edu.walkthroughs") -> int:
    """Run the walkthrough ``name`` as its command line would, with the options ``argv``; returns
    the exit status (0: every check passed; 2: a usage error, such as a name that is no walkthrough).
    ``command`` is what the user typed before the name (``tinygrad-edu demo``, ``python -m demos``)."""
    if name not in DEMOS:
        print(f"usage: {command} [NAME [options]]\n{command}: error: no walkthrough named "
              f"{shorten(repr(name), 60)}; "
              f"choose from {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"{__package__}.{name}")
    return main(module.tour, argv, prog=f"{command} {name}")


def main(make_tour: Callable[..., Tour], argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run a demo from the shell: every step, waiting for Enter between steps in a terminal; or,
    with --notebook, write it as a Jupyter notebook instead. ``prog`` names the command in usage."""
    module = sys.modules[make_tour.__module__]
    doc = module.__doc__ or ""
    # Run as python -m demos.NAME the module is __main__; its spec still knows the real name.
    spec = getattr(module, "__spec__", None)
    parser = argparse.ArgumentParser(
        prog=prog or f"python -m {spec.name if spec else module.__name__}",
        description=doc.strip().split("\n\n")[0],
        epilog="Waits for Enter between steps only when standard input is a terminal.",
    )
    parser.add_argument("--no-pause", action="store_true", help="never wait for Enter between steps")
    # Offered only by a walkthrough that uses it: one whose module says DRAWS_PICTURES = False (or
    # ASKS_QUESTIONS = False) has nothing to write to --svg-dir (nothing to ask with --quiz).
    if getattr(module, "DRAWS_PICTURES", True):
        parser.add_argument("--svg-dir", type=argument(output_dir), metavar="DIR",  # checked before any step
                            help="write each step's graph there as SVG")
    parser.add_argument("--seed", type=int, help="seed for the random numbers (the demo's default otherwise)")
    parser.add_argument("--notebook", type=argument(notebook_file), metavar="FILE",
                        help="write the walkthrough as a Jupyter notebook (FILE.ipynb) instead of running it")
    if getattr(module, "ASKS_QUESTIONS", True):
        parser.add_argument("--quiz", action="store_true",
                            help="your turn: each formula is asked for before it is shown, and checked")
        parser.add_argument("--answers", type=argument(read_answers), metavar="FILE",
                            help="quiz with the answers in FILE, one a line (# starts a comment)")
    # A walkthrough's own options (moons: --html FILE), declared in its module as OPTIONS = {flag:
    # add_argument's keywords}; each one given is passed to make_tour by name (--html -> html=).
    options = getattr(module, "OPTIONS", {})
    for flag, settings in options.items():
        parser.add_argument(flag, **settings)
    args = parser.parse_args(argv)
    kwargs = {name: getattr(args, name) for name in (flag.lstrip("-").replace("-", "_") for flag in options)
              if getattr(args, name) is not None}
    tour = make_tour(**kwargs) if args.seed is None else make_tour(seed=args.seed, **kwargs)
    if args.notebook is not None:
        write_notebook(tour, args.notebook, seed=args.seed)
        print(f"wrote {args.notebook}: open it in Jupyter, or run it with jupyter execute {args.notebook}")
        return 0
    tour.svg_dir = getattr(args, "svg_dir", None)
    quizzing = getattr(args, "quiz", False) or getattr(args, "answers", None) is not None
    if quizzing:
        if args.answers is None:
            line_editing()
        tour.quiz(args.answers)
    try:
        ok = tour.play(pause=not args.no_pause and sys.stdin.isatty())
    except (KeyboardInterrupt, EOFError):
        print("\n(stopped)" + (f"\n\n{tour.score()}" if quizzing else ""))
        return 130
    if tour.svg_dir is not None and not tour.pictures:
        print(f"({tour.name} draws no pictures: nothing was written to {args.svg_dir})")
    return 0 if ok else 1
