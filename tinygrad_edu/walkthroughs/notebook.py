"""A walkthrough as a Jupyter notebook: each step a Markdown cell and a code cell that runs it.

The code cells drive the same ``Tour`` the command line plays, so the notebook computes its numbers
when it runs (nothing is pasted in), every check of a step is an ``assert``, and a step's graph is
the cell's result (inline SVG). Written with ``nbformat`` (the ``notebook`` extra).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

from tinygrad_edu.files import output_file, write_atomic

from .tour import Tour

__all__ = ["notebook", "write_notebook", "notebook_file", "INSTALL_HINT"]

INSTALL_HINT = "writing a notebook needs nbformat: pip install 'tinygrad-edu[notebook]' (or nbformat)"

_RUN_STEP = """\
step = tour.next()  # runs step {number}: prints it and checks every formula it states
assert all(check.ok for check in step.checks), step
step  # the step's graph, when it has one"""


def notebook_file(text: str) -> Path:
    """--notebook FILE: a name ending in .ipynb that can be written, with nbformat there to write it
    (checked before any step runs: a missing extra is a usage error, not a traceback at the end)."""
    if importlib.util.find_spec("nbformat") is None:
        raise ValueError(INSTALL_HINT)
    return output_file(text, suffixes=(".ipynb",))


def _nbformat():
    try:
        import nbformat
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return nbformat


def notebook(tour: Tour, seed: int | None = None):
    """The notebook of ``tour`` (an ``nbformat`` NotebookNode, validated), not yet run."""
    nbformat = _nbformat()
    v4 = nbformat.v4
    doc = importlib.import_module(f"tinygrad_edu.walkthroughs.{tour.name}").__doc__ or ""
    arguments = "" if seed is None else f"seed={seed}"
    cells = [
        v4.new_markdown_cell(
            f"# {tour.title}\n\n{doc.strip()}\n\nEach code cell runs one step of the walkthrough: the "
            "numbers are computed as the notebook runs, and every formula a step states is checked against "
            "the engine's gradients (the cell's `assert` stops the notebook if one disagrees)."),
        v4.new_code_cell(f"from tinygrad_edu.walkthroughs import {tour.name}\n\n"
                         f"tour = {tour.name}.tour({arguments})\ntour"),
    ]
    for s in tour.steps:
        text = f"## Step {s.number} of {len(tour)}: {s.title}" + (f"\n\n{s.about}" if s.about else "")
        cells += [v4.new_markdown_cell(text), v4.new_code_cell(_RUN_STEP.format(number=s.number))]
    cells += [
        v4.new_markdown_cell("## Every check"),
        v4.new_code_cell('failed = [check for check in tour.checks if not check.ok]\n'
                         'assert not failed, failed\n'
                         'print(f"All {len(tour.checks)} checks passed.")'),
    ]
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nb


def write_notebook(tour: Tour, path: str | os.PathLike, seed: int | None = None):
    """Write the notebook of ``tour`` to ``path`` (atomically) and return the path."""
    nbformat = _nbformat()
    return write_atomic(path, nbformat.writes(notebook(tour, seed)))
