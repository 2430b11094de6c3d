"""``python -m demos.NAME`` from the repository root: the walkthroughs of ``tinygrad_edu.walkthroughs``.

Their code lives in the package (so ``pip install`` ships them); this folder only keeps the short
command working. It holds no code of its own: the package's folder is searched for ``demos.NAME``,
and ``from demos import chain_rule`` hands back ``tinygrad_edu.walkthroughs.chain_rule`` itself.
"""

import importlib

from tinygrad_edu import walkthroughs

__path__ = walkthroughs.__path__  # python -m demos.NAME and python -m demos find the package's modules


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    return importlib.import_module(f"tinygrad_edu.walkthroughs.{name}")
