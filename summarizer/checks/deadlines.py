"""Deadlines: what the action's evidence sentence states (generate.deadlines.find_deadline)
against what the action says, in both directions."""

from __future__ import annotations

from ..facts.model import Facts
from ..ingest import Document
from ..schema import Brief, Check
from ..zh.deadlines import find_deadline
from .numbers import en_dates
from .text import check


def _show(stated) -> str:
    return f"'{stated.text_zh}' = {stated.text_en}" if stated.text_zh else stated.text_en


def check_deadlines(brief: Brief, doc: Document, facts: Facts) -> list[Check]:
    if not doc.is_chinese:
        return []  # deadlines are read from Chinese sentences only
    out = []
    for i, action in enumerate(brief.actions):
        if not action.evidence_zh:
            continue
        stated = find_deadline(doc.simplified_of(action.evidence_zh), facts.year)
        given = action.deadline
        target = f"actions[{i}].deadline"
        if stated and not given:
            out.append(check("deadline_missing", target,
                             f"the source sets a deadline ({_show(stated)}) but the action has none",
                             {"stated_en": stated.text_en, "stated_zh": stated.text_zh, "date": stated.date,
                              "recurrence": stated.recurrence}))
        elif given and not stated:
            out.append(check("deadline_unsupported", target,
                             f"the action's deadline '{given.text_en}' is not stated in its evidence sentence",
                             {"deadline_en": given.text_en}))
        elif given and stated:
            problems = []
            if stated.date and given.date and stated.date != given.date:
                problems.append(f"date {given.date}, the source says {stated.date}")
            elif stated.month_day and given.date and given.date[5:] != stated.month_day:
                problems.append(f"date {given.date}, the source says {stated.month_day}")
            month_day = {(int(stated.month_day[:2]), int(stated.month_day[3:]))} if stated.month_day else set()
            for mention in en_dates(given.text_en):
                if month_day and not mention.values & month_day:
                    problems.append(f"'{mention.text}', the source says {stated.text_en}")
                elif not month_day and not stated.date:
                    problems.append(f"'{mention.text}', the source names no day ({stated.text_en})")
            if stated.recurrence and given.recurrence and stated.recurrence != given.recurrence:
                problems.append(f"{given.recurrence}, the source says {stated.recurrence}")
            elif stated.recurrence and not given.recurrence and stated.recurrence not in given.text_en.lower():
                problems.append(f"no recurrence, the source says {stated.recurrence}")
            elif given.recurrence and not stated.recurrence:
                problems.append(f"{given.recurrence}, the source states no recurrence")
            if problems:
                out.append(check("deadline_mismatch", target,
                                 f"the action's deadline differs from the source ({_show(stated)}): "
                                 + "; ".join(problems),
                                 {"stated_en": stated.text_en, "stated_zh": stated.text_zh,
                                  "deadline_en": given.text_en, "date": given.date}))
    return out
