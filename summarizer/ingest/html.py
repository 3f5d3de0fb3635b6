"""Article text from an HTML page, with trafilatura (a maintained extractor).

trafilatura drops navigation, sidebars, share widgets and footers and keeps the article
body; its title (from <title>/<h1>/meta, site name removed) is put first when the body
does not already start with it. A page whose article is shorter than trafilatura's
minimum (250 characters) is extracted again with the minimum lowered, with a warning.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import cache

from ..errors import MissingDependency

_HTML_SNIFF = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!doctype html|<html|<head|<body|<meta|<div|<p[\s>]|<!--)",
                         re.IGNORECASE)
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def looks_like_html(text: str, suffix: str = "") -> bool:
    return suffix.lower() in HTML_SUFFIXES or bool(_HTML_SNIFF.match(text[:2048]))


@cache
def _trafilatura():
    """trafilatura, imported when an HTML report is first read (plain-text reports never need it)."""
    try:
        import trafilatura
        from trafilatura.settings import use_config
    except ImportError as exc:  # e.g. lxml 5.2+ without lxml_html_clean
        raise MissingDependency.from_import(exc, package="trafilatura", needed_for="reading HTML reports") from None
    return trafilatura, use_config


@cache
def _short_page_config():
    """trafilatura's settings with the minimum article size lowered (for one-paragraph pages)."""
    config = deepcopy(_trafilatura()[1]())
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    return config


def _extract(html: str, config=None):
    return _trafilatura()[0].bare_extraction(html, with_metadata=True, favor_recall=True, include_comments=False,
                                       include_tables=True, **({"config": config} if config else {}))


def extract_article(html: str) -> tuple[str, list[str]]:
    """``(text, warnings)``: title line plus the article body, paragraphs on their own lines.

    The text is empty when no article text is found.
    """
    doc = _extract(html)
    warnings: list[str] = []
    if doc is None or not (doc.text or "").strip():
        doc = _extract(html, _short_page_config())
        if doc is not None and (doc.text or "").strip():
            warnings.append("html_short_article: the HTML page has very little article text; check that "
                            "the whole report was saved")
    if doc is None:
        return "", warnings
    body = doc.text or ""
    title = (doc.title or "").strip()
    if title and body.strip() and title not in body[:500]:
        body = f"{title}\n{body}"
    return body, warnings

