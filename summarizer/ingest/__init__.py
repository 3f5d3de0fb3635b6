"""Ingest: a report file -> a :class:`Document` of numbered, verbatim sentences.

read bytes -> decode -> (HTML: extract article) -> clean (deletions only, offset map)
-> language and script -> sentences (original script for evidence, Simplified for analysis).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .clean import Cleaned, OffsetMap, clean_text
from .decode import decode_bytes
from .html import html_to_text, looks_like_html
from .language import detect_language
from .script import detect_script, to_simplified
from .sentences import HEADING, TOPIC_OPENER, split_spans

SUPPORTED_LANGUAGES = {"zh", "en"}
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml"}
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Sentence:
    id: int  # 1-based, as cited by the model
    text: str  # verbatim from the cleaned text, original script
    simplified: str  # what the analysis and the model see
    start: int  # offsets in Document.text
    end: int
    paragraph: int
    heading: bool  # a section heading such as "一、…"
    opener: bool  # opens a topic: 会议指出/强调/要求…, 关于…


@dataclass
class Document:
    path: Path
    sha256: str
    encoding: str
    original: str  # decoded file text (article text for HTML)
    text: str  # cleaned text: original minus deleted boilerplate
    offsets: OffsetMap
    language: str
    script: str | None
    title: str | None
    sentences: list[Sentence]
    warnings: list[str] = field(default_factory=list)
    cleaned: Cleaned | None = None

    @property
    def is_chinese(self) -> bool:
        return self.language == "zh"

    def sentence(self, sid: int) -> Sentence | None:
        return self.sentences[sid - 1] if 1 <= sid <= len(self.sentences) else None

    def simplified_of(self, text: str) -> str:
        """The Simplified form of one of this document's sentences (or of any text)."""
        for sentence in self.sentences:
            if sentence.text == text:
                return sentence.simplified
        return to_simplified(text) if self.script == "traditional" else text

    def original_span(self, sentence: Sentence) -> tuple[int, int]:
        """Where the sentence lies in ``original`` (exact: cleaning only deletes)."""
        return self.offsets.span_to_original(sentence.start, sentence.end)


def _title(text: str, sentences: list[Sentence]) -> str | None:
    if not sentences:
        return None
    first = sentences[0]
    line_end = text.find("\n", first.start)
    line = text[first.start: line_end if line_end >= 0 else len(text)].strip()
    if line == first.text and len(line) <= 80 and line[-1] not in "。！？；!?;,，":
        return line
    return None


def parse_text(raw: str, *, path: Path, sha256: str, encoding: str) -> Document:
    """Everything after decoding; split out so tests and fuzzers can drive it with strings."""
    if looks_like_html(raw, path.suffix):
        raw = html_to_text(raw)
        if not raw.strip():
            raise InputError("no article text found in the HTML page", path=path,
                             hint="save the article body as text, or check that the page is not a script-only shell")
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not raw.strip():
        raise InputError("file is empty", path=path, hint="give a report with text in it")
    cleaned = clean_text(raw)
    guess = detect_language(cleaned.text)
    if guess is None:
        raise InputError("file has no words in it (only digits, punctuation or symbols)", path=path,
                         hint="give a report with text in it")
    if guess.language not in SUPPORTED_LANGUAGES:
        raise InputError(f"unsupported language: {guess.language}", path=path,
                         hint="summarizer reads Chinese (Simplified or Traditional) and English reports")
    warnings = list(cleaned.flags)
    if guess.mixed:
        warnings.append(f"mixed_language: the report mixes languages; treated as '{guess.language}' "
                        f"({guess.share:.0%} of its letters)")
    script = detect_script(cleaned.text) if guess.language == "zh" else None
    simplify = script == "traditional"
    sentences = []
    for i, span in enumerate(split_spans(cleaned.text), start=1):
        text = cleaned.text[span.start:span.end]
        sentences.append(Sentence(
            id=i, text=text, simplified=to_simplified(text) if simplify else text,
            start=span.start, end=span.end, paragraph=span.paragraph,
            heading=bool(HEADING.match(text)) and len(text) <= 80,
            opener=bool(TOPIC_OPENER.match(text)),
        ))
    title = _title(cleaned.text, sentences)
    body = [s for s in sentences if s.text != title]
    if not body:
        raise InputError("report has a title but no body text", path=path,
                         hint="give the full report, not just its headline")
    return Document(path=path, sha256=sha256, encoding=encoding, original=raw, text=cleaned.text,
                    offsets=cleaned.offsets, language=guess.language, script=script, title=title,
                    sentences=sentences, warnings=warnings, cleaned=cleaned)


def read_report(path: Path) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"file is {size / 2**20:.0f} MB, over the {MAX_BYTES // 2**20} MB limit", path=path,
                             hint="split it into separate reports")
        data = path.read_bytes()
    except PermissionError:
        raise InputError("permission denied reading the file", path=path, hint="check its permissions") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a report file", path=path) from None
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", path=path) from None
    if not data.strip():
        raise InputError("file is empty", path=path, hint="give a report with text in it")
    text, encoding = decode_bytes(data, path)
    return parse_text(text, path=path, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding)


def find_reports(target: Path) -> list[Path]:
    """A file, or the report files under a folder (recursive), sorted."""
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                      and not p.name.endswith((".brief.md",)))
    if not target.exists():
        raise InputError("no such file or folder", path=target)
    return [target]
