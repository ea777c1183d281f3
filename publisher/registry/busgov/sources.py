"""Where bus.gov.ru documents come from: a ZIP of XML documents, an XML file, a folder, a passport.

A ZIP whose directory is lost (a truncated download) is read entry by entry from its local headers,
so every whole document before the break is still synced and the break is reported.
A dataset passport's file is downloaded by `publisher.registry.busgov.passport`.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import InputError
from publisher.registry.busgov.parser import (
    Applied,
    Position,
    RejectedDocument,
    Unchanged,
    parse_bytes,
    parse_document,
)

_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_SMALL_DOCUMENT = 1024 * 1024

Item = Position | RejectedDocument | Unchanged


@dataclass(frozen=True)
class Document:
    """A whole small document read into memory, for the caller to parse (`parse_bytes`)."""

    source: str
    name: str
    data: bytes


def read_positions(path: Path, applied: Applied | None = None) -> Iterator[Item]:
    """Every position in a ZIP, an XML file or a folder of them; an error for each bad document.

    A small document not newer than the version ``applied`` names is `Unchanged` (`parse_bytes`).
    """
    for unit in read_documents(path):
        if isinstance(unit, Document):
            yield from parse_bytes(unit.data, unit.source, unit.name, applied)
        else:
            yield unit


def read_documents(path: Path) -> Iterator[Document | Item]:
    """Small documents whole, in file order; big ones parsed as a stream; errors as they occur."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix.lower() in (".zip", ".xml"):
                yield from read_documents(child)
    elif path.suffix.lower() == ".zip" or _starts_like_zip(path):
        yield from _zip_documents(path)
    elif path.is_file():
        with path.open("rb") as stream:
            yield from parse_document(stream, path.name, "")
    else:
        raise InputError(f"{path}: нет такого файла или папки (no such file or folder)")


def _starts_like_zip(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4) == _LOCAL_SIGNATURE
    except OSError:
        return False


def _zip_documents(path: Path) -> Iterator[Document | Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield from _salvaged_documents(path, str(exc))
        return
    with archive:
        for info in archive.infolist():
            if not info.is_dir() and info.filename.lower().endswith(".xml"):
                yield from _member_documents(archive, info, path.name)


def _member_documents(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str
) -> Iterator[Document | Item]:
    try:
        stream = archive.open(info)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        yield RejectedDocument(source, info.filename, f"документ не открывается ({exc})")
        return
    with stream:
        if info.file_size > _SMALL_DOCUMENT:
            yield from parse_document(stream, source, info.filename)
            return
        # Whole small documents parse faster than through the archive's many small reads.
        try:
            data = stream.read()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            yield RejectedDocument(source, info.filename, f"документ не прочитан ({exc})")
            return
    yield Document(source, info.filename, data)


def _salvaged_documents(path: Path, why: str) -> Iterator[Document | Item]:
    count = 0
    with path.open("rb") as stream:
        try:
            for entry in _local_entries(stream):
                if entry.name.lower().endswith(".xml"):
                    yield from _salvaged_document(path.name, entry)
                entry.skip_rest()
                count += 1
        except InputError as exc:
            yield RejectedDocument(path.name, "", str(exc))
    reason = f"ZIP повреждён или обрезан ({why}); прочитано документов: {count}"
    yield RejectedDocument(path.name, "", reason)


def _salvaged_document(source: str, entry: _Entry) -> Iterator[Document | Item]:
    """A small entry whole (for `parse_bytes`), a bigger one parsed as it inflates."""
    head = b""
    while len(head) <= _SMALL_DOCUMENT and (block := entry.read(_SMALL_DOCUMENT + 1 - len(head))):
        head += block
    if len(head) <= _SMALL_DOCUMENT:
        yield Document(source, entry.name, head)
        return
    rest = io.BufferedReader(entry, 1024 * 1024)
    yield from parse_document(_Prefixed(head, rest), source, entry.name)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, rest: io.BufferedReader) -> None:
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data, self.head = self.head[:size], self.head[size:]
            return data
        return self.rest.read(size)


class _Entry(io.RawIOBase):
    """One entry found by its local header, inflated as it is read (never whole in memory)."""

    def __init__(self, stream: io.BufferedReader, name: str, method: int, size: int | None):
        self.stream, self.name = stream, name
        self.left = size  # compressed bytes still to come; None: until the deflate stream ends
        self.inflater = zlib.decompressobj(-15) if method == 8 else None
        self.ended = False

    def readable(self) -> bool:
        return True

    def _compressed(self, size: int) -> bytes:
        size = size if self.left is None else min(size, self.left)
        block = self.stream.read(size) if size else b""
        if self.left is not None:
            if len(block) < size:
                raise InputError(f"{self.name}: документ обрезан (truncated entry)")
            self.left -= len(block)
        return block

    def read(self, size: int = -1) -> bytes:
        size = size if size > 0 else 1024 * 1024
        if self.ended:
            return b""
        if self.inflater is None:  # stored
            data = self._compressed(size)
            self.ended = not self.left
            return data
        while not self.inflater.eof:
            source = self.inflater.unconsumed_tail or self._compressed(64 * 1024)
            if not source:
                raise InputError(f"{self.name}: документ обрезан (truncated entry)")
            try:
                data = self.inflater.decompress(source, size)
            except zlib.error as exc:
                raise InputError(f"{self.name}: данные повреждены ({exc})") from None
            if data:
                return data
        self._end()
        return b""

    def readinto(self, buffer) -> int:  # noqa: ANN001 - a writable buffer
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _end(self) -> None:
        self.ended = True
        if self.left is None:  # the data descriptor follows the compressed data
            self.stream.seek(-len(self.inflater.unused_data), io.SEEK_CUR)
            # 12 to 24 bytes (signature optional, ZIP64 sizes of 8 bytes): the next header says.
            descriptor = self.stream.read(28)
            skip = next((n for n in (16, 24, 12, 20) if descriptor[n : n + 2] == b"PK"), 16)
            self.stream.seek(skip - len(descriptor), io.SEEK_CUR)

    def skip_rest(self) -> None:
        """Move the archive's stream to the next entry's header."""
        if self.left is not None:
            self.stream.seek(self.left, io.SEEK_CUR)
            self.left, self.ended = 0, True
        while not self.ended:  # no size known: the end is where the deflate stream ends
            self.read(1024 * 1024)


def _sizes(extra: bytes, size: int, raw_size: int) -> int:
    """The compressed size, from the ZIP64 extra field when the header says 0xFFFFFFFF."""
    while len(extra) >= 4:
        kind, length = struct.unpack("<2H", extra[:4])
        if kind == 1:
            values = struct.unpack(f"<{length // 8}Q", extra[4 : 4 + length - length % 8])
            return values[1] if raw_size == 0xFFFFFFFF and len(values) > 1 else values[0]
        extra = extra[4 + length :]
    return size


def _local_entries(stream: io.BufferedReader) -> Iterator[_Entry]:
    """Each entry, found by its local header, until the data ends; skip_rest() before the next."""
    while True:
        header = stream.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            return
        _, _, flags, method, _, _, _, size, raw_size, name_len, extra_len = _LOCAL_HEADER.unpack(
            header
        )
        raw_name = stream.read(name_len)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp866", errors="replace")
        extra = stream.read(extra_len)
        if method not in (0, 8):
            raise InputError(f"{name}: метод сжатия {method} не поддерживается")
        if size == 0xFFFFFFFF:
            size = _sizes(extra, size, raw_size)
        if flags & 0x08 and method == 0:
            raise InputError(f"{name}: несжатый документ без размера (stored entry without a size)")
        yield _Entry(stream, name, method, None if flags & 0x08 else size)
