"""A zip archive read within bounds: its directory first, then one member at a time.

Only what a checkpoint needs: one disk, stored or deflated members, zip64 sizes
and offsets.  Every length read from the file is checked against the file's size
and the caller's limits before it is used, so a damaged or hostile archive costs
no more memory than the caller allows; a member's stream is read with bounded
chunks and must end exactly at its declared size, with its CRC-32.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from stag.io._container import CHUNK
from stag.io._manifest import CheckpointError

_END = struct.Struct("<4sHHHHIIH")
_END64_LOCATOR = struct.Struct("<4sIQI")
_END64 = struct.Struct("<4sQHHIIQQQQ")
_DIRECTORY = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_EXTRA = struct.Struct("<HH")
_MAX_COMMENT = 0xFFFF
_STORED, _DEFLATED = 0, 8
_METHODS = {1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstandard"}
_ENCRYPTED = 0x1 | 0x40


@dataclass(frozen=True)
class Member:
    """A central-directory record: the name as raw bytes, sizes as declared."""

    name: bytes
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    offset: int

    @property
    def text(self) -> str:
        return self.name.decode("utf-8", "replace")

    def check_readable(self, file_size: int) -> None:
        """Refuse encryption, other methods, and sizes no member of this file can have."""
        if self.flags & _ENCRYPTED:
            raise CheckpointError(f"member {self.text!r} is encrypted; stag never writes that")
        if self.method not in (_STORED, _DEFLATED):
            method = _METHODS.get(self.method, f"method {self.method}")
            raise CheckpointError(
                f"member {self.text!r} is compressed with {method}; a checkpoint's members "
                "are stored or deflated (stag writes them stored)"
            )
        if self.method == _STORED and self.compressed != self.size:
            raise CheckpointError(f"member {self.text!r} is stored with two different sizes")
        if self.compressed > file_size or self.size > self.compressed * 1032 + 1024:
            raise CheckpointError(f"member {self.text!r} declares impossible sizes")


@dataclass(frozen=True)
class Directory:
    members: tuple[Member, ...]
    start: int  # where the central directory begins: every member's data lies before


def read_directory(f: BinaryIO, size: int, limit: int) -> Directory:
    """The archive's central directory, read in one bounded read (``limit`` bytes at most)."""
    count, offset, length, end = _end_record(f, size)
    if offset + length != end:
        raise CheckpointError("its zip directory is not where the end record says")
    if length > limit:
        raise CheckpointError(
            f"its zip directory takes {length} bytes, more than this model's checkpoint "
            f"can need ({limit})"
        )
    f.seek(offset)
    data = f.read(length)
    if len(data) != length:
        raise CheckpointError("it ends inside its zip directory")
    return Directory(_records(data, count), offset)


def _end_record(f: BinaryIO, size: int) -> tuple[int, int, int, int]:
    """The member count, directory offset and length, and where the directory must end."""
    tail_size = min(size, _END.size + _MAX_COMMENT)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    pos = len(tail)
    while True:  # the last signature whose comment length reaches the end of the file
        pos = tail.rfind(b"PK\x05\x06", 0, pos)
        if pos < 0:
            raise CheckpointError("no zip end record")
        if pos + _END.size <= len(tail) == pos + _END.size + _END.unpack_from(tail, pos)[7]:
            break
    _, disk, start_disk, on_disk, count, length, offset, _ = _END.unpack_from(tail, pos)
    end = size - tail_size + pos
    if pos >= _END64_LOCATOR.size and tail[pos - _END64_LOCATOR.size :].startswith(b"PK\x06\x07"):
        return _end_record64(f, end)
    if disk != 0 or start_disk != 0 or on_disk != count:
        raise CheckpointError("it is a multi-disk zip archive")
    return count, offset, length, end


def _end_record64(f: BinaryIO, end: int) -> tuple[int, int, int, int]:
    where = end - _END64_LOCATOR.size
    signature, _, record, _ = _unpack_at(f, where, _END64_LOCATOR)
    if signature != b"PK\x06\x07" or record != where - _END64.size:
        raise CheckpointError("its zip64 end locator is damaged")
    fields = _unpack_at(f, record, _END64)
    signature, _, _, _, disk, start_disk, on_disk, count, length, offset = fields
    if signature != b"PK\x06\x06" or disk != 0 or start_disk != 0 or on_disk != count:
        raise CheckpointError("its zip64 end record is damaged")
    return count, offset, length, record


def _unpack_at(f: BinaryIO, offset: int, layout: struct.Struct) -> tuple[Any, ...]:
    f.seek(offset)
    data = f.read(layout.size)
    if len(data) != layout.size:
        raise CheckpointError("it ends inside a zip record")
    return layout.unpack(data)


def _records(data: bytes, count: int) -> tuple[Member, ...]:
    members, pos = [], 0
    for _ in range(count):
        if len(data) - pos < _DIRECTORY.size or data[pos : pos + 4] != b"PK\x01\x02":
            raise CheckpointError("its zip directory is damaged (a record is cut or missing)")
        fields = _DIRECTORY.unpack_from(data, pos)
        flags, method, _, _, crc, compressed, size = fields[3:10]
        name_end = pos + _DIRECTORY.size + fields[10]
        extra_end = name_end + fields[11]
        sizes = _zip64(data[name_end:extra_end], [size, compressed, fields[16]])
        members.append(Member(data[pos + _DIRECTORY.size : name_end], method, flags, crc,
                              sizes[1], sizes[0], sizes[2]))  # fmt: skip
        pos = extra_end + fields[12]
    if pos != len(data):
        raise CheckpointError("its zip directory is damaged (its length and records disagree)")
    return tuple(members)


def _zip64(extra: bytes, values: list[int]) -> list[int]:
    """``values`` (size, compressed size, offset) with the saturated ones from a zip64 field."""
    pos = 0
    while pos + _EXTRA.size <= len(extra):
        kind, length = _EXTRA.unpack_from(extra, pos)
        pos += _EXTRA.size
        if kind == 1:
            wide = [i for i, v in enumerate(values) if v == 0xFFFFFFFF]
            if length < 8 * len(wide) or pos + length > len(extra):
                raise CheckpointError("its zip directory has a damaged zip64 field")
            for n, i in enumerate(wide):
                values[i] = struct.unpack_from("<Q", extra, pos + 8 * n)[0]
            return values
        pos += length
    if 0xFFFFFFFF in values:
        raise CheckpointError("its zip directory lacks a zip64 field")
    return values


class MemberReader:
    """One member's uncompressed bytes, never more than its declared size, CRC checked."""

    def __init__(self, f: BinaryIO, member: Member, data_end: int) -> None:
        self._f, self._member = f, member
        if member.offset + _LOCAL.size > data_end:
            raise CheckpointError(f"member {member.text!r}: its offset is past its data")
        local = _unpack_at(f, member.offset, _LOCAL)
        if local[0] != b"PK\x03\x04":
            raise CheckpointError(f"member {member.text!r}: its local header is damaged")
        name_length, extra_length = local[9:]
        if f.read(name_length) != member.name:
            raise CheckpointError(f"member {member.text!r}: its local header names another")
        start = member.offset + _LOCAL.size + name_length + extra_length
        if start + member.compressed > data_end:
            raise CheckpointError(f"member {member.text!r}: its data overruns the directory")
        f.seek(start)
        self._left_in, self._left_out, self._crc = member.compressed, member.size, 0
        self._inflate = zlib.decompressobj(-15) if member.method == _DEFLATED else None

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (at least one while any is left)."""
        n = min(n, self._left_out)
        if n <= 0:
            return b""
        data = self._inflated(n) if self._inflate else self._compressed(n)
        self._left_out -= len(data)
        self._crc = zlib.crc32(data, self._crc)
        return data

    def read_exactly(self, n: int) -> bytes:
        parts, left = [], n
        while left > 0:
            part = self.read(left)
            if not part:
                raise CheckpointError(f"member {self._member.text!r} is shorter than it declares")
            parts.append(part)
            left -= len(part)
        return b"".join(parts)

    def finish(self) -> None:
        """Raise unless the stream ended exactly at the declared size, with the declared CRC."""
        if self._left_out:
            raise CheckpointError(f"member {self._member.text!r} was not read to its end")
        if self._inflate is not None:
            self._drain(self._inflate)
        if self._crc != self._member.crc:
            raise CheckpointError(
                f"member {self._member.text!r} fails its CRC check (the file is damaged); "
                "use another copy"
            )

    def _compressed(self, n: int) -> bytes:
        data = self._f.read(min(n, self._left_in))
        if not data:
            raise CheckpointError(f"member {self._member.text!r}: its data ends early")
        self._left_in -= len(data)
        return data

    def _inflated(self, n: int) -> bytes:
        inflate = self._inflate
        assert inflate is not None
        while True:
            if inflate.eof:
                raise CheckpointError(f"member {self._member.text!r} is shorter than it declares")
            out = self._decompress(inflate, inflate.unconsumed_tail or self._compressed(CHUNK), n)
            if out:
                return out

    def _drain(self, inflate: zlib._Decompress) -> None:
        while not inflate.eof:
            if self._decompress(inflate, inflate.unconsumed_tail or self._compressed(CHUNK), 1):
                raise CheckpointError(
                    f"member {self._member.text!r} inflates beyond its declared size"
                )
        if inflate.unused_data or self._left_in:
            raise CheckpointError(f"member {self._member.text!r} has data after its stream")

    def _decompress(self, inflate: zlib._Decompress, data: bytes, n: int) -> bytes:
        try:
            return inflate.decompress(data, n)
        except zlib.error as exc:
            raise CheckpointError(f"member {self._member.text!r} is corrupt ({exc})") from None
