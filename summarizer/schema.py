"""The public JSON contract of a briefing (``NAME.brief.json``), as pydantic models.

``summarizer schema`` prints ``Brief.model_json_schema()``. Field names here are the
contract: add fields, never rename or drop them without bumping ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def no_han(value: str | None) -> str | None:
    """English fields must not carry Chinese characters."""
    if value is not None and HAN.search(value):
        raise ValueError(f"English field contains Chinese characters: {value!r}")
    return value


# English fields: the pipeline guarantees no Han characters in them (the model's outputs are
# grammar-constrained or validated). The contract type stays a plain string so briefings
# from elsewhere can be loaded and checked; checks.py flags any Han as an error.
English = Annotated[str, Field(description="English text (no Han characters)")]
DateStr = Annotated[str, Field(pattern=r"^(\d{4}-)?\d{2}-\d{2}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    path: str
    sha256: str = Field(description="sha256 of the input file's bytes")
    chars: int = Field(description="characters of cleaned text")
    language: str = Field(description="ISO 639-1 code of the report's language, e.g. zh, en")
    script: Literal["simplified", "traditional"] | None = Field(
        description="Chinese script of the original; null for non-Chinese input"
    )
    encoding: str | None = None
    title: str | None = Field(default=None, description="title line of the report, verbatim")


class PromptRef(_Model):
    name: str
    version: int
    sha256: str = Field(description="sha256 of the prompt file's template text")


class ModelRef(_Model):
    name: str
    endpoint: str = Field(description="base URL of the OpenAI-compatible endpoint ('embedded' for the bundled model)")


class Person(_Model):
    name_zh: str | None = None
    name_en: English | None = None
    title_en: English | None = None


MeetingKind = Literal[
    "executive_meeting",  # 常务会议
    "standing_committee",  # 常委会 / 常委会议
    "plenary_meeting",  # 全体会议
    "work_conference",  # 工作会议 / 推进会 / 部署会
    "study_session",  # 学习会 / 理论学习中心组
    "other",
]


class Meeting(_Model):
    title_en: English | None = None
    body_en: English | None = Field(default=None, description="convening body, e.g. 'Luxi County People's Government'")
    kind: MeetingKind = "other"
    number: int | None = Field(default=None, description="ordinal of the meeting, e.g. 87 for 第87次")
    date: DateStr | None = Field(default=None, description="YYYY-MM-DD, or MM-DD when the source gives no year")
    chair: Person | None = None
    attendees_en: list[English] = Field(default_factory=list)


class Check(_Model):
    """A warning raised by the tool's own verification of the output."""

    kind: str = Field(description="machine-readable kind, e.g. unsupported_name, han_in_english")
    severity: Literal["info", "warning", "error"]
    message: str = Field(description="one line a person understands")
    target: str | None = Field(default=None, description="JSON path of the checked field, e.g. actions[2].owner_en")
    detail: dict | None = None


class SummaryItem(_Model):
    text: English
    evidence: list[str] = Field(default_factory=list, description="verbatim sentences of the cleaned source")


class Deadline(_Model):
    text_en: English
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    recurrence: Literal["daily", "weekly", "monthly", "quarterly", "yearly"] | None = None


class Action(_Model):
    owner_en: English | None = None
    owner_zh: str | None = None
    task_en: English
    deadline: Deadline | None = None
    evidence_zh: str = Field(description="verbatim sentence of the cleaned source the action rests on")


class Usage(_Model):
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def add(self, other: "Usage") -> "Usage":
        return Usage(
            calls=self.calls + other.calls,
            cached_calls=self.cached_calls + other.cached_calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            seconds=round(self.seconds + other.seconds, 3),
        )


class Brief(_Model):
    schema_version: str = SCHEMA_VERSION
    tool_version: str
    source: Source
    prompt: PromptRef
    model: ModelRef
    meeting: Meeting
    summary: list[SummaryItem]
    actions: list[Action]
    usage: Usage
    checks: list[Check] = Field(default_factory=list)
    options: dict = Field(default_factory=dict, description="options that shaped the output: grounding on/off, "
                          "sha256 of user glossary files")
    evidence_in_file: dict[str, str] = Field(
        default_factory=dict, description="for each evidence sentence whose text in the input file differs (cleaning "
        "deleted a byline or injected pinyin from inside it): the file's text, with a longer deletion marked '[…]', "
        "so a text search in the file finds it")
    evidence_en: dict[str, English] = Field(
        default_factory=dict, description="with --translate: for each evidence sentence (as in `evidence` and "
        "`evidence_zh`), its English from the report's translation (NAME.translation.json)")


class SentencePair(_Model):
    """One sentence of a translated report: the Chinese verbatim, where it is, and its English."""

    id: int = Field(description="1-based sentence id, as the checks cite it")
    zh: str = Field(description="the sentence, verbatim from the cleaned text")
    start: int = Field(description="character offset of the sentence in the input file's decoded text")
    end: int = Field(description="end offset (exclusive) in the input file's decoded text")
    paragraph: int = Field(description="0-based paragraph of the cleaned text")
    heading: bool = Field(description="a section heading such as '一、…'")
    en: English | None = Field(description="the English; null when no usable translation came back (see checks)")


class TranslatedReport(_Model):
    """``NAME.translation.json``: a report translated sentence by sentence (``summarizer schema translation``)."""

    schema_version: str = SCHEMA_VERSION
    tool_version: str
    source: Source
    prompt: PromptRef
    model: ModelRef
    sentences: list[SentencePair]
    usage: Usage
    checks: list[Check] = Field(default_factory=list, description="count, Chinese left, numbers and renderings, "
                                "per sentence (target sentences[i].en)")
    options: dict = Field(default_factory=dict, description="options that shaped the output: grounding on/off, "
                          "sha256 of user glossary files")

    def english_of(self) -> dict[str, str]:
        """Chinese sentence -> English, for the sentences that have one."""
        return {s.zh: s.en for s in self.sentences if s.en}
