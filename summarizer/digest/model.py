"""The public JSON contract of a digest (``DIGEST.json``); ``summarizer schema digest`` prints it.

Every statement of the overview and of a theme's synthesis cites items; every item is a summary point
or an action of one briefing, with its verbatim source sentences. So each line of a digest leads back
to the sentences of the reports it rests on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..schema import SCHEMA_VERSION, Check, Deadline, ModelRef, PromptRef, Usage


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Place(_Model):
    name_zh: str | None = Field(default=None, description="the place the meeting's body governs, e.g. 泸溪县")
    name_en: str | None = None
    prefecture_zh: str | None = Field(default=None, description="its prefecture, from the packaged division table")
    province_zh: str | None = None
    province_en: str | None = None


class DigestMeeting(_Model):
    id: str = Field(description="M1, M2 ... in date order")
    place: Place
    body_en: str | None = None
    kind: str
    number: int | None = None
    date: str | None = None
    chair_en: str | None = None
    headline: str | None = None
    briefing: str = Field(description="the briefing JSON the meeting was read from")
    sources: list[str] = Field(description="every report of this meeting: the one kept first, then its duplicates")


class Item(_Model):
    """A summary point or an action of one briefing."""

    id: str = Field(description="M3.s2 (summary point 2 of meeting M3) or M3.a1 (action 1)")
    meeting: str
    kind: Literal["point", "action"]
    text_en: str
    owner_en: str | None = None
    deadline: Deadline | None = None
    evidence_zh: list[str] = Field(default_factory=list, description="verbatim sentences of the report")
    evidence_en: list[str] = Field(default_factory=list, description="their English, when the briefing has it")
    theme: str
    similarity: float | None = Field(default=None, description="cosine of the item to its theme's description")


class Statement(_Model):
    text: str
    items: list[str] = Field(description="ids of the items the statement rests on")


class Theme(_Model):
    id: str
    name: str
    places: list[str] = Field(description="English place names, in date order of their first meeting")
    dates: list[str]
    meetings: list[str]
    items: list[str]
    synthesis: list[Statement] = Field(default_factory=list)


class ActionRow(_Model):
    item: str
    meeting: str
    place_en: str | None = None
    theme: str
    owner_en: str | None = None
    task_en: str
    deadline: Deadline | None = None


class Actions(_Model):
    upcoming: list[ActionRow] = Field(description="dated deadlines on or after as_of, earliest first")
    passed: list[ActionRow] = Field(description="dated deadlines before as_of, earliest first")
    recurring: list[ActionRow] = Field(description="daily, weekly, monthly ... duties")
    undated: list[ActionRow] = Field(description="no date; grouped by theme and owner")


class DuplicateGroup(_Model):
    meeting: str
    kept: str = Field(description="the report the digest reads")
    duplicates: list[str]
    reasons: list[str] = Field(description="same body, date and number; or near-duplicate text (estimated Jaccard)")


class Period(_Model):
    since: str | None = None
    until: str | None = None
    first: str | None = Field(default=None, description="earliest meeting date in the digest")
    last: str | None = None


class Counts(_Model):
    reports: int = Field(description="reports read, duplicates included (reposts found before briefing are "
                         "not briefed)")
    meetings: int
    duplicates: int
    places: int
    bodies: int
    items: int
    left_out: int = Field(description="meetings outside --since/--until/--place")


class Digest(_Model):
    schema_version: str = SCHEMA_VERSION
    tool_version: str
    title: str
    as_of: str
    period: Period
    counts: Counts
    overview: list[Statement]
    themes: list[Theme]
    meetings: list[DigestMeeting]
    items: list[Item]
    actions: Actions
    duplicates: list[DuplicateGroup]
    checks: list[Check] = Field(default_factory=list, description="checks of the overview and syntheses "
                                "(target overview[i] or themes[k].synthesis[i])")
    prompt: PromptRef
    model: ModelRef
    usage: Usage
