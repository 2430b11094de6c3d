"""The offline browser the tests use to check the pages the package writes, and `make docs` to
photograph them (docs/screenshot.py): headless Chromium with a fresh profile that loads ``file:`` URLs
and refuses the network. It lives with the tests, outside the package, because the package itself
never starts a browser. Needs Playwright (the ``browser`` extra) and Debian's ``chromium``.
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def open_page(page, path: Path) -> list[str]:
    """Load the page; returns the list its console errors (and uncaught exceptions) go to."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    return errors
