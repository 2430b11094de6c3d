"""The page kit: the package's web pages are real files in ``tinygrad_edu/web``, filled in one pass.

A page is ``web/NAME.html`` with five slots, each written ``{{slot}}`` and filled once:

    {{title}}    the page's title, as text (HTML-escaped)
    {{style}}    web/common.css, then web/NAME.css
    {{script}}   web/common.js, then web/NAME.js
    {{data}}     the page's numbers and words as JSON, inside <script type="application/json">
    {{picture}}  an SVG drawn by Graphviz (its labels are XML text), or nothing

One pass (``re.sub`` over the template): what fills a slot is never searched for slots, so a label
``{{data}}`` stays those eight characters. In the JSON every ``<``, ``>`` and ``&`` is written
``\\u003c``, ``\\u003e``, ``\\u0026``: no ``</script>`` or ``<!--`` in a label can end the script
element, and the page's script puts every string on the page with ``textContent``, never as markup.
The pages' scripts find the picture's parts by the ids the drawing gives them (``viz.draw_dot``,
``viz.draw_mlp``), and every number they show was formatted here, in Python.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources

__all__ = ["build", "page_json", "inline_svg"]

_SLOT = re.compile(r"\{\{(title|style|script|data|picture)\}\}")


def _web(name: str) -> str:
    """One file of the package's web folder, as text."""
    return resources.files(__package__).joinpath("web", name).read_text(encoding="utf-8")


def page_json(data: object) -> str:
    """``data`` as JSON that can sit inside a <script> element: strict (no NaN), with < > & escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inline_svg(svg: str) -> str:
    """Graphviz's SVG ready to sit inside a page: no XML prolog, no comments and no titles (they
    repeat the ids, and a browser would show a title as a tooltip)."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?|<title>.*?</title>\n?", "", svg, flags=re.S)


def build(page: str, title: str, data: object, picture: str = "") -> str:
    """The page ``web/{page}.html`` with its slots filled (see the module's docstring)."""
    slots = {"title": html.escape(title), "style": _web("common.css") + _web(f"{page}.css"),
             "script": _web("common.js") + _web(f"{page}.js"), "data": page_json(data), "picture": picture}
    return _SLOT.sub(lambda slot: slots[slot.group(1)], _web(f"{page}.html"))
