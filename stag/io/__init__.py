"""Checkpoints: ``stag.save(model, path)`` and ``stag.load(model, path)``."""

from stag.io._checkpoint import load as load
from stag.io._checkpoint import save as save
from stag.io._manifest import CheckpointError as CheckpointError
