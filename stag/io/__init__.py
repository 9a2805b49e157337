"""Checkpoints and PyTorch weights.

- ``save(model, path)``, ``load(model, path)``: stag's checkpoints (``.safetensors``
  or ``.npz``), the optimizer's state included; ``CheckpointError``.
- ``load_torch_state_dict(model, source)``, ``torch_state_dict(model)``,
  ``save_torch_state_dict(model, path)``: a PyTorch ``state_dict`` (names and layouts)
  in and out, without PyTorch; ``IncompatibleKeys``.
"""

from stag.io._checkpoint import load as load
from stag.io._checkpoint import save as save
from stag.io._manifest import CheckpointError as CheckpointError
from stag.io._torch import IncompatibleKeys as IncompatibleKeys
from stag.io._torch import load_torch_state_dict as load_torch_state_dict
from stag.io._torch import save_torch_state_dict as save_torch_state_dict
from stag.io._torch import torch_state_dict as torch_state_dict
