"""Russian dates in documents, and the approval date a document declares about itself.

Own regular expressions rather than dateparser: it misses "от 01 марта 2014 года №12" and
parses ~1,000 strings/s, while these run at well over 50,000 short texts/s.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip
_MONTH_WORD = r"(?:январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)[а-я]*"
_MONTH_ABBR = r"(?:янв|фев|мар|апр|июн|июл|авг|сент?|окт|нояб?|дек)\.?"
_Q = r"[«\"“„'‹]?[\s_]*"  # «_12_» with underscores for a handwritten day
_CQ = r"[\s_]*[»\"”'›]?[\s_]*"
_YEAR_WORD = r"(?:\s*(?:года|год|г\.|г(?![а-яё])))?"
# Patterns are lowercase and run on lowercased text: re.I on Unicode costs twice the time.
DATE_PATTERN = (
    r"(?=[\d«\"“„'‹_])"  # a cheap first-character test before the alternatives
    rf"(?:{_Q}(?P<d1>[0-3]?\d){_CQ}(?P<m1>{_MONTH_WORD}|{_MONTH_ABBR})[\s_]*(?P<y1>(?:19|20)\d\d)"
    rf"|(?<![\d.])(?P<d2>[0-3]?\d)(?P<sep>[./-])(?P<m2>[01]?\d)(?P=sep)"
    rf"(?P<y2>(?:19|20)\d\d|(?<=\.)\d\d)(?![\d])"
    rf"|(?<![\d.])(?P<y3>(?:19|20)\d\d)[-.](?P<m3>[01]\d)[-.](?P<d3>[0-3]\d)(?![\d]))"
    rf"{_YEAR_WORD}"
)
_DATE = re.compile(DATE_PATTERN)

_GAP = r"[\s\S]{0,250}?"  # up to a few lines between a keyword and its date
# Approval forms, strongest first: the first rule that matches decides. Each rule comes with
# lowercase keywords, one of which must be in the text for the rule to be tried at all
# (a substring test is far cheaper than a case-insensitive regex scan).
_RULE_SOURCES = (
    (rf"(?<![а-яё])утвержд(?:аю|[её]н[аоы]?(?![а-яё])|[её]нн[а-яё]*){_GAP}{DATE_PATTERN}",
     ("утвержд",)),
    (rf"(?:приказ|распоряжени|постановлени|протокол)[а-яё]*\s+(?:[^\n]{{0,80}}?\s)?от\s*"
     rf"{DATE_PATTERN}", ("приказ", "распоряжени", "постановлени", "протокол")),
    # E-signature stamps: the signing date, not the certificate's validity dates beside it.
    (rf"дата\s+(?:и\s+время\s+)?подписани[яе]\s*:?\s*{DATE_PATTERN}", ("подписани",)),
    (rf"подписан[оа]?\s*:{_GAP}(?<![а-яё])дата\s*:\s*{DATE_PATTERN}", ("подписан",)),
    (rf"(?:документ\s+подписан|подписан[оа]?\s+электронн|электронн[а-яё]*\s+подпис){_GAP}"
     rf"{DATE_PATTERN}", ("подпис",)),
    (rf"(?<![а-яё])от\s*{DATE_PATTERN}\s*№", ("№",)),
)  # fmt: skip
_RULES = tuple((re.compile(pattern), keywords) for pattern, keywords in _RULE_SOURCES)
_HEAD_CHARS = 60_000  # approval stamps sit at the top, e-signature stamps at the bottom
_TAIL_CHARS = 8_000


def parse_russian_date(s: str) -> date | None:
    """The first valid date in s: «12» марта 2024 г., 12.03.2024, 12.03.24, 2024-03-12."""
    for match in _DATE.finditer(s.lower()):
        found = _date_of(match)
        if found is not None:
            return found
    return None


def extract_approval_date(text: str) -> tuple[date, str] | None:
    """The date a document says it was approved or signed, and the text that says so."""
    if len(text) > _HEAD_CHARS + _TAIL_CHARS:
        text = text[:_HEAD_CHARS] + "\n" + text[-_TAIL_CHARS:]
    if not any(ch.isdigit() for ch in text):
        return None
    lowered = text.lower()
    original = text if len(text) == len(lowered) else lowered  # to quote the matched span
    for rule, keywords in _RULES:
        if not any(word in lowered for word in keywords):
            continue
        for match in rule.finditer(lowered):
            found = _date_of(match)
            if found is not None:
                return found, " ".join(original[match.start() : match.end()].split())
    return None


def _date_of(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    if groups["d1"]:
        day, month, year = groups["d1"], _month_number(groups["m1"]), groups["y1"]
    elif groups["d2"]:
        day, month, year = groups["d2"], groups["m2"], groups["y2"]
    else:
        day, month, year = groups["d3"], groups["m3"], groups["y3"]
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        return date(full_year, int(month), int(day))
    except (TypeError, ValueError):
        return None


def _month_number(word: str) -> int | None:
    return _MONTHS.get(word.lower()[:3])
