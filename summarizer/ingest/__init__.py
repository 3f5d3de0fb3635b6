"""Ingest: a report file -> a :class:`Document` of numbered, verbatim sentences. Reading only:
what the text says (meeting, people, places, terms) is found by :mod:`summarizer.facts`.

read bytes -> decode -> (HTML: extract article) -> clean (deletions only, offset map)
-> language and script -> sentences (original script for evidence, Simplified for analysis).

Every failure a user can meet is an :class:`InputError`: one line naming the file, the
problem and what to do.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .clean import Cleaned, OffsetMap, clean_text
from .decode import decode_bytes
from .html import extract_article, looks_like_html
from .language import detect_language
from .script import detect_script, to_simplified
from .sentences import HEADING, LINE_BREAKS, TOPIC_OPENER, split_spans

SUPPORTED_LANGUAGES = {"zh", "en"}
SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml"}
MAX_BYTES = 50 * 1024 * 1024
CUT = "[…]"  # marks where cleaning deleted text from inside a quoted sentence
SHORT_CUT = 12  # characters: a deletion this short, on one line, is shown in a quote rather than marked


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
    original: str  # decoded file text, exactly (for HTML: the extracted article text)
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

    def sentence_with(self, text: str) -> Sentence | None:
        """The first of this document's sentences whose text is ``text``, if any."""
        key = (id(self.sentences), len(self.sentences))
        cached = self.__dict__.get("_text_index")
        if cached is None or cached[0] != key:  # built once per sentence list (O(1) lookups)
            index = {sentence.text: sentence for sentence in reversed(self.sentences)}  # the first one wins
            cached = self.__dict__["_text_index"] = (key, index)
        return cached[1].get(text)

    def simplified_of(self, text: str) -> str:
        """The Simplified form of one of this document's sentences (or of any text)."""
        sentence = self.sentence_with(text)
        if sentence is not None:
            return sentence.simplified
        return to_simplified(text) if self.script == "traditional" else text

    def original_span(self, sentence: Sentence) -> tuple[int, int]:
        """Where the sentence lies in ``original`` (exact: cleaning only deletes)."""
        return self.offsets.span_to_original(sentence.start, sentence.end)

    def in_file(self, sentence: Sentence) -> str:
        """The sentence as ``original`` has it, so a text search in the file finds it: a short
        one-line deletion from inside it (a byline, injected pinyin) is put back as it was; a longer
        one is marked ``CUT`` and not repeated, so every piece between the marks is in the file."""
        out: list[str] = []
        start = sentence.start
        end_of_last = None  # original offset after the previous kept piece
        for pos in range(sentence.start + 1, sentence.end + 1):
            if pos < sentence.end and self.offsets.to_original(pos) == self.offsets.to_original(pos - 1) + 1:
                continue
            a, b = self.offsets.span_to_original(start, pos)
            if end_of_last is not None:
                gap = self.original[end_of_last:a]
                out.append(gap if len(gap) <= SHORT_CUT and not any(c in gap for c in LINE_BREAKS) else CUT)
            out.append(self.original[a:b])
            start, end_of_last = pos, b
        return "".join(out) or sentence.text


def _line_end(text: str, start: int) -> int:
    ends = [i for i in (text.find(c, start) for c in LINE_BREAKS) if i >= 0]
    return min(ends, default=len(text))


def _title(text: str, sentences: list[Sentence]) -> str | None:
    if not sentences:
        return None
    first = sentences[0]
    line = text[first.start: _line_end(text, first.start)].strip()
    if line == first.text and len(line) <= 80 and line[-1] not in "。！？；!?;,，":
        return line
    return None


def file_sha256(path: Path) -> str:
    """The sha256 a briefing records for its source (of the file's bytes, as read)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parse_text(raw: str, *, path: Path, sha256: str, encoding: str) -> Document:
    """Everything after decoding; split out so tests and fuzzers can drive it with strings."""
    warnings: list[str] = []
    if looks_like_html(raw, path.suffix):
        raw, html_warnings = extract_article(raw)
        warnings += html_warnings
        if not raw.strip():
            raise InputError("no article text found in the HTML page", path=path,
                             hint="save the article body as text, or check that the page is not a script-only shell")
    if not raw.strip():
        raise InputError("file is empty (no text, only whitespace)", path=path, hint="give a report with text in it")
    cleaned = clean_text(raw)
    if not cleaned.text.strip():
        raise InputError("nothing is left after removing web-page boilerplate (navigation, bylines, "
                         "share and copyright lines)", path=path, hint="give the report's own text")
    guess = detect_language(cleaned.text)
    if guess is None:
        raise InputError("file has no words in it (only digits, punctuation or symbols)", path=path,
                         hint="give a report with text in it")
    if guess.language not in SUPPORTED_LANGUAGES:
        language = "unknown (letters of no recognised language)" if guess.language == "und" else guess.language
        raise InputError(f"unsupported language: {language}", path=path,
                         hint="summarizer reads Chinese (Simplified or Traditional) and English reports")
    warnings += cleaned.flags
    if guess.mixed:
        warnings.append(f"mixed_language: the report mixes languages; treated as '{guess.language}' "
                        f"({guess.share:.0%} of its text)")
    script = detect_script(cleaned.text) if guess.language == "zh" else None
    simplify = script == "traditional"
    sentences = []
    for i, span in enumerate(split_spans(cleaned.text, guess.language), start=1):
        text = cleaned.text[span.start:span.end]
        sentences.append(Sentence(
            id=i, text=text, simplified=to_simplified(text) if simplify else text,
            start=span.start, end=span.end, paragraph=span.paragraph,
            heading=bool(HEADING.match(text)) and len(text) <= 80,
            opener=bool(TOPIC_OPENER.match(text)),
        ))
    if not sentences:
        raise InputError("no sentences found in the text", path=path, hint="give a report with text in it")
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
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory, not a report file", path=path,
                             hint="give a file, or use the folder as the target")
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file (a pipe, socket or device)", path=path,
                             hint="save the report to a file first")
        if info.st_size > MAX_BYTES:
            raise InputError(f"file is {info.st_size / 2**20:.0f} MB, over the {MAX_BYTES // 2**20} MB limit",
                             path=path, hint="split it into separate reports")
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except PermissionError:
        raise InputError("permission denied reading the file", path=path,
                         hint="check its permissions (chmod u+r)") from None
    except FileNotFoundError:
        hint = "it is a broken symbolic link" if os.path.islink(path) else None
        raise InputError("file not found", path=path, hint=hint) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=path) from None
    if len(data) > MAX_BYTES:
        raise InputError(f"file is over the {MAX_BYTES // 2**20} MB limit", path=path,
                         hint="split it into separate reports")
    if not data.strip():
        raise InputError("file is empty (no text, only whitespace)", path=path, hint="give a report with text in it")
    text, encoding = decode_bytes(data, path)
    return parse_text(text, path=path, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding)


# the tool's own outputs, never read back as reports from a folder
OUTPUT_SUFFIXES = (".brief.md", ".en.md", ".bilingual.html", ".digest.md", ".digest.html")


def find_reports(target: Path, on_error=None) -> list[Path]:
    """A file, or the report files under a folder (recursive), sorted.

    Anything under the folder with a report suffix that is not a folder (nor one of the tool's own
    outputs: briefings, translations, digests) is listed, also
    broken links, link loops and pipes, so that it is reported as an error rather than
    silently skipped. Linked folders are not entered (a link to a parent would loop
    forever); a sub-folder that cannot be listed is passed to ``on_error(path, reason)``.
    """
    target = Path(target)
    if target.is_dir():
        found = []

        def failed(exc: OSError) -> None:
            if on_error is not None and exc.filename is not None and Path(exc.filename) != target:
                on_error(Path(exc.filename), exc.strerror or str(exc))
            elif on_error is not None:
                on_error(target, exc.strerror or str(exc))

        for folder, dirs, files in os.walk(target, onerror=failed, followlinks=False):
            dirs.sort()
            base = Path(folder)
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                path = base / name
                if path.suffix.lower() in SUFFIXES and not name.endswith(OUTPUT_SUFFIXES) and not _is_folder(path):
                    found.append(path)
        return sorted(found)
    if not target.exists() and not target.is_symlink():
        raise InputError("no such file or folder", path=target)
    return [target]


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a link loop: not a folder, listed so that it is reported
        return False
