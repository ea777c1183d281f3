"""Registry CSV import: good rows in, bad rows reported with line and reason, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.errors import InputError
from publisher.registry.table import import_registry

HEADER = "id,name,region,sphere,founder,website,kind,bus_gov_id,inn,ogrn,assessment_date\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "registry.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_good_rows_are_imported_and_bad_rows_reported(fresh_db, tmp_path):
    path = write(
        tmp_path,
        (
            "s1,Школа № 1,RU-TOM,образование,Департамент,www.school1.ru,,123,7017000000,,01.02.2024\n"
            ",Без id,RU-TOM,education,Д,a.ru,,,,,\n"
            "s2,Лицей,Томская область,culture,Д,лицей.рф,authority,,,,2024-02-30\n"
            "s3,Музей,RU-TOM,кино,Д,museum.ru,,,,,\n"
            "s4,Музей,RU-TOM,culture,Д,not a url,,,,,\n"
            "s5,Спорт,RU-TOM,спорт,Д,http://sport.tomsk.ru/ ,,,12345,,\n"
            "s6,Больница,Томская область,здравоохранение,Д,https://hospital.ru/a?b=1,,,,1027000000000,\n"
        ),
    )
    report = import_registry(fresh_db, path)
    assert report.rows == 7
    assert report.stored.inserted == 2
    reasons = {error.line: error.reason for error in report.errors}
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "id" in reasons[3]
    assert "assessment_date" in reasons[4] and "2024-02-30" in reasons[4]
    assert "кино" in reasons[5]
    assert "адрес" in reasons[6]
    assert "inn" in reasons[7]
    rows = {row["id"]: row for row in fresh_db.rows("institutions")}
    assert rows["s1"]["website"] == "http://www.school1.ru/"
    assert rows["s1"]["website_original"] == "www.school1.ru"
    assert rows["s1"]["assessment_date"] == "2024-02-01"
    assert rows["s1"]["sphere"] == "education"
    assert rows["s6"]["region"] == "RU-TOM" and rows["s6"]["sphere"] == "health"


def test_second_import_of_the_same_file_changes_nothing(fresh_db, tmp_path):
    path = write(tmp_path, "s1,Школа,RU-TOM,education,Д,school.ru,,,,,\n")
    assert import_registry(fresh_db, path).stored.inserted == 1
    again = import_registry(fresh_db, path)
    assert (again.stored.inserted, again.stored.updated, again.stored.unchanged) == (0, 0, 1)


def test_changed_row_is_updated(fresh_db, tmp_path):
    import_registry(fresh_db, write(tmp_path, "s1,Школа,RU-TOM,education,Д,school.ru,,,,,\n"))
    report = import_registry(fresh_db, write(tmp_path, "s1,Школа,RU-TOM,education,Д,new.ru,,,,,\n"))
    assert report.stored.updated == 1
    assert next(fresh_db.rows("institutions"))["website"] == "http://new.ru/"


def test_duplicate_id_in_one_file_is_rejected(fresh_db, tmp_path):
    report = import_registry(
        fresh_db,
        write(
            tmp_path,
            ("s1,Школа,RU-TOM,education,Д,a.ru,,,,,\ns1,Другая,RU-TOM,education,Д,b.ru,,,,,\n"),
        ),
    )
    assert report.stored.inserted == 1
    assert [(e.line, "повторяется" in e.reason) for e in report.errors] == [(3, True)]


def test_missing_columns_name_the_file(fresh_db, tmp_path):
    path = write(tmp_path, "s1,Школа\n", header="id,name\n")
    with pytest.raises(InputError, match=r"registry.csv:1: missing columns: region, sphere"):
        import_registry(fresh_db, path)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "said"),
    [
        ("cp1251", ";", "CSV, cp1251, разделитель «;»"),
        ("utf-8-sig", ";", "CSV, UTF-8, разделитель «;»"),
        ("utf-8", ",", "CSV, UTF-8, разделитель «,»"),
        ("cp1251", "\t", "CSV, cp1251, разделитель табуляция"),
    ],
)
def test_csv_as_russian_offices_write_it_imports(fresh_db, tmp_path, encoding, delimiter, said):
    rows = [
        HEADER.strip().split(","),
        ["s1", "Школа № 1, «Радуга»", "Томская область", "образование", "Д", "a.ru"] + [""] * 5,
    ]
    text = "\r\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in r) for r in rows)
    path = tmp_path / "registry.csv"
    path.write_bytes(text.encode(encoding))
    report = import_registry(fresh_db, path)
    assert (report.stored.inserted, report.errors, report.format) == (1, [], said)
    row = next(fresh_db.rows("institutions"))
    assert (row["name"], row["region"]) == ("Школа № 1, «Радуга»", "RU-TOM")


def test_xlsx_registry_imports(fresh_db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["s1", "Школа", "RU-TOM", "education", "Д", "school.ru"])
    sheet.append(["s2", "Музей", "RU-TOM", "culture", "Д", "museum.ru"])
    book.save(tmp_path / "registry.xlsx")
    report = import_registry(fresh_db, tmp_path / "registry.xlsx")
    assert (report.stored.inserted, report.errors, report.format) == (2, [], "XLSX")


def test_unreadable_header_says_what_was_seen(fresh_db, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes("Код;Наименование;Регион\ns1;Школа;RU-TOM\n".encode("cp1251"))
    with pytest.raises(InputError) as raised:
        import_registry(fresh_db, path)
    message = str(raised.value)
    assert "missing columns: id, name" in message
    assert "Код | Наименование | Регион" in message and "cp1251" in message


def test_binary_file_is_a_clear_error(fresh_db, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(b"\x81\x98\x00" * 10)
    with pytest.raises(InputError, match="registry.csv.*cp1251"):
        import_registry(fresh_db, path)


def test_import_keeps_values_other_sources_gave(fresh_db, tmp_path):
    fresh_db.upsert(
        "institutions",
        [{"id": "s1", "name": "Школа", "region": "RU-TOM", "sphere": "education",
          "kind": "institution", "website": "http://old.ru/", "reg_num": "69000001",
          "kpp": "701701001", "bus_gov_id": "100001", "closed_at": "2025-01-01"}],
    )  # fmt: skip
    report = import_registry(fresh_db, write(tmp_path, "s1,Школа,RU-TOM,education,Д,new.ru,,,,,\n"))
    assert report.stored.updated == 1
    row = next(fresh_db.rows("institutions"))
    assert row["website"] == "http://new.ru/" and row["founder"] == "Д"
    assert (row["reg_num"], row["kpp"], row["bus_gov_id"], row["closed_at"]) == (
        "69000001",
        "701701001",
        "100001",
        "2025-01-01",
    )


def test_a_cp1251_byte_is_reported_on_its_own_line(fresh_db, tmp_path):
    rows = "".join(f"s{n},Школа {n},RU-TOM,education,Д,a{n}.ru,,,,,\n" for n in range(1, 400))
    lines = (HEADER + rows).splitlines(keepends=True)
    data = "".join(lines[:301]).encode() + lines[301].encode("cp1251")
    path = tmp_path / "registry.csv"
    path.write_bytes(data + "".join(lines[302:]).encode())
    with pytest.raises(InputError, match=r"registry.csv:302: .*not UTF-8"):
        import_registry(fresh_db, path)


def test_an_overlong_cell_rejects_its_row_only(fresh_db, tmp_path):
    long_name = "Ш" * 200_000
    path = write(
        tmp_path,
        f"s1,{long_name},RU-TOM,education,Д,a.ru,,,,,\ns2,Лицей,RU-TOM,education,Д,b.ru,,,,,\n",
    )
    report = import_registry(fresh_db, path)
    assert [(e.line, "cell too long" in e.reason) for e in report.errors] == [(2, True)]
    assert report.stored.inserted == 1
