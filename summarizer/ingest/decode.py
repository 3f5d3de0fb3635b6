"""Bytes -> text: strict decoding in a fixed order, a detector only as a last resort.

Order: BOM (UTF-8/UTF-16/UTF-32) -> UTF-16 without BOM (NUL pattern) -> strict UTF-8 ->
strict GB18030 and Big5 (when both decode, charset-normalizer arbitrates between just
those two) -> charset-normalizer over everything. charset-normalizer is never asked
first because it labels short GBK text as Korean.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head:
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 and b != 27)
    return controls / len(head) > 0.10


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text with no BOM has NULs in every other byte for ASCII-range characters."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    for enc, nuls in (("utf-16-le", odd_nuls), ("utf-16-be", even_nuls)):
        if nuls > 0.2 * half:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Return ``(text, encoding)``; raise ``InputError`` naming ``path`` if the bytes are not text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _strict(data, enc)
            if text is None:
                raise InputError(f"file starts with a {enc} byte-order mark but is not valid {enc}", path=path,
                                 hint="re-save it as UTF-8")
            return text, enc
    text = _utf16_without_bom(data)
    if text is not None:
        return text, "utf-16"
    if _looks_binary(data):
        raise InputError("file is binary, not text", path=path,
                         hint="give a .txt, .md or .html report (convert PDFs/Word files to text first)")
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    candidates = {enc: t for enc in ("gb18030", "big5") if (t := _strict(data, enc)) is not None}
    if len(candidates) == 1:
        enc, text = next(iter(candidates.items()))
        return text, enc
    if len(candidates) == 2:
        best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
        enc = "big5" if best is not None and best.encoding == "big5" else "gb18030"
        return candidates[enc], enc
    best = from_bytes(data).best()
    if best is None:
        raise InputError("cannot decode the file as text in any supported encoding", path=path,
                         hint="re-save it as UTF-8")
    return str(best), best.encoding
