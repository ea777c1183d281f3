"""Decode HTML bytes from Russian sites: utf-8, windows-1251 and KOI8-R, declared or not.

Declarations lie (a windows-1251 page served as utf-8) and detectors guess wrong on short
pages, so every candidate is decoded and the text is scored against Russian letter
frequencies; the most Russian-looking decoding wins, a declared one on a near-tie.
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_SINGLE_BYTE_FALLBACKS = ("windows-1251", "koi8-r")
_SAMPLE_CHARS = 4_000  # non-ASCII characters: plenty to tell encodings apart
_SAMPLE_BYTES = 400_000
_ASCII_RUN = re.compile(rb"[\x00-\x7f]+")
_CASE_FLIP = re.compile(r"[а-яё][А-ЯЁ]")
_DECLARED_BONUS = 0.3  # per non-ASCII char, in log units: a declaration wins near-ties only
_MIN_EVIDENCE = 64  # non-ASCII bytes below which a declared single-byte charset is taken as is

# Letter frequencies of Russian prose (per 1000 letters).
_FREQ = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (
            110,
            85,
            80,
            74,
            67,
            63,
            55,
            47,
            45,
            44,
            35,
            32,
            30,
            28,
            26,
            20,
            19,
            17,
            17,
            17,
            16,
            14,
            12,
            10,
            9,
            7,
            6,
            5,
            4,
            3,
            3,
            1,
            1,
        ),
        strict=True,
    )
)
_LOG_LETTER = {ch: math.log(f / 1000) for ch, f in _FREQ.items()}
_LOG_UPPER = math.log(0.9)  # capitals are rarer, but all-caps headings are common
_LOG_CASE_FLIP = math.log(0.01)  # "рТЙЧЕФ": a capital right after a small letter is mojibake
_LOG_PUNCT = math.log(0.02)  # «» — № nbsp and the like are normal on Russian pages
_LOG_OTHER = math.log(0.0005)  # box drawing, Latin-1 accents, replacement chars: mojibake
_PUNCT = set("«»—–№\xa0…“”„’‘•·©®°±§€")


def charset_from_content_type(value: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any and known to Python."""
    if not value:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", value, re.I)
    return _known(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag within its first 4 KB."""
    match = _META_CHARSET.search(body[:4096])
    return _known(match.group(1).decode("ascii", "ignore")) if match else None


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns (text, encoding actually used)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name
    declared = [c for c in (header_charset and _known(header_charset), meta_charset(body)) if c]
    if body.isascii():
        return body.decode("ascii"), declared[0] if declared else "utf-8"
    try:
        # Cyrillic in a single-byte encoding is practically never valid UTF-8.
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Too few letters to overrule a declaration ("МБОУ СОШ 5" reads as Russian in both cp1251
    # and KOI8-R): the page's own word decides.
    single_byte = [c for c in declared if c != "utf-8"]
    if single_byte and len(_ASCII_RUN.sub(b"", body[:_SAMPLE_BYTES])) < _MIN_EVIDENCE:
        return body.decode(single_byte[0], "replace"), single_byte[0]
    # Still a candidate: a utf-8 page with a few broken bytes beats its mojibake decodings.
    candidates = single_byte
    candidates += [c for c in ("utf-8", *_SINGLE_BYTE_FALLBACKS) if c not in candidates]
    best = max(candidates, key=lambda c: _score(body, c, c in declared))
    return body.decode(best, "replace"), best


def russian_score(text: str) -> float:
    """Mean log-likelihood per non-ASCII character under a Russian letter model."""
    counts = Counter(text[:_SAMPLE_CHARS])
    total, count = 0.0, 0
    for ch, n in counts.items():
        if ord(ch) > 127:
            total += _char_log(ch) * n
            count += n
    if not count:
        return 0.0
    return (total + _LOG_CASE_FLIP * len(_CASE_FLIP.findall(text, 0, _SAMPLE_CHARS))) / count


def _score(body: bytes, encoding: str, declared: bool) -> float:
    # Only the non-ASCII bytes tell encodings apart; ASCII runs shrink to a word break.
    sample = _ASCII_RUN.sub(b" ", body[:_SAMPLE_BYTES]).decode(encoding, "replace")
    return russian_score(sample) + (_DECLARED_BONUS if declared else 0.0)


def _char_log(ch: str) -> float:
    low = ch.lower()
    if low in _LOG_LETTER:
        return _LOG_LETTER[low] + (_LOG_UPPER if ch != low else 0.0)
    return _LOG_PUNCT if ch in _PUNCT else _LOG_OTHER


def _known(name: str) -> str | None:
    try:
        canonical = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    # Browsers treat these labels as their supersets (WHATWG Encoding Standard).
    return {"cp1251": "windows-1251", "iso8859-1": "windows-1252", "ascii": "utf-8"}.get(
        canonical, canonical
    )
