"""tinygrad_edu: a small scalar autodiff engine built to teach backpropagation.

``Value``, ``no_grad`` and ``scope`` are here; ``tinygrad_edu.nn``, ``.losses`` and ``.optim`` come along
(``import tinygrad_edu as tg; tg.nn.MLP(2, [4, 1])``). Pictures, derivations and the expression
language are in ``tinygrad_edu.viz``, ``.trace`` and ``.expr``.
"""

from . import losses, nn, optim
from .engine import Value, is_grad_enabled, no_grad, scope

__all__ = ["Value", "no_grad", "is_grad_enabled", "scope", "nn", "losses", "optim"]
__version__ = "0.1.0"
