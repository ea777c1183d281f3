"""Generated bus.gov.ru institution documents in the register's format: tests, benchmark, demos.

The root element's name (``institutionInfo``) is ours: the parser does not depend on it, and we did
not find the name the register gives it. Everything else follows `publisher.registry.busgov.parser`'s layout.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape

from publisher.registry.busgov.parser import NS_EXTERNAL, NS_TYPES

ADDRESS = (("zip", "634050"), ("subject", "Томская обл"), ("locality", "Томск г"))
ADDRESS_TAIL = (("street", "Ленина пр-кт"), ("building", "д. 1"))


@dataclass(frozen=True)
class SampleInstitution:
    """The facts one generated document states."""

    position_id: str
    reg_num: str
    full_name: str
    inn: str
    kpp: str
    ogrn: str
    oktmo: str = "69701000"
    www: str | None = "www.school1.ru"
    founder: str = "Департамент общего образования Томской области"
    okved: str = "85.14"
    version: int = 1
    change_date: str = "2024-03-15T10:00:00+03:00"


def sample_institution(n: int, **changes: object) -> SampleInstitution:
    """The n-th generated school, with identifiers derived from n; keyword arguments override."""
    sample = SampleInstitution(
        position_id=str(100000 + n),
        reg_num=f"69{n:06d}",
        full_name=f"Муниципальное бюджетное общеобразовательное учреждение «Школа № {n}»",
        inn=f"70{n:08d}",
        kpp="701701001",
        ogrn=f"10270{n:08d}",
        www=f"www.school{n}.ru",
    )
    return replace(sample, **changes)


def _leaf(name: str, value: str | None) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value is not None else ""


def _named(name: str, code: str, title: str) -> str:
    return f"<{name}><code>{escape(code)}</code><name>{escape(title)}</name></{name}>"


def _address() -> str:
    parts = [_leaf("zip", ADDRESS[0][1])]
    parts += [_named(tag, "00", value) for tag, value in ADDRESS[1:] + ADDRESS_TAIL[:1]]
    parts.append(_leaf("building", ADDRESS_TAIL[1][1]))
    return f"<complexAddress><address>{''.join(parts)}</address></complexAddress>"


def _identity(s: SampleInstitution) -> str:
    return (
        _leaf("regNum", s.reg_num)
        + _leaf("fullName", s.full_name)
        + _leaf("inn", s.inn)
        + _leaf("kpp", s.kpp)
    )


def _position(s: SampleInstitution) -> str:
    classifier = (
        _named("okfs", "14", "Собственность субъектов Российской Федерации")
        + _named("oktmo", s.oktmo, "Город Томск")
        + f"<okved><code>{s.okved}</code><name>Образование</name><type>C</type></okved>"
    )
    return (
        f"<positionId>{escape(s.position_id)}</positionId><changeDate>{s.change_date}</changeDate>"
        f"<placer>{_identity(s)}</placer><initiator>{_identity(s)}</initiator>"
        f"<versionNumber>{s.version}</versionNumber>"
        f"<main>{_leaf('shortName', 'МБОУ ' + s.reg_num)}{_leaf('ogrn', s.ogrn)}"
        f"<orgType>03</orgType><classifier>{classifier}</classifier>{_address()}</main>"
        f"<additional>{_named('institutionType', '03', 'Бюджетное учреждение')}"
        f"{_leaf('phone', '+7 (3822) 00-00-00')}{_leaf('www', s.www)}"
        f"{_leaf('eMail', 'school@example.ru')}</additional>"
        f"<other><founder><regNum>69000001</regNum>{_leaf('fullName', s.founder)}</founder>"
        "<chief><lastName>Иванова</lastName><firstName>Анна</firstName>"
        "<position>Директор</position></chief></other>"
        "<document><name>Устав</name><date>2015-01-01</date><type>A</type></document>"
    )


def position_xml(sample: SampleInstitution, namespace: str = NS_EXTERNAL) -> bytes:
    """One register document stating ``sample``; ``namespace`` replaces the root's, for defects."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ns2:institutionInfo xmlns="{NS_TYPES}" xmlns:ns2="{namespace}">'
        "<ns2:header><ns2:id>00000000-0000-0000-0000-000000000000</ns2:id>"
        "<ns2:createDateTime>2024-03-15T10:00:00</ns2:createDateTime></ns2:header>"
        f"<ns2:body><ns2:position>{_position(sample)}</ns2:position></ns2:body>"
        "</ns2:institutionInfo>"
    ).encode()


def write_zip(
    path: Path, samples: Iterable[SampleInstitution], extra: dict[str, bytes] | None = None
) -> Path:
    """A register ZIP: one ``<positionId>.xml`` per sample, then ``extra`` documents as given."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for sample in samples:
            archive.writestr(f"{sample.position_id}.xml", position_xml(sample))
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return Path(path)


def empty_elements_document(megabytes: int) -> Iterable[bytes]:
    """A register document of ``megabytes`` MiB of empty elements, in 1 MiB pieces (a ZIP bomb)."""
    yield f'<ext:institutionInfo xmlns:ext="{NS_EXTERNAL}"><ext:body>'.encode()
    for _ in range(megabytes):
        yield b"<a/>" * (1024 * 1024 // 4)
    yield b"</ext:body></ext:institutionInfo>"


def write_bomb_zip(path: Path, megabytes: int = 160, *, cut_directory: bool = False) -> Path:
    """A ZIP of one good document and one that inflates to ``megabytes`` MiB of empty elements;
    ``cut_directory`` drops the central directory (a truncated download)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("100001.xml", position_xml(sample_institution(1)))
        with out.open("bomb.xml", "w", force_zip64=True) as member:
            for piece in empty_elements_document(megabytes):
                member.write(piece)
        out.writestr("100002.xml", position_xml(sample_institution(2)))
    if cut_directory:
        data = path.read_bytes()
        path.write_bytes(data[: data.index(b"PK\x01\x02")])
    return path
