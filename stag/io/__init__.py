"""Checkpoints: ``stag.save(model, path)`` and ``stag.load(model, path)``."""

from stag.io._checkpoint import CheckpointError as CheckpointError
from stag.io._checkpoint import load as load
from stag.io._checkpoint import save as save
