"""A PyTorch state in a safetensors file, read as ``stag.load`` reads one: bounded, checked.

``read_torch_file`` opens the file, checks the header (its length within what a model
of so many entries can need, every offset against the file) and hands back the
tensors' shapes and dtypes as placeholders that take no memory, so that the caller
matches them against the model before anything is read; then the data of the tensors
it asks for.  A ``torch.save`` file (a pickle in a zip) is refused with the way out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from stag.io._files import open_regular
from stag.io._manifest import MODEL, Array, CheckpointError, metadata_limit
from stag.io._safetensors import SafetensorsCheckpoint, is_safetensors

Reader = Callable[[list[str]], dict[str, Array]]
_CONVERT = (
    "save the state_dict as safetensors in PyTorch: "
    "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')"
)


@contextlib.contextmanager
def read_torch_file(path: str, entries: int) -> Iterator[tuple[dict[str, Array], Reader]]:
    """The file's tensors as placeholders by name, and a reader of the named ones' data.

    ``entries``: how many entries the model's PyTorch state has (it bounds the header).
    ``CheckpointError`` names ``path``.
    """
    try:
        with open_regular(path) as (f, size):
            container = _open(f, size, metadata_limit(entries))
            by_name = {e.name[len(MODEL) :]: e for e in container.manifest.entries}
            shapes = {name: e.placeholder() for name, e in by_name.items()}
            yield shapes, lambda names: {n: container.read(by_name[n]) for n in names}
    except CheckpointError as exc:
        raise CheckpointError(f"load_torch_state_dict: {path}: {exc}") from None


def _open(f: BinaryIO, size: int, limit: int) -> SafetensorsCheckpoint:
    head = f.read(9)
    if head.startswith(b"PK"):
        raise CheckpointError(
            f"it is a zip archive (torch.save's format?), not safetensors; {_CONVERT}"
        )
    if head[:1] == b"\x80":
        raise CheckpointError(f"it is a Python pickle, which stag never loads; {_CONVERT}")
    if not is_safetensors(head):
        raise CheckpointError(f"it is not a safetensors file; {_CONVERT}")
    container = SafetensorsCheckpoint(f, size, limit)
    if container.manifest.sealed:
        raise CheckpointError("it is a stag checkpoint (stag's names and layouts): use stag.load")
    return container
