"""tinygrad_edu: a small scalar autodiff engine built to teach backpropagation."""

from .engine import Value, is_grad_enabled, no_grad

__all__ = ["Value", "no_grad", "is_grad_enabled"]
__version__ = "0.1.0"
