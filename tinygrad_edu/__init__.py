"""tinygrad_edu: a small scalar autodiff engine built to teach backpropagation.

``Value``, ``no_grad`` and ``scope`` are here; ``tinygrad_edu.nn``, ``.losses`` and ``.optim`` come along
(``import tinygrad_edu as tg; tg.nn.MLP(2, [4, 1])``). Pictures, derivations and the expression
language are in ``tinygrad_edu.viz``, ``.trace`` and ``.expr``.

In Jupyter (any IPython shell) a Value displays as the picture of its graph: importing the package
tells IPython so, by type, and viz draws it when a Value is first shown. The engine imports nothing
above it, so the display is arranged here, where the package meets its user.
"""

import sys

from . import losses, nn, optim
from .engine import Value, is_grad_enabled, no_grad, scope

__all__ = ["Value", "no_grad", "is_grad_enabled", "scope", "nn", "losses", "optim"]
__version__ = "0.1.0"


def _graph_bundle(value: Value) -> dict[str, str]:
    """What IPython shows for a Value: its graph's SVG and its repr (text only when it cannot be drawn)."""
    from .viz import repr_mimebundle

    return repr_mimebundle(value)


def _show_values_as_graphs() -> None:
    IPython = sys.modules.get("IPython")  # only a running IPython has imported it
    shell = IPython.get_ipython() if IPython is not None else None
    if shell is not None:
        shell.display_formatter.mimebundle_formatter.for_type(Value, _graph_bundle)


_show_values_as_graphs()
