"""Render a Brief as a readable Markdown briefing, and a translation as English Markdown and a
bilingual page."""

from __future__ import annotations

import re
from functools import cache

from .checks import checks_for
from .schema import Brief, SentencePair, TranslatedReport

KIND_LABELS = {
    "executive_meeting": "Executive meeting",
    "standing_committee": "Standing committee meeting",
    "plenary_meeting": "Plenary meeting",
    "work_conference": "Work conference",
    "study_session": "Study session",
    "other": "Meeting",
}
_SEVERITY_MARK = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def ordinal(n: int) -> str:
    """87 -> '87th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


class _CheckMarks:
    """Footnote-style markers for checks (``⚠️[^c2]``) next to the field they are about; each
    check is marked once, at the first place that asks for it."""

    def __init__(self, brief: Brief):
        self.brief = brief
        self.numbers: dict[int, int] = {}  # id(check) -> footnote number
        self.on = checks_for(brief)

    def __call__(self, prefix: str, exclude: tuple[str, ...] = ()) -> str:
        marks = []
        for c in self.on(prefix):
            if id(c) in self.numbers or any(c.target.startswith(x) for x in exclude):
                continue
            self.numbers[id(c)] = len(self.numbers) + 1
            marks.append(f" {_SEVERITY_MARK[c.severity]}[^c{self.numbers[id(c)]}]")
        return "".join(marks)

    def section(self) -> list[str]:
        checks = self.brief.checks
        if not checks:
            return []
        counts = {s: sum(c.severity == s for c in checks) for s in ("error", "warning", "info")}
        summary = ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n)
        lines = ["## Checks", "", f"{len(checks)} automatic check{'s' if len(checks) != 1 else ''} ({summary}); "
                 "the marks next to items point here.", ""]
        marked = sorted(((self.numbers[id(c)], c) for c in checks if id(c) in self.numbers), key=lambda x: x[0])
        for c in checks:
            if id(c) not in self.numbers:
                where = f" (`{c.target}`)" if c.target else ""
                lines.append(f"- {_SEVERITY_MARK[c.severity]} **{c.kind}**{where}: {c.message}")
        if len(marked) < len(checks):
            lines.append("")
        for n, c in marked:
            lines.append(f"[^c{n}]: {_SEVERITY_MARK[c.severity]} **{c.kind}** (`{c.target}`): {c.message}")
        return lines + [""]


def to_markdown(brief: Brief) -> str:
    m = brief.meeting
    marks = _CheckMarks(brief)
    lines = [f"# {m.title_en or 'Meeting briefing'}{marks('meeting.title_en')}", ""]
    facts = []
    if m.body_en:
        facts.append(f"**Body:** {m.body_en}")
    kind = KIND_LABELS.get(m.kind, "Meeting")
    facts.append(f"**Meeting:** {kind}" + (f", {ordinal(m.number)} meeting" if m.number else ""))
    if m.date:
        facts.append(f"**Date:** {m.date}")
    if m.chair and m.chair.name_en:
        chair = m.chair.name_en + (f", {m.chair.title_en}" if m.chair.title_en else "")
        facts.append(f"**Chair:** {chair}" + (f" ({m.chair.name_zh})" if m.chair.name_zh else ""))
    lines += [" · ".join(facts), ""]
    if m.attendees_en:
        lines += [f"**Also present:** {'; '.join(m.attendees_en)}", ""]

    evidence: list[str] = []

    def cite(texts: list[str]) -> str:
        marks = []
        for text in texts:
            if text not in evidence:
                evidence.append(text)
            marks.append(f"[^{evidence.index(text) + 1}]")
        return "".join(marks)

    lines += ["## Summary", ""]
    for n, item in enumerate(brief.summary):
        lines.append(f"- {item.text}{cite(item.evidence)}{marks(f'summary[{n}]')}")
    lines.append("")

    lines += ["## Actions", ""]
    if brief.actions:
        lines += ["| # | Owner | Task | Deadline |", "|---|---|---|---|"]
        for n, a in enumerate(brief.actions, 1):
            owner = a.owner_en or "—"
            if a.owner_zh:
                owner += f" ({a.owner_zh})"
            owner += marks(f"actions[{n - 1}].owner_en")
            deadline = None
            if a.deadline:
                deadline = a.deadline.text_en + (f" ({a.deadline.date})" if a.deadline.date else "") + (
                    f" [{a.deadline.recurrence}]" if a.deadline.recurrence else "")
            task = f"{a.task_en}{cite([a.evidence_zh] if a.evidence_zh else [])}"
            task += marks(f"actions[{n - 1}]", exclude=(f"actions[{n - 1}].deadline",))
            deadline_marks = marks(f"actions[{n - 1}].deadline")
            if deadline_marks:
                deadline = (deadline or "—") + deadline_marks
            lines.append(f"| {n} | {_cell(owner)} | {_cell(task)} | {_cell(deadline)} |")
    else:
        lines.append("_No concrete assignments found._")
    lines.append("")

    lines += marks.section()

    lines += ["## Sources", ""]
    for n, text in enumerate(evidence, 1):
        english = brief.evidence_en.get(text)
        lines.append(f"[^{n}]: {brief.evidence_in_file.get(text, text)}" + (f" — *{english}*" if english else ""))
    lines.append("")
    u = brief.usage
    lines += [
        "---",
        f"Source `{brief.source.path}` (sha256 {brief.source.sha256[:12]}, {brief.source.chars} chars, "
        f"{brief.source.language}{'/' + brief.source.script if brief.source.script else ''}) · prompt "
        f"{brief.prompt.name}@v{brief.prompt.version} ({brief.prompt.sha256[:12]}) · model {brief.model.name} "
        f"@ {brief.model.endpoint} · {u.calls} calls, {u.prompt_tokens}+{u.completion_tokens} tokens, {u.seconds:.1f}s",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ translations
_HEADING_NUMBER = re.compile(r"^([一二三四五六七八九十]+)、")


def translation_paragraphs(tr: TranslatedReport) -> list[tuple[bool, list[SentencePair]]]:
    """(is heading, sentences) per paragraph of the report, headings on their own."""
    out: list[tuple[bool, list[SentencePair]]] = []
    for s in tr.sentences:
        if s.heading or not out or out[-1][0] or out[-1][1][-1].paragraph != s.paragraph:
            out.append((s.heading, []))
        out[-1][1].append(s)
    return out


def _english(s: SentencePair) -> str:
    return s.en if s.en else f"[sentence {s.id} not translated]"


def translation_markdown(tr: TranslatedReport) -> str:
    """``NAME.en.md``: the English, paragraph by paragraph, section headings (一、二、…) as headings."""
    title = next((s for s in tr.sentences if tr.source.title and s.zh == tr.source.title), None)
    lines = [f"# {_english(title) if title else 'Translation'}", ""]
    for heading, sentences in translation_paragraphs(tr):
        if title is not None and sentences == [title]:
            continue
        text = " ".join(_english(s) for s in sentences)
        lines += [f"## {text}" if heading else text, ""]
    flagged = [c for c in tr.checks if c.severity in ("warning", "error")]
    u = tr.usage
    lines += [
        "---",
        f"Translated from `{tr.source.path}` (sha256 {tr.source.sha256[:12]}, {len(tr.sentences)} sentences) · "
        f"prompt {tr.prompt.name}@v{tr.prompt.version} ({tr.prompt.sha256[:12]}) · model {tr.model.name} @ "
        f"{tr.model.endpoint} · {u.calls} calls, {u.prompt_tokens}+{u.completion_tokens} tokens, {u.seconds:.1f}s · "
        f"{len(flagged)} sentence check{'s' if len(flagged) != 1 else ''} to read (NAME.bilingual.html shows them)",
        "",
    ]
    return "\n".join(lines)


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("summarizer", "templates"), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def bilingual_html(tr: TranslatedReport) -> str:
    """``NAME.bilingual.html``: one self-contained page, Chinese and English side by side, sentence by
    sentence; hovering (or focusing) a sentence lights its partner; checks are shown on their sentence."""
    from .checks import KINDS

    by_sentence: dict[int, list] = {}
    general = []
    for c in tr.checks:
        match = re.fullmatch(r"sentences\[(\d+)\]\.en", c.target or "")
        if match:
            by_sentence.setdefault(int(match.group(1)), []).append(c)
        else:
            general.append(c)
    index = {s.id: n for n, s in enumerate(tr.sentences)}
    paragraphs = [(heading, [(s, by_sentence.get(index[s.id], [])) for s in sentences])
                  for heading, sentences in translation_paragraphs(tr)]
    return _environment().get_template("bilingual.html.j2").render(
        tr=tr, paragraphs=paragraphs, general=general, marks=_SEVERITY_MARK, kinds=KINDS,
        flagged=sum(c.severity in ("warning", "error") for c in tr.checks))
