"""How each simulated platform lays out its URLs (the shapes real institution sites use)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """URL paths of a platform's sections and files."""

    about: str
    documents: str
    nok: str
    survey: str
    news: str
    plan_page: str
    file_prefix: str


LAYOUTS: dict[str, Layout] = {
    "wordpress": Layout(
        "/?page_id=2",
        "/?page_id=7",
        "/?page_id=12",
        "/?page_id=15",
        "/?cat=3",
        "/?page_id=21",
        "/wp-content/uploads/2024/03/",
    ),
    "joomla": Layout(
        "/index.php?option=com_content&view=article&id=1",
        "/index.php?option=com_content&view=category&id=8",
        "/index.php?option=com_content&view=article&id=44",
        "/index.php?option=com_content&view=article&id=45",
        "/index.php?option=com_content&view=category&id=2",
        "/index.php?option=com_content&view=article&id=46",
        "/images/docs/",
    ),
    "bitrix": Layout(
        "/about/",
        "/about/documents/",
        "/about/nok/",
        "/about/nok/anketa/",
        "/news/",
        "/about/nok/plan/",
        "/upload/iblock/5f3/",
    ),
    "gosweb": Layout(
        "/svedeniya-ob-organizatsii/",
        "/svedeniya-ob-organizatsii/dokumenty/",
        "/nezavisimaya-otsenka-kachestva/",
        "/nezavisimaya-otsenka-kachestva/anketa/",
        "/novosti/",
        "/nezavisimaya-otsenka-kachestva/plan/",
        "/netcat_files/",
    ),
    "tvoysadik": Layout(
        "/?section_id=1",
        "/?section_id=9",
        "/?section_id=31",
        "/?section_id=32",
        "/?section_id=4",
        "/?section_id=33",
        "/file/card?id=",
    ),
    "static": Layout(
        "/about.html",
        "/docs.html",
        "/nok.html",
        "/anketa.html",
        "/news.html",
        "/plan.html",
        "/files/",
    ),
    "sveden": Layout(
        "/sveden/common/",
        "/sveden/document/",
        "/sveden/nok/",
        "/sveden/anketa/",
        "/news/",
        "/sveden/nok/plan/",
        "/sveden/files/",
    ),
}
