"""The README's pictures of the pages, photographed in headless Chromium (``make docs``).

    python docs/screenshot.py docs/stepper.png [--step 4]         # the stepper page of a neuron
    python docs/screenshot.py docs/training.png --training [--step 25]
                                  # the page of the moons walkthrough's training run (tinygrad_edu.recorder)

The browser is the tests' (tests/browser.py: a fresh headless Chromium that loads ``file:`` URLs and
refuses the network), so the README's pictures come from the browser the tests check the pages in.
Needs Playwright (the ``browser`` extra) and Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

from tinygrad_edu import Value
from tinygrad_edu.cli import argument
from tinygrad_edu.files import output_file, write_atomic
from tinygrad_edu.stepper import write_stepper_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository root
from tests.browser import missing_browser, offline_page  # noqa: E402 (found through the line above)


def neuron() -> Value:
    """The neuron of Karpathy's lecture: o = tanh(x1·w1 + x2·w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def training_page(folder: Path) -> Path:
    """The page ``python -m demos.moons --html`` writes, in ``folder``."""
    from tinygrad_edu.walkthroughs import moons

    tour = moons.tour(html=folder / "moons.html")
    tour.out = io.StringIO()  # the walkthrough's text is not the picture
    if not tour.play():
        raise SystemExit(tour.out.getvalue())
    return tour.page


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python docs/screenshot.py",
        description="Photograph the stepper page of a neuron, o = tanh(x1*w1 + x2*w2 + b), in headless "
                    "Chromium (the README's picture).")
    parser.add_argument("png", metavar="PNG", type=argument(output_file, suffixes=(".png",)),
                        help="where to write the picture (checked before the browser starts)")
    parser.add_argument("--step", type=int, help="the step to show (default 4; with --training 25)")
    parser.add_argument("--training", action="store_true",
                        help="the page of the moons walkthrough's training run instead (python -m "
                             "demos.moons --html): its 100 steps are trained first, a few seconds")
    args = parser.parse_args(argv)
    if (reason := missing_browser()) is not None:
        parser.error(reason)
    with tempfile.TemporaryDirectory() as tmp:
        if args.training:
            page_path, presses = training_page(Path(tmp)), (args.step or 25) - 1
        else:
            page_path = write_stepper_html(neuron(), Path(tmp) / "stepper.html",
                                           title="Backpropagation through o = tanh(x1·w1 + x2·w2 + b)")
            presses = 4 if args.step is None else args.step
        with offline_page(width=1280, height=900) as (page, blocked):  # a laptop's window
            page.goto(page_path.as_uri())
            for _ in range(presses):
                page.keyboard.press("ArrowRight")
            write_atomic(args.png, page.screenshot(full_page=args.training))
    if blocked:
        raise SystemExit(f"the page tried to fetch {blocked}")
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
