"""Article text from an HTML page, with trafilatura (a maintained extractor)."""

from __future__ import annotations

import re

import trafilatura

_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<meta|<div|<p[\s>])", re.IGNORECASE)


def looks_like_html(text: str, suffix: str = "") -> bool:
    return suffix.lower() in {".html", ".htm", ".xhtml"} or bool(_HTML_SNIFF.match(text[:2048]))


def html_to_text(html: str) -> str:
    """Title line plus the article body, paragraphs on their own lines. Empty if none found."""
    doc = trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True, include_comments=False,
                                      include_tables=True)
    if doc is None:
        return ""
    body = doc.text or ""
    title = (doc.title or "").strip()
    if title and title not in body[:500]:
        body = f"{title}\n{body}"
    return body
