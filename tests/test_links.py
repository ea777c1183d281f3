"""rank_links, same_site and platform_paths: where the crawler looks next."""

from __future__ import annotations

import pytest

from crawler.detectors.links import platform_paths, rank_links, same_site
from crawler.detectors.platforms import (
    BitrixPlatform,
    GoswebPlatform,
    JoomlaPlatform,
    SvedenStructure,
    TvoysadikPlatform,
    WordPressPlatform,
)
from crawler.documents import build_page
from crawler.items import Page, SiteContext

HOME = "https://www.school5.ru/"
CTX = SiteContext("i1", HOME)


@pytest.mark.parametrize(
    ("url", "home", "expected"),
    [
        ("https://school5.ru/nok/", HOME, True),
        ("http://www.school5.ru/nok/", "https://school5.ru", True),
        ("https://docs.school5.ru/plan.pdf", HOME, True),  # a subdomain of the site
        ("https://SCHOOL5.RU./a", HOME, True),
        ("https://школа5.рф/nok/", "https://" + "школа5.рф".encode("idna").decode() + "/", True),
        ("https://notschool5.ru/", HOME, False),
        ("https://school5.ru.evil.com/", HOME, False),
        ("https://bus.gov.ru/pub/info-card/1", HOME, False),
        ("https://forms.yandex.ru/u/1/", HOME, False),
        ("https://gosweb.gosuslugi.ru/", "https://sh5-r70.gosweb.gosuslugi.ru/", False),
        ("mailto:a@school5.ru", HOME, False),
        ("https://[::1/", HOME, False),
    ],
)
def test_same_site(url, home, expected):
    assert same_site(url, home) is expected


NOK_PAGE = """<nav><a href="/">Главная</a> <a href="/news/">Новости</a>
<a href="/sveden/">Сведения об образовательной организации</a>
<a href="/nezavisimaya-otsenka-kachestva/">Независимая оценка качества</a>
<a href="/documents/">Документы</a> <a href="/anketa/">Анкета</a>
<a href="/news/2024/vypusknoy/">Выпускной 2024</a> <a href="/calendar/?month=2024-05">Май</a>
<a href="/upload/foto.jpg">Фото</a> <a href="/docs/plan-raboty.pdf">План работы на 2024 год</a>
<a href="https://bus.gov.ru/pub/info-card/1">bus.gov.ru</a>
<a href="https://vk.com/school5">ВКонтакте</a></nav>
<h2>Независимая оценка качества</h2><ul><li>План по устранению недостатков
<a href="/upload/iblock/doc1234.pdf">Скачать</a></li></ul>"""


def test_rank_links_orders_promising_same_site_links_first_and_drops_traps():
    page = build_page("https://school5.ru/nok/", 200, {}, NOK_PAGE.encode())
    ranked = [
        (link.url.removeprefix("https://school5.ru"), score)
        for link, score in rank_links(page, CTX)
    ]
    urls = [url for url, _ in ranked]
    assert set(urls[:2]) == {"/upload/iblock/doc1234.pdf", "/nezavisimaya-otsenka-kachestva/"}
    assert urls.index("/anketa/") < urls.index("/sveden/") < urls.index("/documents/")
    assert urls.index("/documents/") < urls.index("/docs/plan-raboty.pdf")  # a look-alike
    assert urls[-1] == "/news/2024/vypusknoy/"
    for dropped in ("/calendar/?month=2024-05", "/upload/foto.jpg", "/nok/"):
        assert dropped not in urls
    assert not any(url.startswith("https://") for url in urls)  # other sites
    assert all(0 < score <= 1 for _, score in ranked)


def test_rank_links_keeps_one_entry_per_url():
    body = '<a href="/nok/">x</a><a href="/nok/#top">NOK</a><a href="/nok/">НОК</a>'
    page = build_page(HOME, 200, {}, body.encode())
    assert [(link.text, score) for link, score in rank_links(page, CTX)] == [("НОК", 0.95)]


def home(html: str, url: str = HOME) -> Page:
    return Page(url=url, status=200, content_type="text/html", text="", html=html)


@pytest.mark.parametrize(
    ("platform", "page", "expected"),
    [
        (GoswebPlatform(), home("", "https://sh5-r70.gosweb.gosuslugi.ru/"), True),
        (GoswebPlatform(), home('<link href="https://gosweb.gosuslugi.ru/assets/a.css">'), True),
        (TvoysadikPlatform(), home("", "https://ds12.tvoysadik.ru/"), True),
        (TvoysadikPlatform(), home('<a href="/file/card?id=42">Устав</a>'), True),
        (BitrixPlatform(), home('<script src="/bitrix/js/main/core/core.js"></script>'), True),
        (WordPressPlatform(), home('<meta name="generator" content="WordPress 6.4">'), True),
        (JoomlaPlatform(), home('<a href="/index.php?option=com_content&view=article">'), True),
        (SvedenStructure(), home('<a href="/sveden/common/">Сведения</a>'), True),
        (BitrixPlatform(), home("<p>Static site</p>"), False),
        (WordPressPlatform(), home("<p>Static site</p>"), False),
        (GoswebPlatform(), home(""), False),
    ],
)
def test_platforms_recognise_their_sites(platform, page, expected):
    assert platform.matches(page) is expected


def test_platform_paths_are_absolute_and_come_from_each_matching_platform():
    html = '<script src="/bitrix/js/core.js"></script><a href="/sveden/">Сведения</a>'
    urls = platform_paths("https://school5.ru/", html)
    assert "https://school5.ru/nok/" in urls  # Bitrix
    assert "https://school5.ru/sveden/document/" in urls  # the Rosobrnadzor structure
    assert any(url.startswith("https://school5.ru/search/?q=") for url in urls)
    assert len(urls) == len(set(urls))


def test_platform_paths_without_markup_use_the_host_alone():
    assert (
        platform_paths("https://ds12.tvoysadik.ru/", None)[0]
        == "https://ds12.tvoysadik.ru/sveden/common"
    )
    assert platform_paths("https://school5.ru/", None) == []


def test_wordpress_and_joomla_are_searched_for_the_plan():
    wordpress = platform_paths(HOME, '<link href="/wp-content/themes/a.css">')
    assert wordpress[0].startswith("https://www.school5.ru/?s=%D0%BF%D0%BB%D0%B0%D0%BD")
    joomla = platform_paths(HOME, '<script src="/media/jui/js/jquery.min.js"></script>')
    assert joomla[0].startswith("https://www.school5.ru/index.php?option=com_search&searchword=")
