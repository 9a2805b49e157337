"""Data utilities: ``DataLoader`` batches an array dataset into typed tensors."""

import typing as _typing

from stag.data._loader import DataLoader as DataLoader

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none
    from stag._pytorch_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__)
