"""Render a Brief as a readable Markdown briefing (and write outputs atomically)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .schema import Brief, Check

KIND_LABELS = {
    "executive_meeting": "Executive meeting",
    "standing_committee": "Standing committee meeting",
    "plenary_meeting": "Plenary meeting",
    "work_conference": "Work conference",
    "study_session": "Study session",
    "other": "Meeting",
}
_SEVERITY_MARK = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def _checks_for(brief: Brief, prefix: str) -> list[Check]:
    return [c for c in brief.checks if c.target and (c.target == prefix or c.target.startswith(prefix + "."))]


def to_markdown(brief: Brief) -> str:
    m = brief.meeting
    lines = [f"# {m.title_en or 'Meeting briefing'}", ""]
    facts = []
    if m.body_en:
        facts.append(f"**Body:** {m.body_en}")
    kind = KIND_LABELS.get(m.kind, "Meeting")
    facts.append(f"**Meeting:** {kind}" + (f", {_ordinal(m.number)} meeting" if m.number else ""))
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

    def flags(prefix: str) -> str:
        found = _checks_for(brief, prefix)
        return "".join(f" {_SEVERITY_MARK[c.severity]}" for c in found[:3])

    lines += ["## Summary", ""]
    for n, item in enumerate(brief.summary):
        lines.append(f"- {item.text}{cite(item.evidence)}{flags(f'summary[{n}]')}")
    lines.append("")

    lines += ["## Actions", ""]
    if brief.actions:
        lines += ["| # | Owner | Task | Deadline |", "|---|---|---|---|"]
        for n, a in enumerate(brief.actions, 1):
            owner = a.owner_en or "—"
            if a.owner_zh:
                owner += f" ({a.owner_zh})"
            deadline = None
            if a.deadline:
                deadline = a.deadline.text_en + (f" ({a.deadline.date})" if a.deadline.date else "") + (
                    f" [{a.deadline.recurrence}]" if a.deadline.recurrence else "")
            task = f"{a.task_en}{cite([a.evidence_zh])}{flags(f'actions[{n - 1}]')}"
            lines.append(f"| {n} | {_cell(owner)} | {_cell(task)} | {_cell(deadline)} |")
    else:
        lines.append("_No concrete assignments found._")
    lines.append("")

    if brief.checks:
        lines += ["## Checks", ""]
        for c in brief.checks:
            where = f" (`{c.target}`)" if c.target else ""
            lines.append(f"- {_SEVERITY_MARK[c.severity]} **{c.kind}**{where}: {c.message}")
        lines.append("")

    lines += ["## Sources", ""]
    for n, text in enumerate(evidence, 1):
        lines.append(f"[^{n}]: {text}")
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


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename: a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with_suppress_unlink(tmp)
        raise


def with_suppress_unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
