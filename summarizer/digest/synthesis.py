"""The digest's only model calls: one per theme (its synthesis) and one for the overview.

A theme's call shows up to ``MAX_ITEMS`` of its items, numbered, each with its place and date (taken
in turn from each meeting, nearest to the theme first, so every place is heard); the reply is one to
three sentences, each citing item numbers. The overview's call shows the themes, numbered, with their
counts, places and first synthesis sentence; each overview sentence cites theme numbers, and rests on
the items those themes' sentences cite.

Then every statement is checked against what it cites, as briefings are checked against their
evidence: ``uncited_statement`` (no valid citation), ``unsupported_number`` / ``unsupported_date`` (not
in the cited items' English nor their Chinese sentences, normalised), ``unsupported_name`` and
``unsupported_place`` (a romanized name or place none of the cited items has).
"""

from __future__ import annotations

import hashlib

from ..checks.numbers import en_dates, en_numbers, zh_dates, zh_numbers
from ..checks.text import check, pinyin_names, place_names
from ..errors import ModelError
from ..guard import neutralise
from ..llm.client import Call
from ..prompts import Prompt
from ..schema import Check, Usage
from .model import DigestMeeting, Item, Statement, Theme

MAX_ITEMS = 12


def _spread(items: list[Item]) -> list[Item]:
    """Up to MAX_ITEMS, taken in turn from each meeting (best-matching first), in meeting order."""
    by_meeting: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: -(i.similarity or 0)):
        by_meeting.setdefault(item.meeting, []).append(item)
    chosen: list[Item] = []
    while len(chosen) < MAX_ITEMS and any(by_meeting.values()):
        for queue in by_meeting.values():
            if queue and len(chosen) < MAX_ITEMS:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda i: (int(i.meeting[1:]), i.id))


def _line(n: int, item: Item, meeting: DigestMeeting) -> str:
    where = ", ".join(x for x in (meeting.place.name_en or meeting.body_en, meeting.date) if x)
    owner = f" Owner: {item.owner_en}." if item.owner_en else ""
    deadline = f" Deadline: {item.deadline.text_en}." if item.deadline else ""
    return neutralise(f"[{n}] ({where}) {item.text_en}{owner}{deadline}")


class Writer:
    """Sends the digest's calls through a runner (the LLM client) and keeps their usage."""

    def __init__(self, prompt: Prompt, runner, epoch: int = 0):
        self.prompt, self.runner, self.epoch = prompt, runner, epoch
        self.usage = Usage()
        self.checks: list[Check] = []

    async def _send(self, step_name: str, user: str, part: str):
        step = self.prompt.step(step_name)
        from ..generate.outputs import OUTPUTS

        call = Call(step=step.name, output=OUTPUTS[step.output][1], temperature=step.temperature,
                    max_tokens=step.max_tokens, prompt_ref=f"{self.prompt.ref}:{self.prompt.sha256}", epoch=self.epoch,
                    messages=[{"role": "system", "content": self.prompt.render("system")},
                              {"role": "user", "content": user}],
                    custom_id=f"digest-{hashlib.sha256(user.encode()).hexdigest()[:16]}-{step.name}-{part}")
        try:
            result = await self.runner.run(call)
        except ModelError as exc:
            if exc.usage is not None:
                self.usage = self.usage.add(exc.usage)
            if exc.kind not in ("schema_violation", "truncated", "refusal"):
                raise
            return None, str(exc)
        self.usage = self.usage.add(Usage(calls=result.calls, cached_calls=1 if result.cached else 0,
                                          prompt_tokens=result.prompt_tokens,
                                          completion_tokens=result.completion_tokens, seconds=result.seconds))
        return result.value, None

    async def theme(self, k: int, theme: Theme, items: dict[str, Item], meetings: dict[str, DigestMeeting]) -> None:
        shown = _spread([items[i] for i in theme.items])
        lines = [_line(n, item, meetings[item.meeting]) for n, item in enumerate(shown, 1)]
        value, error = await self._send("theme", self.prompt.render("theme", theme=theme.name, items="\n".join(lines)),
                                        theme.id)
        if value is None:
            self.checks.append(Check(kind="item_missing", severity="warning", target=f"themes[{k}].synthesis",
                                     message=f"no usable synthesis of theme {theme.name}: {error}"[:300]))
            return
        theme.synthesis = [Statement(text=" ".join(s.text.split()),
                                     items=[shown[n - 1].id for n in dict.fromkeys(s.items) if 1 <= n <= len(shown)])
                           for s in value.sentences]

    async def overview(self, themes: list[Theme], period: str, meetings: int, places: int) -> list[Statement]:
        lines = []
        for n, t in enumerate(themes, 1):
            first = t.synthesis[0].text if t.synthesis else ""
            lines.append(neutralise(f"[{n}] {t.name}: {len(t.items)} items from {len(t.meetings)} meetings in "
                                    f"{', '.join(t.places[:6]) or 'unknown places'}. {first}"))
        user = self.prompt.render("overview", period=period, meetings=meetings, places=places, items="\n".join(lines))
        value, error = await self._send("overview", user, "overview")
        if value is None:
            self.checks.append(Check(kind="item_missing", severity="warning", target="overview",
                                     message=f"no usable overview: {error}"[:300]))
            return []
        out = []
        for s in value.sentences:
            cited = [themes[n - 1] for n in dict.fromkeys(s.items) if 1 <= n <= len(themes)]
            items = list(dict.fromkeys(i for t in cited for st in t.synthesis for i in st.items))
            out.append(Statement(text=" ".join(s.text.split()), items=items))
        return out


def check_statements(statements: list[tuple[str, Statement]], items: dict[str, Item],
                     meetings: dict[str, DigestMeeting]) -> list[Check]:
    """Each statement against the items it cites (their English, their Chinese sentences, their places)."""
    out = []
    for target, st in statements:
        cited = [items[i] for i in st.items if i in items]
        if not cited:
            out.append(check("uncited_statement", target, "the statement cites no item of the digest"))
            continue
        english = " ".join([i.text_en for i in cited] + [i.owner_en or "" for i in cited]
                           + [i.deadline.text_en for i in cited if i.deadline]
                           + [meetings[i.meeting].date or "" for i in cited])
        zh = "\n".join(z for i in cited for z in i.evidence_zh)
        numbers = {v for m in en_numbers(english) + zh_numbers(zh) for v in m.values}
        dates = {v for m in en_dates(english) + zh_dates(zh) for v in m.values}
        for i in cited:  # the cited meetings' dates count as stated
            date = meetings[i.meeting].date
            if date and len(date) >= 5:
                month, day = int(date[-5:-3]), int(date[-2:])
                dates.add((month, day))
                if len(date) == 10:
                    numbers.add(float(date[:4]))
        for mention in en_dates(st.text):
            if not mention.values & dates:
                out.append(check("unsupported_date", target, f"date '{mention.text}' is in none of the cited items",
                                 {"value": mention.text}))
        for mention in en_numbers(st.text):
            if not mention.values & numbers:
                out.append(check("unsupported_number", target, f"number '{mention.text}' is in none of the cited "
                                 "items", {"value": mention.text}))
        known = english.lower() + " " + " ".join(
            (meetings[i.meeting].place.name_en or "") + " " + (meetings[i.meeting].chair_en or "")
            + " " + (meetings[i.meeting].body_en or "") for i in cited).lower()
        for _, _, name in pinyin_names(st.text):
            if name.lower() not in known:
                out.append(check("unsupported_name", target, f"name '{name}' is in none of the cited items",
                                 {"name": name}))
        for name, phrase in place_names(st.text):
            if name.lower() not in known:
                out.append(check("unsupported_place", target, f"place '{phrase}' is in none of the cited items",
                                 {"place": phrase}))
    return out
