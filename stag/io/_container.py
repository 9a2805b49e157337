"""What a checkpoint container gives ``load``: its manifest, and each entry's checked data.

``NpzCheckpoint`` and ``SafetensorsCheckpoint`` read and check everything but the
entries' data when they are made; ``read`` and ``verify`` then stream one entry in
bounded chunks and check it (its sha256, when the file has a manifest).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from stag.io._manifest import Array, Entry, Manifest

CHUNK = 256 * 1024


class Container(ABC):
    """An open checkpoint file whose structure and manifest have been checked."""

    manifest: Manifest

    def read(self, entry: Entry) -> Array:
        """The entry's array, its data checked."""
        buffer = np.empty(entry.nbytes, np.uint8)
        self._pump(entry, buffer.data)
        return buffer.view(entry.dtype).reshape(entry.shape)

    def verify(self, entry: Entry) -> None:
        """Check the entry's data as ``read`` does, keeping none of it."""
        self._pump(entry, None)

    @abstractmethod
    def _pump(self, entry: Entry, out: memoryview | None) -> None:
        """Stream the entry's bytes (into ``out`` if given) and check them."""


def copy_out(read: Callable[[int], bytes], entry: Entry, out: memoryview | None) -> str | None:
    """Read the entry's bytes with ``read`` in chunks (into ``out`` if given).

    ``read(n)`` returns between 1 and ``n`` bytes or raises.  Returns the data's
    sha256 when the entry has one to check against, else None.
    """
    digest = hashlib.sha256() if entry.sha256 is not None else None
    pos = 0
    while pos < entry.nbytes:
        chunk = read(min(CHUNK, entry.nbytes - pos))
        if digest is not None:
            digest.update(chunk)
        if out is not None:
            out[pos : pos + len(chunk)] = chunk
        pos += len(chunk)
    return None if digest is None else digest.hexdigest()
