"""Where bus.gov.ru documents come from: a ZIP of XML documents, an XML file, a folder, a passport.

A ZIP whose directory is lost (a truncated download) is read entry by entry from its local headers,
so every whole document before the break is still synced and the break is reported.
The dataset passport (``public-rest/api/passport?id=N``) names the current file as ``passCode`` and
``actualDocument.fileName``; the file is served at
``public-rest/api/opendata/{passCode}/{fileName}`` (as public code that downloads it builds it).
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin

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
_USER_AGENT = "nokwatch (registry sync; +https://github.com/nokwatch/nokwatch)"

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
            for name, data in _local_entries(stream):
                count += 1
                if name.lower().endswith(".xml"):
                    yield Document(path.name, name, data)
        except InputError as exc:
            yield RejectedDocument(path.name, "", str(exc))
    reason = f"ZIP повреждён или обрезан ({why}); прочитано документов: {count}"
    yield RejectedDocument(path.name, "", reason)


def _local_entries(stream: io.BufferedReader) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each entry, read from local headers until the data ends."""
    while True:
        header = stream.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            return
        _, _, flags, method, _, _, _, size, _, name_len, extra_len = _LOCAL_HEADER.unpack(header)
        raw_name = stream.read(name_len)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp866", errors="replace")
        stream.read(extra_len)
        if method not in (0, 8):
            raise InputError(f"{name}: метод сжатия {method} не поддерживается")
        if flags & 0x08:
            yield name, _read_until_stream_end(stream, name)
            continue
        data = stream.read(size)
        if len(data) < size:
            raise InputError(f"{name}: документ обрезан (truncated entry)")
        yield name, _inflate(data, name) if method == 8 else data


def _inflate(data: bytes, name: str) -> bytes:
    try:
        inflater = zlib.decompressobj(-15)
        content = inflater.decompress(data)
    except zlib.error as exc:
        raise InputError(f"{name}: данные повреждены ({exc})") from None
    if not inflater.eof:
        raise InputError(f"{name}: документ обрезан (truncated entry)")
    return content


def _read_until_stream_end(stream: io.BufferedReader, name: str) -> bytes:
    """A deflated entry whose size follows it (data descriptor): inflate until the stream ends."""
    inflater, chunks = zlib.decompressobj(-15), []
    while not inflater.eof:
        block = stream.read(64 * 1024)
        if not block:
            raise InputError(f"{name}: документ обрезан (truncated entry)")
        try:
            chunks.append(inflater.decompress(block))
        except zlib.error as exc:
            raise InputError(f"{name}: данные повреждены ({exc})") from None
    stream.seek(-len(inflater.unused_data), io.SEEK_CUR)
    descriptor = stream.read(16)
    skip = 16 if descriptor[:4] == _DESCRIPTOR_SIGNATURE else 12
    stream.seek(skip - len(descriptor), io.SEEK_CUR)
    return b"".join(chunks)


def _open_url(url: str, timeout: float):  # noqa: ANN202 - an http.client response
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputError(f"{url}: не загружается ({exc})") from None


def passport_file_url(passport_url: str, passport: dict) -> str:
    """The URL of the current data file that a dataset passport names."""
    try:
        code, name = passport["passCode"], passport["actualDocument"]["fileName"]
    except (KeyError, TypeError):
        raise InputError(
            f"{passport_url}: в паспорте нет passCode/actualDocument.fileName"
        ) from None
    return urljoin(passport_url, f"/public-rest/api/opendata/{quote(code)}/{quote(name)}")


def fetch_passport_file(passport_url: str, folder: Path, timeout: float = 60.0) -> Path:
    """Download the file a dataset passport names into ``folder``; InputError if either fails."""
    with _open_url(passport_url, timeout) as response:
        try:
            passport = json.load(response)
        except (ValueError, OSError) as exc:
            raise InputError(f"{passport_url}: паспорт не JSON ({exc})") from None
    file_url = passport_file_url(passport_url, passport)
    target = Path(folder) / Path(passport["actualDocument"]["fileName"]).name
    with _open_url(file_url, timeout) as response, target.open("wb") as out:
        try:
            shutil.copyfileobj(response, out, 1024 * 1024)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"{file_url}: загрузка прервана ({exc})") from None
    return target
