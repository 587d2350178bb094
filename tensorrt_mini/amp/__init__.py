"""tm.amp: automatic mixed precision, autocast regions and gradient scaling."""
from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler"]
