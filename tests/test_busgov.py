"""bus.gov.ru documents: parsing, damaged input reported per document, the dataset passport."""

from __future__ import annotations

import http.server
import io
import json
import os
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from publisher.errors import InputError
from publisher.registry.busgov import worker as busgov_worker
from publisher.registry.busgov.parser import Position, RejectedDocument, Unchanged
from publisher.registry.busgov.passport import fetch_passport_file
from publisher.registry.busgov.sources import read_positions
from tests.busgov_samples import position_xml, sample_institution, write_zip


class QuietServer(http.server.ThreadingHTTPServer):
    """A test server that takes a client hanging up (a size cap, a cut download) as expected."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _split(items: list) -> tuple[list[Position], list[RejectedDocument]]:
    return (
        [i for i in items if isinstance(i, Position)],
        [i for i in items if isinstance(i, RejectedDocument)],
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "register.zip", [sample_institution(n) for n in range(1, 6)])


def test_a_document_becomes_a_typed_record(archive: Path) -> None:
    positions, errors = _split(list(read_positions(archive)))
    assert errors == []
    assert [p.position_id for p in positions] == ["100001", "100002", "100003", "100004", "100005"]
    first = positions[0]
    assert (first.source, first.document) == ("register.zip", "100001.xml")
    assert first.change_date == "2024-03-15T07:00:00Z"
    assert first.version_number == 1
    assert (first.reg_num, first.inn, first.kpp) == ("69000001", "7000000001", "701701001")
    assert (first.ogrn, first.oktmo, first.okved) == ("1027000000001", "69701000", "85.14")
    assert first.full_name.endswith("«Школа № 1»")
    assert first.address == "634050, Томская обл, Томск г, Ленина пр-кт, д. 1"
    assert first.www == "www.school1.ru"
    assert first.founder == "Департамент общего образования Томской области"
    assert first.institution_type == "Бюджетное учреждение"


def _without_position_id(n: int) -> bytes:
    return position_xml(sample_institution(n)).replace(b"<positionId>100009</positionId>", b"")


DEFECTS = {
    "malformed XML": (lambda n: position_xml(sample_institution(n))[:-40], "не прочитан"),
    "no id": (_without_position_id, "нет positionId"),
    "unknown namespace": (
        lambda n: position_xml(sample_institution(n), namespace="http://example.org/other"),
        "неизвестное пространство имён «http://example.org/other»",
    ),
    "bad changeDate": (
        lambda n: position_xml(sample_institution(n, change_date="15.03.2024")),
        "changeDate «15.03.2024»",
    ),
    "empty document": (lambda n: b"", "не прочитан"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_bad_document_is_reported_and_the_rest_read(tmp_path: Path, defect: str) -> None:
    make, reason = DEFECTS[defect]
    good = [sample_institution(n) for n in range(1, 4)]
    path = write_zip(tmp_path / "r.zip", good, extra={"100009.xml": make(9)})
    positions, errors = _split(list(read_positions(path)))
    assert [p.position_id for p in positions] == ["100001", "100002", "100003"]
    assert len(errors) == 1
    assert (errors[0].source, errors[0].document) == ("r.zip", "100009.xml")
    assert reason in errors[0].reason
    assert str(errors[0]).startswith("r.zip:100009.xml: ")


def test_a_document_applied_already_is_not_read_but_still_checked(tmp_path: Path) -> None:
    samples = [sample_institution(1), sample_institution(2, version=2)]
    damaged = {"100003.xml": position_xml(sample_institution(3))[:-300]}
    path = write_zip(tmp_path / "r.zip", samples, extra=damaged)
    applied = {pid: (1, "2024-03-15T07:00:00Z") for pid in ("100001", "100002", "100003")}
    items = list(read_positions(path, applied))
    assert items[0] == Unchanged("r.zip", "100001.xml", "100001")
    assert isinstance(items[1], Position) and items[1].version_number == 2
    assert isinstance(items[2], RejectedDocument) and "не прочитан" in items[2].reason
    assert len(items) == 3


def test_a_truncated_zip_yields_every_whole_document_before_the_break(archive: Path) -> None:
    data = archive.read_bytes()
    cut = data.index(b"PK\x03\x04", data.index(b"100004.xml")) - 20
    archive.write_bytes(data[:cut])
    positions, errors = _split(list(read_positions(archive)))
    assert [p.position_id for p in positions] == ["100001", "100002", "100003"]
    assert [e.document for e in errors] == ["", ""]
    assert "100004.xml: документ обрезан" in errors[0].reason
    assert "прочитано документов: 3" in errors[1].reason


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes sizes after each entry (data descriptors)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self.buffer += data
        return len(data)


def test_a_truncated_zip_with_data_descriptors_is_read_too(tmp_path: Path) -> None:
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for n in (1, 2, 3):
            out.writestr(f"{n}.xml", position_xml(sample_institution(n)))
    data = bytes(stream.buffer)
    assert data[6] & 0x08 or data[7] & 0x08 or b"PK\x07\x08" in data
    path = tmp_path / "streamed.zip"
    path.write_bytes(data[: data.index(b"PK\x01\x02")])  # the directory lost
    positions, errors = _split(list(read_positions(path)))
    assert [p.position_id for p in positions] == ["100001", "100002", "100003"]
    assert len(errors) == 1 and "прочитано документов: 3" in errors[0].reason


def test_one_xml_file_with_several_positions_and_a_bad_one(tmp_path: Path) -> None:
    bodies = [position_xml(sample_institution(n)).decode() for n in (1, 2)]
    inner = [b[b.index("<ns2:position>") : b.index("</ns2:body>")] for b in bodies]
    broken = inner[1].replace("<positionId>100002</positionId>", "")
    text = bodies[0].replace(inner[0], inner[0] + broken + inner[0].replace("100001", "100003"))
    path = tmp_path / "all.xml"
    path.write_text(text, encoding="utf-8")
    positions, errors = _split(list(read_positions(path)))
    assert [p.position_id for p in positions] == ["100001", "100003"]
    assert [(e.source, e.document) for e in errors] == [("all.xml", "")]


def test_a_folder_is_read_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "b.xml").write_bytes(position_xml(sample_institution(2)))
    (tmp_path / "a.xml").write_bytes(position_xml(sample_institution(1)))
    (tmp_path / "notes.txt").write_text("not a register file")
    write_zip(tmp_path / "c.zip", [sample_institution(3)])
    positions, errors = _split(list(read_positions(tmp_path)))
    assert [(p.source, p.position_id) for p in positions] == [
        ("a.xml", "100001"),
        ("b.xml", "100002"),
        ("c.zip", "100003"),
    ]
    assert errors == []


@pytest.fixture
def register_site(tmp_path: Path, archive: Path):
    """A loopback HTTP server with a dataset passport and the file it names."""
    passport = {"passCode": "7710568760-institutions", "version": "3"}
    passport["actualDocument"] = {"fileName": "data-20241101.zip"}
    files = {
        "/public-rest/api/passport": json.dumps(passport).encode(),
        "/public-rest/api/opendata/7710568760-institutions/data-20241101.zip": archive.read_bytes(),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = files.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_passport_names_the_file_to_fetch(register_site: str, tmp_path: Path) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    path = fetch_passport_file(f"{register_site}/public-rest/api/passport?id=221", folder)
    assert path == folder / "data-20241101.zip"
    positions, errors = _split(list(read_positions(path)))
    assert len(positions) == 5 and errors == []


def test_a_missing_passport_is_an_input_error(register_site: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="не загружается"):
        fetch_passport_file(f"{register_site}/public-rest/api/nothing", tmp_path)


def test_the_worker_process_yields_what_reading_in_process_does(tmp_path: Path) -> None:
    samples = [sample_institution(n) for n in range(1, 8)]
    extra = {"100009.xml": position_xml(sample_institution(9))[:-300], "100010.xml": b""}
    path = write_zip(tmp_path / "r.zip", samples, extra=extra)
    applied = {"100002": (1, "2024-03-15T07:00:00Z")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(busgov_worker, "CHUNK", 3)
        patch.setattr(busgov_worker, "IN_FLIGHT", 1)
        in_worker = list(busgov_worker.read_positions_in_worker(path, applied))
    assert in_worker == list(read_positions(path, applied))
    assert Unchanged("r.zip", "100002.xml", "100002") in in_worker
    assert [type(i).__name__ for i in in_worker[-2:]] == ["RejectedDocument", "RejectedDocument"]


def test_only_a_big_source_is_worth_a_worker(tmp_path: Path, monkeypatch) -> None:
    path = write_zip(tmp_path / "r.zip", [sample_institution(1)])
    assert not busgov_worker.worth_a_worker(path)
    monkeypatch.setattr(busgov_worker, "WORKER_BYTES", path.stat().st_size)
    assert busgov_worker.worth_a_worker(path) == ((os.cpu_count() or 1) > 1)
    assert busgov_worker.worth_a_worker(tmp_path) == ((os.cpu_count() or 1) > 1)


class RegisterServer:
    """A loopback bus.gov.ru: a passport, its file, and faults to order (all requests recorded)."""

    def __init__(self, passport: dict, data: bytes) -> None:
        self.passport, self.data = passport, data
        self.requests: list[tuple[str, str]] = []  # (path, Range header)
        self.unavailable = 0  # answer 503 this many times
        self.cut_once = False  # send half the file, then close the connection
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                owner.requests.append((self.path, self.headers.get("Range", "")))
                owner.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        if handler.path.startswith("/public-rest/api/passport"):
            return self._send(handler, 200, json.dumps(self.passport).encode())
        if self.unavailable:
            self.unavailable -= 1
            return self._send(handler, 503, b"busy")
        code = str(self.passport["passCode"])
        name = self.passport["actualDocument"]["fileName"]
        if handler.path != f"/public-rest/api/opendata/{code}/{name}":
            return self._send(handler, 404, b"not found")
        start = int(handler.headers.get("Range", "bytes=0-")[6:].rstrip("-"))
        body = self.data[start:]
        handler.send_response(206 if start else 200)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("ETag", '"v1"')
        if start:
            handler.send_header(
                "Content-Range", f"bytes {start}-{len(self.data) - 1}/{len(self.data)}"
            )
        handler.end_headers()
        if self.cut_once:
            self.cut_once = False
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return None
        handler.wfile.write(body)
        return None

    @staticmethod
    def _send(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def register(archive: Path):
    server = RegisterServer(
        {"passCode": "7710568760-institutions", "actualDocument": {"fileName": "data.zip"}},
        archive.read_bytes() * 40,  # big enough to be cut half-way
    )
    yield server
    server.close()


def _fetch(register: RegisterServer, folder: Path, **options) -> Path:
    folder = folder / "download"
    folder.mkdir(parents=True)
    return fetch_passport_file(f"{register.url}/public-rest/api/passport?id=221", folder, **options)


@pytest.mark.parametrize(
    "passport",
    [
        {"passCode": "x", "actualDocument": {"fileName": ""}},
        {"passCode": "x", "actualDocument": {"fileName": "../../../passport"}},
        {"passCode": "..", "actualDocument": {"fileName": "data.zip"}},
        {"passCode": "x/../../y", "actualDocument": {"fileName": "data.zip"}},
        {"passCode": ["x"], "actualDocument": {"fileName": "data.zip"}},
        {"passCode": "x", "actualDocument": "data.zip"},
        [],
    ],
)
def test_a_malformed_passport_is_an_input_error(register, tmp_path, passport) -> None:
    register.passport = passport
    with pytest.raises(InputError, match="паспорт"):
        _fetch(register, tmp_path)
    assert [path for path, _ in register.requests if "passport" not in path] == []
    assert list((tmp_path / "download").iterdir()) == []


def test_a_numeric_pass_code_is_read_as_text(register, tmp_path) -> None:
    register.passport = {"passCode": 7710568760, "actualDocument": {"fileName": "data.zip"}}
    assert _fetch(register, tmp_path).read_bytes() == register.data


def test_a_download_cut_half_way_is_resumed(register, tmp_path) -> None:
    register.cut_once = True
    path = _fetch(register, tmp_path, backoff=0)
    assert path == tmp_path / "download" / "data.zip" and path.read_bytes() == register.data
    ranges = [rng for path, rng in register.requests if "opendata" in path]
    assert ranges[0] == "" and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"


def test_a_busy_server_is_retried_with_back_off_then_given_up(register, tmp_path) -> None:
    register.unavailable = 2
    started = time.monotonic()
    assert _fetch(register, tmp_path, backoff=0.2).read_bytes() == register.data
    assert time.monotonic() - started >= 0.2 + 0.4
    register.unavailable = 10
    with pytest.raises(InputError, match="после 3 попыток"):
        _fetch(register, tmp_path / "again", retries=2, backoff=0)


def test_a_file_over_the_size_cap_is_refused(register, tmp_path) -> None:
    with pytest.raises(InputError, match="over the size limit"):
        _fetch(register, tmp_path, max_bytes=1000)
