"""Neural-network building blocks: ``stag.nn.functional`` today, modules next."""

from stag.nn import functional

__all__ = ["functional"]
