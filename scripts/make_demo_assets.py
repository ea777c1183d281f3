"""Generate the fixture web's plan documents once (run from the repo root); outputs are committed.

    .venv/bin/python -m scripts.make_demo_assets

Needs reportlab, Pillow, python-docx, odfpy, the DejaVu fonts (Cyrillic) and LibreOffice
(``apt-get install libreoffice-writer-nogui``) to convert the DOCX into a real Word 97 .doc (abiword's
"doc" export writes RTF). The outputs are a few tens of KB each, so neither the tests nor the demo
need any of these tools.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from nokwatch.demo.content import current_plan

ASSETS = Path(__file__).parent / "assets"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
NAME = "МБОУ «Средняя школа № 5»"
APPROVED = date(2024, 3, 12)  # the assets' plans are all approved on this day


def plan_lines() -> list[str]:
    """The current plan's text, line by line (the same text the HTML plans carry)."""
    return [line for line in current_plan(NAME, APPROVED).splitlines() if line.strip()]


def make_pdf(lines: list[str]) -> bytes:
    """A PDF with a text layer, as a word processor exports it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.setFont("DejaVu", 8)
    for i, line in enumerate(lines):
        pdf.drawString(30, 800 - 14 * i, line[:120])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_scan(lines: list[str]) -> bytes:
    """A scanned PDF: a picture of the text, no text layer."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (700, 300), 255)
    draw, font = ImageDraw.Draw(image), ImageFont.truetype(FONT, 16)
    for i, line in enumerate(lines[:8]):
        draw.text((10, 10 + 30 * i), line[:70], fill=0, font=font)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawImage(ImageReader(image), 30, 450, width=540, height=230)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_docx(lines: list[str]) -> bytes:
    """A DOCX with the plan's title as paragraphs and its rows as a table."""
    import docx

    document = docx.Document()
    rows = [line for line in lines if " | " in line]
    for line in lines:
        if " | " not in line:
            document.add_paragraph(line)
    table = document.add_table(rows=len(rows), cols=4)
    for row, line in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, line.split(" | "), strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_odt(lines: list[str]) -> bytes:
    """An ODT, as LibreOffice saves it."""
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for line in lines:
        document.text.addElement(P(text=line))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def make_doc(docx_bytes: bytes) -> bytes:
    """A real Word 97-2003 .doc (OLE compound file), converted from the DOCX by LibreOffice."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "plan.docx"
        source.write_bytes(docx_bytes)
        subprocess.run(
            [
                "soffice",
                "--headless",
                "--convert-to",
                "doc:MS Word 97",
                "--outdir",
                folder,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (Path(folder) / "plan.doc").read_bytes()


def main() -> None:
    """Write every asset."""
    lines = plan_lines()
    docx_bytes = make_docx(lines)
    outputs = {
        "plan.pdf": make_pdf(lines),
        "plan_scan.pdf": make_scan(lines),
        "plan.docx": docx_bytes,
        "plan.odt": make_odt(lines),
        "plan.doc": make_doc(docx_bytes),
    }
    ASSETS.mkdir(exist_ok=True)
    for name, body in outputs.items():
        (ASSETS / name).write_bytes(body)
        print(f"{name}: {len(body)} bytes")


if __name__ == "__main__":
    main()
