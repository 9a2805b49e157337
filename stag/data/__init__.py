"""Data utilities: ``DataLoader`` batches an array dataset into typed tensors."""

import typing as _typing

from stag.data._loader import DataLoader as DataLoader

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none

    def __getattr__(name: str) -> object:
        from stag._pytorch_names import DATA, missing_attribute

        raise missing_attribute("module stag.data", name, DATA)
