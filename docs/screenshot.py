"""The README's pictures of the pages, photographed in headless Chromium (``make docs``).

    python docs/screenshot.py docs/stepper.png [--step 4]         # the stepper page of a neuron
    python docs/screenshot.py docs/training.png --training [--step 25]
                                  # the page of the moons walkthrough's training run (tinygrad_edu.recorder)

``offline_page`` is that browser: a fresh profile that loads ``file:`` URLs and refuses the network.
The tests use it too (tests/conftest.py), to check the pages the package writes in a real browser;
it lives here, outside the package, because the package itself never starts a browser.
Needs Playwright (the ``browser`` extra) and Debian's ``chromium``.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tinygrad_edu import Value
from tinygrad_edu.files import argument, output_file, write_atomic
from tinygrad_edu.stepper import write_stepper_html

CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing_browser(executable: str = CHROMIUM) -> str | None:
    """Why ``offline_page`` cannot start here (a reason to skip a test), or None when it can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install .[browser])"
    if not Path(executable).exists():
        return f"Chromium is not installed at {executable} (apt-get install chromium)"
    return None


@contextmanager
def offline_page(executable: str = CHROMIUM, width: int = 1280, height: int = 760) -> Iterator[tuple]:
    """A Playwright page in a fresh headless Chromium (new empty profile) that loads files only.

    Yields ``(page, blocked)``: every request for anything but a ``file:`` URL is refused and its
    URL appended to ``blocked``.
    """
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def only_files(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height})
        try:
            context.route("**/*", only_files)
            yield (context.pages[0] if context.pages else context.new_page()), blocked
        finally:
            context.close()


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
            page_path, size, presses = training_page(Path(tmp)), (1400, 1000), (args.step or 25) - 1
        else:
            page_path = write_stepper_html(neuron(), Path(tmp) / "stepper.html",
                                           title="Backpropagation through o = tanh(x1·w1 + x2·w2 + b)")
            size, presses = (1280, 700), 4 if args.step is None else args.step
        with offline_page(width=size[0], height=size[1]) as (page, blocked):
            page.goto(page_path.as_uri())
            for _ in range(presses):
                page.keyboard.press("ArrowRight")
            write_atomic(args.png, page.screenshot(), parents=True)
    if blocked:
        raise SystemExit(f"the page tried to fetch {blocked}")
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
