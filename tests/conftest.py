"""What every test file can use: each Graphviz backend present, an offline browser, and PyTorch when
it is installed (``from conftest import needs_torch, optional_import``)."""

import importlib
import importlib.util
from types import ModuleType

import pytest

from tests.browser import missing_browser, offline_page
from tinygrad_edu.graphviz_backend import BACKEND_VARIABLE, BACKENDS, GraphvizNotFoundError, backend


@pytest.fixture(params=BACKENDS)
def graphviz_backend(request, monkeypatch) -> str:
    """Runs the test once per backend ("system", "wasm"), forced with TINYGRAD_EDU_GRAPHVIZ;
    skipped, with the reason viz gives, for a backend this machine does not have."""
    monkeypatch.setenv(BACKEND_VARIABLE, request.param)
    try:
        backend()
    except GraphvizNotFoundError as missing:
        pytest.skip(f"{request.param} backend: {str(missing).splitlines()[0]}")
    return request.param


@pytest.fixture(scope="module")
def browser():
    """``(page, blocked, requests)``: headless Chromium that loads files only (tests/browser.py's
    offline_page); ``blocked`` lists refused URLs, ``requests`` every URL the page asked for.
    One browser per test module; skipped, with the reason, without Playwright or Chromium."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with offline_page() as (page, blocked):
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        yield page, blocked, requests


# PyTorch for the parity tests: CI installs it (make torch); without it those tests are skipped, with
# the reason. Found without importing it, so a test run that needs no PyTorch does not wait for it.
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="PyTorch is not installed (CI installs torch==2.13.0: make torch)")


def optional_import(name: str) -> ModuleType | None:
    """The module ``name``, or None when it is not installed (tests that use it are marked to skip)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
