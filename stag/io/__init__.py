"""Checkpoints: ``stag.save(model, path)`` and ``stag.load(model, path)``."""

from stag.io._checkpoint import CheckpointError, load, save

__all__ = ["CheckpointError", "load", "save"]
