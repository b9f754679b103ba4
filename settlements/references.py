"""Payment references compared as a person reads them.

"INV-001", "inv-001", "INV\u2010001" (a Unicode hyphen) and "INV-001" followed by a zero-width space look like one
reference on a remittance advice, so they are one reference here: each is stored as entered, and matched by
its key (Unicode-normalised with NFKC, dashes made plain, invisible characters removed, spaces collapsed and
trimmed, case-folded), which the database keeps unique.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

MAX_LENGTH = 80  # as entered
MAX_KEY_LENGTH = 160  # NFKC and case folding can lengthen a reference: "ß" reads as "ss"
WHITESPACE = re.compile(r"\s+")
# Dashes of every kind read as "-"; U+2212 is the minus sign, a mathematical symbol rather than a dash.
DASHES = {"\u2212", "\ufe63", "\uff0d"}


def _plain(character: str) -> str:
    category = unicodedata.category(character)
    if category == "Pd" or character in DASHES:
        return "-"
    if category in {"Cf", "Cc", "Co", "Cn"} or character == "\u3164":  # invisible, control or unassigned
        return ""
    return character


def reference_key(reference: str) -> str:
    """The form in which two references a person reads as the same one are equal."""
    text = unicodedata.normalize("NFKC", reference or "")
    text = WHITESPACE.sub(" ", text)
    text = "".join(_plain(character) for character in text)
    text = WHITESPACE.sub(" ", text).strip().casefold()
    return unicodedata.normalize("NFKC", text)


def clean_reference(reference, field: str = "reference") -> str:
    """The reference as entered, trimmed; a ValidationError keyed by `field` if it is empty, invisible or too long."""
    text = reference.strip() if isinstance(reference, str) else ""
    if not reference_key(text):
        raise ValidationError({field: "Give the remittance or ledger reference."})
    if len(text) > MAX_LENGTH or len(reference_key(text)) > MAX_KEY_LENGTH:
        raise ValidationError({field: f"A reference has at most {MAX_LENGTH} characters."})
    return text
