"""Fixtures every test file can use: each Graphviz backend present, and an offline browser."""

import pytest

from docs.screenshot import missing_browser, offline_page
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
    """``(page, blocked, requests)``: headless Chromium that loads files only (docs/screenshot.py's
    offline_page); ``blocked`` lists refused URLs, ``requests`` every URL the page asked for.
    One browser per test module; skipped, with the reason, without Playwright or Chromium."""
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    with offline_page() as (page, blocked):
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        yield page, blocked, requests
