"""What each model step returns: small pydantic models sent as JSON Schema.

English fields carry a ``pattern`` that excludes Han characters, CJK punctuation,
full-width forms, double quotes, backslashes and control characters. Grammar-constrained
endpoints (llama.cpp) cannot produce anything else; others are validated and re-asked.
Sentence references are ids of the numbered source sentences: the tool, not the model,
fills in the verbatim evidence.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, conlist, create_model

from ..schema import no_han

ENGLISH_PATTERN = r'^[^"\\\x00-\x1f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]*$'

English = Annotated[str, Field(pattern=ENGLISH_PATTERN, min_length=1), AfterValidator(no_han)]
OptionalEnglish = Annotated[str, Field(pattern=ENGLISH_PATTERN), AfterValidator(no_han)]
SentenceId = Annotated[int, Field(ge=1)]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TranslatedSentence(_Out):
    id: SentenceId
    en: English


class Translation(_Out):
    sentences: list[TranslatedSentence]


def translation_for(count: int) -> type[Translation]:
    """A Translation schema that demands exactly ``count`` items (one per sentence sent)."""
    return create_model(
        "Translation",
        __base__=Translation,
        sentences=(conlist(TranslatedSentence, min_length=count, max_length=count), ...),
    )


class Point(_Out):
    text: English = Field(description="one or two English sentences")
    sentences: list[SentenceId] = Field(description="ids of the source sentences this point rests on")


class Summary(_Out):
    headline: English = Field(description="one-line English headline of the meeting")
    points: list[Point]


class ActionItem(_Out):
    owner: OptionalEnglish = Field(description="who must act, in English; empty if the source names no one")
    task: English = Field(description="what they must do, in English")
    deadline: OptionalEnglish = Field(description="deadline or frequency as stated in the source; empty if none")
    sentence: SentenceId = Field(description="id of the source sentence that assigns the task")


class Actions(_Out):
    actions: list[ActionItem]


class Briefing(_Out):
    """The direct pipeline's one-step output: summary and actions together."""

    headline: English
    points: list[Point]
    actions: list[ActionItem]


OUTPUTS: dict[str, type[BaseModel]] = {
    "translation": Translation,
    "summary": Summary,
    "actions": Actions,
    "briefing": Briefing,
}
