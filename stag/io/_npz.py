"""The ``.npz`` container: a zip archive of the sealed manifest and one ``.npy`` per entry.

The first member, ``__stag_checkpoint__``, holds the manifest's bytes; then each
entry ``e`` is the member ``e.name + ".npy"``, stored (uncompressed).  ``numpy.load``
reads such a file (without pickles) as it reads any ``.npz``; stag reads it with
``NpzCheckpoint``, which checks the zip directory against the manifest before it
reads any data and reads each member within its declared size.
"""

from __future__ import annotations

import ast
import struct
import zipfile
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np

from stag.io._container import Container, copy_out
from stag.io._manifest import Array, CheckpointError, Entry, Manifest, seal, unseal
from stag.io._zip import Directory, Member, MemberReader, read_directory

MANIFEST_MEMBER = "__stag_checkpoint__"
FORMAT_1_MARKER = b"__stag_checkpoint__.npy"
_NPY_MAGIC = b"\x93NUMPY"
_NPY_HEADER = range(10, 4097)  # the sizes of an .npy header this reader accepts
_PICKLES = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def write(f: BinaryIO, manifest: Manifest, arrays: Mapping[str, Array]) -> None:
    """The archive of ``manifest`` and its entries' ``arrays``, never pickling."""
    with zipfile.ZipFile(f, "w") as archive:
        archive.writestr(_info(MANIFEST_MEMBER, 0), seal(manifest))
        for entry in manifest.entries:
            info = _info(entry.name + ".npy", entry.nbytes + _NPY_HEADER.stop)
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, arrays[entry.name], allow_pickle=False)


def _info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo()  # dated 1980: the same state gives the same bytes
    info.filename = name  # as given (ZipInfo(name) would cut it at a NUL)
    info.file_size = size  # an upper bound: zip64 records when a member may pass 4 GiB
    return info


class NpzCheckpoint(Container):
    """An open checkpoint: its manifest, matched with the zip directory; entries on demand.

    Everything but the entries' data is read and checked when it is made: the
    directory (at most ``limit`` bytes), the manifest (the same), and that the
    members are exactly the manifest's entries, with sizes that fit them.
    """

    def __init__(self, f: BinaryIO, size: int, limit: int) -> None:
        self._f = f
        directory = _directory(f, size, limit)
        self._data_end = directory.start
        members = _by_name(directory.members)
        manifest = members.pop(MANIFEST_MEMBER.encode(), None)
        if manifest is None:
            raise _not_a_checkpoint(members)
        manifest.check_readable(size)
        if manifest.size > limit:
            raise CheckpointError(
                f"its manifest takes {manifest.size} bytes, more than this model's "
                f"checkpoint can need ({limit})"
            )
        self.manifest = unseal(self._read_all(manifest))
        self._members = _match(self.manifest, members, size)

    def _read_all(self, member: Member) -> bytes:
        reader = MemberReader(self._f, member, self._data_end)
        data = reader.read_exactly(member.size)
        reader.finish()
        return data

    def _pump(self, entry: Entry, out: memoryview | None) -> None:
        member = self._members[entry.name]
        reader = MemberReader(self._f, member, self._data_end)
        _check_header(reader, entry, member.size - entry.nbytes)
        digest = copy_out(reader.read, entry, out)
        reader.finish()  # its CRC, before the sha256
        entry.check(digest)


def _directory(f: BinaryIO, size: int, limit: int) -> Directory:
    """The zip directory, or an error that says what the file is instead."""
    try:
        return read_directory(f, size, limit)
    except CheckpointError as exc:
        f.seek(0)
        head = f.read(8)
        if not head:
            raise CheckpointError("it is empty (a save that never finished?)") from None
        if head.startswith(_NPY_MAGIC):
            raise CheckpointError("it is an .npy array, not a stag checkpoint") from None
        if head[:2] in _PICKLES:
            raise CheckpointError(
                "it is a Python pickle, which stag never loads; a stag checkpoint is the "
                ".npz archive stag.save writes"
            ) from None
        if not head.startswith(b"PK"):
            raise CheckpointError(
                "it is not a stag checkpoint (neither a zip archive nor a safetensors file)"
            ) from None
        raise CheckpointError(
            f"it is not a readable zip archive ({exc}): truncated or damaged? use another copy"
        ) from None


def _by_name(members: tuple[Member, ...]) -> dict[bytes, Member]:
    by_name: dict[bytes, Member] = {}
    for member in members:
        if by_name.setdefault(member.name, member) is not member:
            raise CheckpointError(f"member {member.text!r} appears twice in its zip directory")
    return by_name


def _not_a_checkpoint(members: Mapping[bytes, Member]) -> CheckpointError:
    if FORMAT_1_MARKER in members:
        return CheckpointError(
            "it is a checkpoint of format 1 (an older stag), which has no manifest, so a "
            "damaged file cannot be told from a whole one; this stag reads format 2 only: "
            "load it with the stag that wrote it and save it again, or read its arrays with "
            "numpy.load(path, allow_pickle=False)"
        )
    return CheckpointError(
        f"it is a zip archive but not a stag checkpoint (no {MANIFEST_MEMBER} manifest)"
    )


def _match(manifest: Manifest, members: dict[bytes, Member], size: int) -> dict[str, Member]:
    """The member of each entry; anything missing, extra or of the wrong size raises."""
    wanted = {(e.name + ".npy").encode("utf-8", "surrogatepass"): e for e in manifest.entries}
    extra = [m.text for name, m in members.items() if name not in wanted]
    if extra:
        raise CheckpointError(
            f"member {extra[0]!r} is not in the manifest (the file was edited or damaged); "
            "use another copy"
        )
    missing = [manifest.describe(e.name) for name, e in wanted.items() if name not in members]
    if missing:
        raise CheckpointError(
            f"entries {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''} of its "
            "manifest are missing from its zip directory (the file is damaged); use another copy"
        )
    matched = {}
    for name, entry in wanted.items():
        member = members[name]
        member.check_readable(size)
        if member.size - entry.nbytes not in _NPY_HEADER:
            raise CheckpointError(
                f"member {member.text!r} declares {member.size} bytes, which cannot hold the "
                f"{entry.nbytes} bytes of entry {manifest.describe(entry.name)} and an .npy header"
            )
        matched[entry.name] = member
    return matched


def _check_header(reader: MemberReader, entry: Entry, size: int) -> None:
    """Read the member's .npy header: exactly the entry's shape and dtype, ``size`` bytes."""
    head = reader.read_exactly(10)
    if not head.startswith(_NPY_MAGIC) or head[6] not in (1, 2, 3):
        raise CheckpointError(f"entry {entry.name!r}: its member is not an .npy array")
    if head[6] > 1:
        head += reader.read_exactly(2)
    length = struct.unpack_from("<I" if head[6] > 1 else "<H", head, 8)[0]
    if len(head) + length not in _NPY_HEADER:
        raise CheckpointError(f"entry {entry.name!r}: its .npy header is {length} bytes long")
    fields = _literal(entry, reader.read_exactly(length), "utf-8" if head[6] == 3 else "latin-1")
    expected = {"descr": entry.dtype.str, "fortran_order": False, "shape": entry.shape}
    if repr(fields) != repr(expected):
        pickled = " (pickled objects, which stag never loads)" if "'|O" in repr(fields) else ""
        raise CheckpointError(
            f"entry {entry.name!r}: its .npy header says {fields!r}{pickled}, its manifest "
            f"{expected!r}; the file was damaged or edited: use another copy"
        )
    if len(head) + length != size:
        raise CheckpointError(f"entry {entry.name!r}: its member's size and header disagree")


def _literal(entry: Entry, text: bytes, encoding: str) -> object:
    try:
        return ast.literal_eval(text.decode(encoding))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CheckpointError(f"entry {entry.name!r}: its .npy header is unreadable") from None
