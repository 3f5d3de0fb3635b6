"""A digest as Markdown, one self-contained HTML page (inline SVG charts), DOCX and JSON.

All four hold the same sections in the same order: overview, themes, meetings, actions and deadlines,
duplicates, checks. Every statement carries its item ids; every item its meeting and source sentences.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

from ..files import write_atomic
from ..render import KIND_LABELS, ordinal
from .model import ActionRow, Digest, Item, Statement

SECTIONS = ["Overview", "Themes", "Meetings", "Actions and deadlines", "Duplicates", "Checks"]
FORMATS = ("md", "html", "docx", "json")


def _cite(st: Statement) -> str:
    return f" [{', '.join(st.items)}]" if st.items else " [no source]"


def _deadline(row: ActionRow) -> str:
    d = row.deadline
    if d is None:
        return "—"
    return d.text_en + (f" ({d.date})" if d.date else "") + (f" [{d.recurrence}]" if d.recurrence else "")


def _meeting_label(m) -> str:
    kind = KIND_LABELS.get(m.kind, "Meeting")
    return kind + (f", {ordinal(m.number)}" if m.number else "")


def _cell(text: str | None) -> str:
    return (text or "—").replace("|", "\\|").replace("\n", " ")


def action_groups(d: Digest) -> list[tuple[str, list[ActionRow]]]:
    return [("Upcoming deadlines", d.actions.upcoming), ("Deadlines passed", d.actions.passed),
            ("Recurring duties", d.actions.recurring), ("Other actions, by theme and owner", d.actions.undated)]


def to_markdown(d: Digest) -> str:
    themes = {t.id: t.name for t in d.themes}
    items = {i.id: i for i in d.items}
    lines = [f"# {d.title}", "",
             f"{d.counts.meetings} meetings ({d.counts.duplicates} republished copies counted once) of "
             f"{d.counts.bodies} bodies in {d.counts.places} places; {d.period.first or '?'} to "
             f"{d.period.last or '?'}; deadlines as of {d.as_of}.", "", "## Overview", ""]
    lines += [f"- {s.text}{_cite(s)}" for s in d.overview] or ["_No overview._"]
    lines += ["", "## Themes", ""]
    for t in d.themes:
        lines += [f"### {t.name}", "", f"{len(t.meetings)} meetings ({', '.join(t.meetings)}) in "
                  f"{', '.join(t.places)}; {', '.join(t.dates) or 'dates not stated'}.", ""]
        lines += [f"- {s.text}{_cite(s)}" for s in t.synthesis]
        lines += ["", "Items:", ""]
        lines += [f"- `{i}` {items[i].text_en}" for i in t.items]
        lines.append("")
    lines += ["## Meetings", "", "| id | place | prefecture, province | body | meeting | date | chair | headline | "
              "briefing |", "|---|---|---|---|---|---|---|---|---|"]
    for m in d.meetings:
        region = ", ".join(x for x in (m.place.prefecture_zh, m.place.province_zh) if x)
        lines.append(f"| {m.id} | {_cell(m.place.name_en)} {m.place.name_zh or ''} | {_cell(region)} | "
                     f"{_cell(m.body_en)} | {_meeting_label(m)} | {_cell(m.date)} | {_cell(m.chair_en)} | "
                     f"{_cell(m.headline)} | [{Path(m.briefing).name}]({m.briefing}) |")
    lines += ["", "## Actions and deadlines", ""]
    for name, rows in action_groups(d):
        lines += [f"### {name}", ""]
        if not rows:
            lines += ["_None._", ""]
            continue
        lines += ["| item | place | theme | owner | task | deadline |", "|---|---|---|---|---|---|"]
        lines += [f"| {r.item} | {_cell(r.place_en)} | {themes.get(r.theme, r.theme)} | {_cell(r.owner_en)} | "
                  f"{_cell(r.task_en)} | {_cell(_deadline(r))} |" for r in rows]
        lines.append("")
    lines += ["## Duplicates", ""]
    lines += [f"- {g.meeting}: kept `{g.kept}`; also published as {', '.join(f'`{x}`' for x in g.duplicates)} "
              f"({'; '.join(g.reasons)})" for g in d.duplicates] or ["_None found._"]
    lines += ["", "## Checks", ""]
    lines += [f"- **{c.kind}** (`{c.target}`): {c.message}" for c in d.checks] or ["_None._"]
    lines += ["", "## Sources", ""]
    lines += [f"- `{i.id}`: " + " / ".join(i.evidence_zh) for i in d.items]
    u = d.usage
    lines += ["", "---", f"prompt {d.prompt.name}@v{d.prompt.version} ({d.prompt.sha256[:12]}) · model {d.model.name}"
              f" @ {d.model.endpoint} · {u.calls} calls, {u.prompt_tokens}+{u.completion_tokens} tokens", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ HTML
def _month(date: str) -> str:
    return date[:7] if len(date) == 10 else "undated"


def meetings_chart(d: Digest) -> dict:
    """Bars of meetings per month (an SVG drawn by the template)."""
    counts = Counter(_month(m.date or "") for m in d.meetings)
    months = sorted(k for k in counts if k != "undated") + (["undated"] if "undated" in counts else [])
    top = max(counts.values(), default=1)
    width = 40
    return {"bars": [{"label": k, "count": counts[k], "x": 40 + n * width, "h": round(120 * counts[k] / top)}
                     for n, k in enumerate(months)], "width": 60 + width * len(months), "top": top}


def themes_by_place(d: Digest) -> dict:
    """Items per theme and place (a shaded table)."""
    meeting = {m.id: m for m in d.meetings}
    places = list(dict.fromkeys(meeting[i.meeting].place.name_en or meeting[i.meeting].body_en or "?"
                                for i in d.items))
    cells = Counter((i.theme, meeting[i.meeting].place.name_en or meeting[i.meeting].body_en or "?") for i in d.items)
    top = max(cells.values(), default=1)
    rows = [{"name": t.name, "cells": [(cells[(t.id, p)], round(cells[(t.id, p)] / top, 2)) for p in places]}
            for t in d.themes]
    return {"places": places, "rows": rows}


@cache
def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("summarizer", "templates"), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def to_html(d: Digest) -> str:
    return _environment().get_template("digest.html.j2").render(
        d=d, items={i.id: i for i in d.items}, themes={t.id: t.name for t in d.themes}, groups=action_groups(d),
        chart=meetings_chart(d), heat=themes_by_place(d), label=_meeting_label, deadline=_deadline)


# ------------------------------------------------------------------ DOCX
def to_docx(d: Digest, path: Path) -> None:
    """The same sections as a Word file (python-docx), written atomically."""
    from docx import Document as Docx

    doc = Docx()
    doc.add_heading(d.title, 0)
    doc.add_paragraph(f"{d.counts.meetings} meetings of {d.counts.bodies} bodies in {d.counts.places} places; "
                      f"{d.period.first or '?'} to {d.period.last or '?'}; deadlines as of {d.as_of}.")
    doc.add_heading("Overview", 1)
    for s in d.overview:
        doc.add_paragraph(s.text + _cite(s), style="List Bullet")
    doc.add_heading("Themes", 1)
    items: dict[str, Item] = {i.id: i for i in d.items}
    for t in d.themes:
        doc.add_heading(t.name, 2)
        doc.add_paragraph(f"{len(t.meetings)} meetings in {', '.join(t.places)}; {', '.join(t.dates) or 'undated'}.")
        for s in t.synthesis:
            doc.add_paragraph(s.text + _cite(s), style="List Bullet")
        for i in t.items:
            doc.add_paragraph(f"{i}: {items[i].text_en}", style="List Bullet 2")
    doc.add_heading("Meetings", 1)
    table = doc.add_table(rows=1, cols=7)
    for cell, text in zip(table.rows[0].cells, ("id", "place", "prefecture, province", "body", "meeting", "date",
                                                "chair")):
        cell.text = text
    for m in d.meetings:
        row = table.add_row().cells
        values = (m.id, f"{m.place.name_en or ''} {m.place.name_zh or ''}".strip(),
                  ", ".join(x for x in (m.place.prefecture_zh, m.place.province_zh) if x), m.body_en or "",
                  _meeting_label(m), m.date or "", m.chair_en or "")
        for cell, text in zip(row, values):
            cell.text = text
    doc.add_heading("Actions and deadlines", 1)
    themes = {t.id: t.name for t in d.themes}
    for name, rows in action_groups(d):
        doc.add_heading(name, 2)
        for r in rows:
            doc.add_paragraph(f"{r.item} · {r.place_en or '?'} · {themes.get(r.theme, r.theme)} · "
                              f"{r.owner_en or 'no owner named'}: {r.task_en} — {_deadline(r)}", style="List Bullet")
    doc.add_heading("Duplicates", 1)
    for g in d.duplicates:
        doc.add_paragraph(f"{g.meeting}: kept {g.kept}; also {', '.join(g.duplicates)} ({'; '.join(g.reasons)})",
                          style="List Bullet")
    doc.add_heading("Checks", 1)
    for c in d.checks:
        doc.add_paragraph(f"{c.kind} ({c.target}): {c.message}", style="List Bullet")
    tmp = path.with_name(f".{path.name}.tmp")
    doc.save(str(tmp))
    tmp.replace(path)


def write_digest(d: Digest, out_dir: Path, name: str, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in FORMATS:
        if fmt not in formats:
            continue
        path = out_dir / f"{name}.digest.{fmt}"
        if fmt == "md":
            write_atomic(path, to_markdown(d))
        elif fmt == "html":
            write_atomic(path, to_html(d))
        elif fmt == "docx":
            to_docx(d, path)
        else:
            write_atomic(path, d.model_dump_json(indent=2) + "\n")
        written.append(path)
    return written
