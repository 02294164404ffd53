"""Reading text files: bytes to str, strict about what is not text.

UTF-8 (with or without a BOM) and UTF-16 with a BOM are read as they are, other bytes as Windows-1252
with a notice; empty, blank, binary and BOM-less UTF-16 content is refused in one line. Articles and the
text-based document formats (.srt, .md, .html) are all read through :func:`decode`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from translate_cli.errors import UserError

MAX_BYTES = 50 * 2**20  # the most read from any article or document


def decode(data: bytes, name: str, notice: Callable[[str], None] | None = None) -> str:
    """Bytes of a text file to str: UTF-8 (BOM allowed), UTF-16 with a BOM, else Windows-1252 with a notice.

    Empty, whitespace-only (or invisible-only), binary and BOM-less UTF-16 content raise UserError.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UserError(f"{name}: starts with a UTF-16 mark but does not decode as UTF-16") from None
    elif b"\x00" in data[:8192]:
        if order := _utf16_without_bom(data[:8192]):
            raise UserError(f"{name}: looks like UTF-16 without a byte-order mark; convert it to UTF-8 "
                            f"(iconv -f UTF-16{order} -t UTF-8)")
        raise UserError(f"{name}: looks like a binary file, not text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise UserError(f"{name}: not valid UTF-8 (byte {error.start}) nor Windows-1252 text") from None
            if notice:
                notice(f"{name}: not UTF-8; read as Windows-1252 (Latin-1)")
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > 8 and controls > len(text[:8192]) // 100:
        raise UserError(f"{name}: looks like a binary file, not text")
    if not text:
        raise UserError(f"{name}: is empty")
    if is_blank(text):
        raise UserError(f"{name}: holds only whitespace or invisible characters")
    return text


def _utf16_without_bom(head: bytes) -> str | None:
    """'LE' or 'BE' when NUL bytes fill every other position (UTF-16 text of a Latin script without a BOM)."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) / 2
    if max(even, odd) > 0.4 * half and min(even, odd) <= 0.05 * half:
        return "LE" if odd > even else "BE"
    return None


_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn"}  # controls, format (zero-width, BOM, bidi marks), separators


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace, zero-width and other invisible characters."""
    return not text.strip() or all(unicodedata.category(c) in _INVISIBLE or c.isspace() for c in text)
