"""Visible text and links of an HTML page, with lxml; broken markup is recovered, never fatal."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawler.items import Link

MAX_LINKS = 3000
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "object", "embed")
_BLOCK = frozenset(
    "address article aside blockquote br caption dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section table tbody td tfoot th "
    "thead title tr ul".split()
)
_CONTEXT_TAGS = frozenset("li p td th tr dd dt h1 h2 h3 h4 h5 h6 caption figcaption label".split())
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "#")
_URL_JUNK = re.compile(r"[\t\n\r]")
_CONTEXT_CHARS = 300


def parse_html(markup: str) -> etree._Element | None:
    """An lxml tree of a decoded page, or None when there is nothing to parse."""
    if not markup.strip():
        return None
    # lxml refuses str input that carries an XML encoding declaration; bytes with an explicit
    # parser encoding sidestep that and ignore a <meta charset> that may lie.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(markup.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None


def extract_links(root: etree._Element, page_url: str) -> tuple[Link, ...]:
    """Absolute links, embeds, form actions and script sources, in document order."""
    base = _base_url(root, page_url)
    links: list[Link] = []
    for el in root.iter("a", "area", "iframe", "frame", "form", "script"):
        link = _link_of(el, base)
        if link is not None:
            links.append(link)
            if len(links) >= MAX_LINKS:
                break
    return tuple(links)


def visible_text(root: etree._Element) -> str:
    """Text a person would read, one line per block element, whitespace collapsed."""
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    parts: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        block = el.tag in _BLOCK
        if event == "start":
            parts.append("\n" if block else "")
            parts.append(el.text or "")
        else:
            parts.append("\n" if block else "")
            parts.append(el.tail or "")
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def element_text(el: etree._Element) -> str:
    """Text content of one element, whitespace collapsed."""
    return " ".join(el.text_content().split())


def _base_url(root: etree._Element, page_url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            return urljoin(page_url, _URL_JUNK.sub("", href.strip()))
    return page_url


def _absolute(base: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    value = _URL_JUNK.sub("", raw.strip())
    if not value or value.lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        url = urljoin(base, value)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    return url if url.startswith(("http://", "https://")) else None


def _link_of(el: etree._Element, base: str) -> Link | None:
    tag = el.tag
    if tag in ("a", "area"):
        return _anchor(el, base)
    if tag in ("iframe", "frame"):
        url = _absolute(base, el.get("src"))
        return Link(url, el.get("title") or "", "iframe") if url else None
    if tag == "script":
        url = _absolute(base, el.get("src"))
        return Link(url, "", "script") if url else None
    action = el.get("action")
    url = base if not (action or "").strip() else _absolute(base, action)
    return Link(url, element_text(el)[:_CONTEXT_CHARS], "form") if url else None


def _anchor(el: etree._Element, base: str) -> Link | None:
    url = _absolute(base, el.get("href"))
    if url is None:
        return None
    text = element_text(el)
    images = [" ".join(filter(None, (img.get("alt"), img.get("title")))) for img in el.iter("img")]
    kind = "img-link" if images and not text else "a"
    text = " ".join(filter(None, [text, *images, el.get("title") or ""]))
    return Link(url, text.strip(), kind, _context(el, text))


def _context(el: etree._Element, anchor_text: str) -> str:
    """Text of the list item, paragraph or table row around a link ("План … Скачать")."""
    node = el.getparent()
    for _ in range(4):
        if node is None:
            return ""
        if node.tag in _CONTEXT_TAGS:
            text = element_text(node)
            if len(text) > len(anchor_text) + 3 or node.tag == "tr":
                return text[:_CONTEXT_CHARS]
        node = node.getparent()
    return ""
