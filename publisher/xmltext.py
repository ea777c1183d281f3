"""Text made safe for XML 1.0: the one function every writer of XML (feeds, charts) uses.

XML 1.0 forbids most control characters even when escaped (``&#1;`` is not well-formed). One such
character in an institution's name (one cell of a registry or report CSV) would make a feed that
no reader, nokwatch included, can parse again; so they are removed here, with a warning naming
where the text came from.
"""

from __future__ import annotations

import logging
import re
from html import escape

log = logging.getLogger(__name__)

# Everything outside XML 1.0's Char production: C0 controls but tab, LF, CR; surrogates; FFFE/FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str, where: str = "") -> str:
    """``text`` without the characters XML 1.0 cannot carry; warns (naming ``where``) if any."""
    cleaned, count = FORBIDDEN.subn("", text)
    if count:
        log.warning(
            "%s: удалено управляющих символов: %d (control characters removed before writing XML): %r",
            where or "text",
            count,
            cleaned[:80],
        )
    return cleaned


def xml_escaped(text: str, where: str = "") -> str:
    """``text`` made XML-safe and escaped, for XML written as a string (SVG charts)."""
    return escape(xml_text(text, where))
