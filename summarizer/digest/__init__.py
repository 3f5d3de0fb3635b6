"""Digest: many briefings -> one English digest, every line traceable to source sentences.

    briefings (+ reports briefed on the way) -> meetings.read_briefings (sources, places)
      -> meetings.duplicate_groups (body/date/number, MinHash LSH) -> one meeting per group
      -> --since/--until/--place -> items (summary points and actions) -> themes.assign
      -> synthesis: one call per theme, one for the overview -> check_statements -> actions by date
      -> render: Markdown, HTML (charts), DOCX, JSON (``model.Digest``)

Only the synthesis calls use a model: the grouping, tables, deadlines and duplicates do not, and the
calls are bounded by the number of themes (at most ``len(themes.toml) + 1``) plus one, whatever the
number of reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import __version__
from ..embed import Embedder
from ..prompts import Prompt
from ..schema import ModelRef, PromptRef
from .meetings import Copy, Read, duplicate_groups
from .model import Actions, ActionRow, Counts, Digest, DigestMeeting, DuplicateGroup, Item, Period, Theme
from .synthesis import Writer, check_statements
from .themes import OTHER, assign, theme_specs


@dataclass
class Options:
    title: str | None = None
    since: str | None = None  # YYYY-MM-DD
    until: str | None = None
    place: str | None = None  # matches the place (Chinese or English), its prefecture or province, or the body
    as_of: str | None = None  # YYYY-MM-DD; default: today


def _in_period(date: str | None, opts: Options) -> bool:
    if not (opts.since or opts.until):
        return True
    if not date or len(date) != 10:
        return False  # an undated meeting cannot be placed in a period
    return (not opts.since or date >= opts.since) and (not opts.until or date <= opts.until)


def _at_place(read: Read, opts: Options) -> bool:
    if not opts.place:
        return True
    wanted = opts.place.lower()
    p = read.place
    names = [p.name_zh, p.name_en, p.prefecture_zh, p.province_zh, p.province_en, read.brief.meeting.body_en]
    return any(n and wanted in n.lower() for n in names)


def meetings_of(reads: list[Read], opts: Options) -> tuple[list[tuple[Read, list[Read], list[str]]], int]:
    """(kept report, its duplicates, reasons) per meeting in date order, and how many meetings the filters left out."""
    grouped = {members[0]: (members, why) for members, why in duplicate_groups([Copy.of_read(r) for r in reads])}
    in_group = {i for members, _ in grouped.values() for i in members}
    kept = []
    for i, read in enumerate(reads):
        if i in grouped:
            members, why = grouped[i]
            kept.append((read, [reads[j] for j in members[1:]], why))
        elif i not in in_group:
            kept.append((read, [], []))
    chosen = [k for k in kept if _in_period(k[0].brief.meeting.date, opts) and _at_place(k[0], opts)]
    chosen.sort(key=lambda k: (k[0].brief.meeting.date or "9999", str(k[0].path)))
    return chosen, len(kept) - len(chosen)


async def build_digest(reads: list[Read], opts: Options, *, prompt: Prompt, runner, model: ModelRef,
                       embedder: Embedder | None) -> Digest:
    as_of = opts.as_of or dt.date.today().isoformat()
    chosen, left_out = meetings_of(reads, opts)
    meetings: list[DigestMeeting] = []
    items: list[Item] = []
    duplicates: list[DuplicateGroup] = []
    for n, (read, dups, why) in enumerate(chosen, 1):
        b, mid = read.brief, f"M{n}"
        chair = b.meeting.chair
        meetings.append(DigestMeeting(
            id=mid, place=read.place, body_en=b.meeting.body_en, kind=b.meeting.kind, number=b.meeting.number,
            date=b.meeting.date, chair_en=(f"{chair.name_en}, {chair.title_en}" if chair.title_en else chair.name_en)
            if chair and chair.name_en else None, headline=b.meeting.title_en, briefing=str(read.path),
            sources=[b.source.path] + _reposts(read, dups)))
        if dups or read.also:
            duplicates.append(DuplicateGroup(meeting=mid, kept=b.source.path, duplicates=_reposts(read, dups),
                                             reasons=sorted(set(why) | {w for r in [read, *dups] for w in r.also_reasons})))
        for k, point in enumerate(b.summary):
            items.append(Item(id=f"{mid}.s{k + 1}", meeting=mid, kind="point", text_en=point.text,
                              evidence_zh=list(point.evidence), theme=OTHER,
                              evidence_en=[b.evidence_en[e] for e in point.evidence if e in b.evidence_en]))
        for k, action in enumerate(b.actions):
            items.append(Item(id=f"{mid}.a{k + 1}", meeting=mid, kind="action", text_en=action.task_en,
                              owner_en=action.owner_en, deadline=action.deadline, evidence_zh=[action.evidence_zh],
                              theme=OTHER, evidence_en=[b.evidence_en[action.evidence_zh]]
                              if action.evidence_zh in b.evidence_en else []))
    for item, (theme, similarity) in zip(items, assign([i.text_en for i in items],
                                                        ["\n".join(i.evidence_zh) for i in items], embedder)):
        item.theme, item.similarity = theme, similarity
    by_id = {m.id: m for m in meetings}
    item_by_id = {i.id: i for i in items}
    themes = []
    for spec in theme_specs():
        members = [i for i in items if i.theme == spec.id]
        if not members:
            continue
        in_meetings = list(dict.fromkeys(i.meeting for i in members))
        places = list(dict.fromkeys(by_id[m].place.name_en or by_id[m].body_en or "unknown place"
                                    for m in in_meetings))
        dates = sorted({by_id[m].date for m in in_meetings if by_id[m].date})
        themes.append(Theme(id=spec.id, name=spec.name, places=places, dates=dates, meetings=in_meetings,
                            items=[i.id for i in members]))
    # the largest themes first; "other matters" last
    themes.sort(key=lambda t: (t.id == OTHER, -len(t.meetings), -len(t.items), t.id))
    writer = Writer(prompt, runner)
    for k, theme in enumerate(themes):
        await writer.theme(k, theme, item_by_id, by_id)
    dated = sorted(m.date for m in meetings if m.date and len(m.date) == 10)
    period = Period(since=opts.since, until=opts.until, first=dated[0] if dated else None,
                    last=dated[-1] if dated else None)
    shown_period = f"{period.first} to {period.last}" if dated else "dates not stated"
    place_names = {m.place.name_en or m.body_en for m in meetings if m.place.name_en or m.body_en}
    overview = await writer.overview([t for t in themes if t.synthesis and t.id != OTHER] or themes, shown_period,
                                     len(meetings), len(place_names)) if themes else []
    statements = [(f"overview[{n}]", s) for n, s in enumerate(overview)]
    statements += [(f"themes[{k}].synthesis[{n}]", s) for k, t in enumerate(themes) for n, s in enumerate(t.synthesis)]
    checks = writer.checks + check_statements(statements, item_by_id, by_id)
    return Digest(
        tool_version=__version__, title=opts.title or _title(meetings, period), as_of=as_of, period=period,
        counts=Counts(reports=len(reads) + sum(len(r.also) for r in reads), meetings=len(meetings),
                      duplicates=sum(len(d.duplicates) for d in duplicates),
                      places=len(place_names), bodies=len({m.body_en for m in meetings if m.body_en}),
                      items=len(items), left_out=left_out),
        overview=overview, themes=themes, meetings=meetings, items=items,
        actions=actions_by_date(items, by_id, as_of), duplicates=duplicates, checks=checks,
        prompt=PromptRef(name=prompt.name, version=prompt.version, sha256=prompt.sha256), model=model,
        usage=writer.usage)


def _reposts(read: Read, dups: list[Read]) -> list[str]:
    """The other reports of a meeting: briefed duplicates, and reposts found before briefing."""
    return list(dict.fromkeys([p for r in [read, *dups] for p in r.also] + [d.brief.source.path for d in dups]))


def _title(meetings: list[DigestMeeting], period: Period) -> str:
    when = f"{period.first} to {period.last}" if period.first else "undated"
    return f"Local government meetings digest: {len(meetings)} meetings, {when}"


def actions_by_date(items: list[Item], meetings: dict[str, DigestMeeting], as_of: str) -> Actions:
    """Every action: dated deadlines in calendar order (upcoming from ``as_of`` first), recurring duties
    apart, the rest by theme and owner."""
    rows = []
    for i in items:
        if i.kind != "action":
            continue
        m = meetings[i.meeting]
        rows.append(ActionRow(item=i.id, meeting=i.meeting, place_en=m.place.name_en or m.body_en, theme=i.theme,
                              owner_en=i.owner_en, task_en=i.text_en, deadline=i.deadline))
    dated = sorted((r for r in rows if r.deadline and r.deadline.date), key=lambda r: (r.deadline.date, r.item))
    recurring = [r for r in rows if r.deadline and not r.deadline.date and r.deadline.recurrence]
    placed = {r.item for r in dated} | {r.item for r in recurring}
    undated = sorted((r for r in rows if r.item not in placed),
                     key=lambda r: (r.theme, (r.owner_en or "~").lower(), r.item))
    return Actions(upcoming=[r for r in dated if r.deadline.date >= as_of],
                   passed=[r for r in dated if r.deadline.date < as_of],
                   recurring=sorted(recurring, key=lambda r: (r.deadline.recurrence, r.theme, r.item)), undated=undated)
