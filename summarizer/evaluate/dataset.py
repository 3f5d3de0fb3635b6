"""Eval datasets: one folder per case, each with the report and a reviewed reference.

Layout::

    evals/datasets/NAME/
      dataset.toml              name, description, how the references were checked
      CASE_ID/
        report.txt              the source report, byte for byte as received
        reference.json          a Reference (below)

Every ``evidence_zh`` must be a verbatim substring of the report's cleaned text
(``summarizer eval validate`` checks it), so a reference can never rest on text the
report does not contain.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefPerson(_Model):
    name_zh: str
    name_en: str = Field(description="pinyin, surname first, e.g. 'Xiang Henglin'")
    title_en: str | None = None


class RefMeeting(_Model):
    body_en: str | None = None
    kind: str = "other"  # schema.MeetingKind
    number: int | None = None
    date: str | None = Field(default=None, description="YYYY-MM-DD, or MM-DD when the report gives no year")
    chair: RefPerson | None = None


class KeyFact(_Model):
    id: str = Field(description="short stable id within the case, e.g. 'f3'")
    fact: str = Field(description="one English statement a good briefing must convey")
    evidence_zh: str = Field(description="verbatim substring of the report that states it")
    keywords: list[str] = Field(default_factory=list,
                                description="English words or numbers a briefing stating the fact must contain "
                                            "(all of them, case-insensitive), e.g. ['87'] or ['Xiang Henglin']")
    importance: Literal["core", "supporting"] = "core"


class RefDeadline(_Model):
    text_en: str
    date: str | None = None
    recurrence: Literal["daily", "weekly", "monthly", "quarterly", "yearly"] | None = None


class RefAction(_Model):
    id: str
    owner_en: str | None = Field(description="who must act, as the report names them; null if nobody is named")
    owner_zh: str | None = Field(default=None, description="the owner as written in the report (verbatim)")
    task_en: str
    deadline: RefDeadline | None = None
    evidence_zh: str = Field(description="verbatim substring of the report that assigns it")


class Review(_Model):
    written_by: str
    checked_by: str
    method: str = Field(description="how the reference was checked against the source")
    date: str


class Negative(_Model):
    """A claim a human reviewer judged wrong (from spot-check verdicts): a briefing must not repeat it."""

    id: str
    claim_en: str
    why: str
    evidence_zh: str | None = None
    source: str = Field(description="where the verdict came from, e.g. the verdicts file and item id")


class Reference(_Model):
    summary: str = Field(description="a reference English briefing summary, 80-250 words")
    meeting: RefMeeting
    key_facts: list[KeyFact]
    actions: list[RefAction]
    negatives: list[Negative] = Field(default_factory=list, description="claims known to be wrong for this report")
    review: Review
    notes: str | None = None


class RefSentence(_Model):
    zh: str = Field(description="one sentence of the report, verbatim as the tool splits the cleaned text")
    en: str = Field(description="its reference English")


class ReferenceTranslation(_Model):
    """``translation.json`` beside ``reference.json``: the report translated sentence by sentence, for
    scoring translation prompts (chrF++, BLEU). Sentences are matched to a translation by their Chinese."""

    sentences: list[RefSentence]
    review: Review
    notes: str | None = None
