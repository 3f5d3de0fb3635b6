"""What each model step returns: small pydantic models sent as JSON Schema.

English fields carry a ``pattern`` that excludes Han characters, CJK punctuation,
full-width forms, double quotes, backslashes and control characters. Grammar-constrained
endpoints (llama.cpp) cannot produce anything else; others are validated and re-asked.
Sentence references are ids of the numbered source sentences: the tool, not the model,
fills in the verbatim evidence.
"""

from __future__ import annotations

import re
from typing import Annotated, Sequence

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, conlist, create_model

from ..schema import no_han

_ENGLISH_CHARS = r'[^"\\\x00-\x1f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]'
# llama.cpp's schema-to-grammar ignores minLength next to a pattern: the pattern itself says "non-empty"
ENGLISH_PATTERN = rf"^{_ENGLISH_CHARS}+$"
OPTIONAL_ENGLISH_PATTERN = rf"^{_ENGLISH_CHARS}*$"

# At most two sentences, for a grammar. A sentence ends at . ! or ? followed by spaces, unless a lower-case
# letter or a digit follows (a.m., "No. 22"), the full stop closes a list number ("work: 1. Build ...;
# 2. Fix ...") or a title (Mr., Dr., No., St.). The second sentence has no other . ! or ? inside it but a
# decimal point (955.3): after its first full stop the string must end. (Drafts tried on test and dev: with a
# space and a digit allowed after a full stop, one reply ran on "... together. 2 ..." to max_tokens; with list
# numbers read as sentence ends, one list went "...; 2.3." once the model was refused " Strengthening"; with
# titles read as ends, a point stopped at "The County Head, Mr.".) The tool cuts by the same rule
# (``generate._two_sentences``, which needs an upper-case letter after the space).
_NOT_ENDING = _ENGLISH_CHARS[:-1] + ".!?]"
_INSIDE = _ENGLISH_CHARS[:-1] + ".!? ]"
_NOT_AN_END = r"[ :;,(][0-9][.] +|[ (](Mr|Mrs|Ms|Dr|No|St)[.] +"  # list numbers and titles
TWO_SENTENCES_PATTERN = (rf"^([0-9][.] +)?({_NOT_ENDING}|[.!?]+{_INSIDE}|[.!?]+ +[a-z0-9]|{_NOT_AN_END})+"
                         rf"([.!?]+ +({_NOT_ENDING}|[0-9][.][0-9]|{_NOT_AN_END})*)?[.!?]?$")

_ECHO = re.compile(r"\b(translate|identify) (the|this) sentence|\bidentify (the|who) (owner|must)|^(owner|task|deadline)\s*:",
                   re.IGNORECASE)


def not_an_echo(value: str) -> str:
    """Small models sometimes answer with the instructions instead of the content."""
    if _ECHO.search(value):
        raise ValueError("this repeats the instructions; write the content they ask for")
    return value


English = Annotated[str, Field(pattern=ENGLISH_PATTERN), AfterValidator(no_han), AfterValidator(not_an_echo)]
OptionalEnglish = Annotated[str, Field(pattern=OPTIONAL_ENGLISH_PATTERN), AfterValidator(no_han)]
SentenceId = Annotated[int, Field(ge=1)]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Translation(_Out):
    """A window of translated sentences: one key per sentence id, in order ({"6": "...", "7": "..."}).
    The keys are fixed by the schema, so a grammar-constrained model writes each sentence's English
    under its own id and cannot skip, merge or renumber (the JSON also carries fewer tokens than a
    list of {id, en} items). Stored replies may carry the field names (s6) instead: both load."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def english(self) -> dict[int, str]:
        return {int(key): value for key, value in self.model_dump(by_alias=True).items()}


def translation_for(ids: Sequence[int]) -> type[Translation]:
    """The schema of one window: exactly the sentence ids ``ids``, each an English string."""
    fields = {f"s{i}": (English, Field(alias=str(i))) for i in ids}
    return create_model("Translation", __base__=Translation, **fields)


def _exactly(item: type, count: int):
    return (conlist(item, min_length=count, max_length=count), ...)


class Headline(_Out):
    headline: English = Field(description="one-line English headline: who held which meeting, main topics")


class Point(_Out):
    text: English = Field(description="one or two English sentences")
    sentences: list[SentenceId] = Field(description="ids of the report sentences this point rests on")


# A point whose schema stops it after two sentences: a grammar-bound model (llama.cpp) ends the string there
# instead of writing a third sentence the tool throws away. Replies are validated as ``English`` only: an
# endpoint without a grammar that writes on is not re-asked; the tool cuts its point after two sentences.
class ShortPoint(Point):
    text: English = Field(description="one or two English sentences",
                          json_schema_extra={"pattern": TWO_SENTENCES_PATTERN})


class TranslatedPoint(_Out):
    """Translate first, then summarize: the translation field is written before the point."""

    translation: English = Field(description="faithful English translation of the topic's sentences")
    text: English = Field(description="one or two English sentences: the topic's main finding or instruction")
    sentences: list[SentenceId] = Field(description="ids of the sentences the point rests on")


class Summary(_Out):
    headline: English = Field(description="one-line English headline of the meeting")
    points: list[Point]


def summary_for(topics: int) -> type[Summary]:
    """One point per topic, in order."""
    return create_model("Summary", __base__=Summary, points=_exactly(Point, topics))


class Task(_Out):
    owner: OptionalEnglish = Field(description="who must act, in English; empty if the sentence names no one")
    task: English = Field(description="what they must do, in one English sentence")
    deadline: OptionalEnglish = Field(description="deadline or frequency the sentence states; empty if none")


class OwnedTask(_Out):
    """A task without a deadline: the tool reads deadlines from the sentence itself (``zh.deadlines``)."""

    owner: OptionalEnglish = Field(description="who must act, in English; empty if the sentence names no one")
    task: English = Field(description="what they must do, in one English sentence")


class TranslatedTask(_Out):
    """Translate first, then extract: the translation field is written before the task."""

    translation: English = Field(description="faithful English translation of the sentence")
    owner: OptionalEnglish = Field(description="who must act, in English; empty if the sentence names no one")
    task: English = Field(description="what they must do, in one English sentence")
    deadline: OptionalEnglish = Field(description="deadline or frequency the sentence states; empty if none")


class Tasks(_Out):
    tasks: list[Task]


def tasks_for(count: int) -> type[Tasks]:
    """One task per assignment sentence, in the order given."""
    return create_model("Tasks", __base__=Tasks, tasks=_exactly(Task, count))


class Briefing(_Out):
    """A whole-report step's output: headline, one point per topic, one task per assignment."""

    headline: English
    points: list[Point]
    tasks: list[Task]


def briefing_for(topics: int, tasks: int) -> type[Briefing]:
    return create_model("Briefing", __base__=Briefing, points=_exactly(Point, topics), tasks=_exactly(Task, tasks))


class Revised(_Out):
    """The one re-ask of an item the checks caught (``summarizer.revise``)."""

    text: English = Field(description="the English, rewritten to say only what the sentences say")


class CitedSentence(_Out):
    text: English = Field(description="one English sentence")
    items: list[SentenceId] = Field(description="numbers of the listed items it rests on")


class Synthesis(_Out):
    """A digest theme: what its items say across places, each sentence citing them."""

    sentences: conlist(CitedSentence, min_length=1, max_length=3)


class Overview(_Out):
    """A digest's overview: the main themes, each sentence citing theme numbers."""

    sentences: conlist(CitedSentence, min_length=3, max_length=6)


# output name -> (scope it works at, schema or schema factory)
OUTPUTS = {
    "translation": ("sentences", translation_for),
    "headline": ("opening", Headline),
    "point": ("topic", Point),
    "short_point": ("topic", ShortPoint),
    "translated_point": ("topic", TranslatedPoint),
    "summary": ("report", summary_for),
    "task": ("assignment", Task),
    "owned_task": ("assignment", OwnedTask),
    "translated_task": ("assignment", TranslatedTask),
    "tasks": ("report", tasks_for),
    "briefing": ("report", briefing_for),
    "revised": ("item", Revised),  # not a briefing step: revise.py sends it for one flagged item
    "synthesis": ("theme", Synthesis),  # digest steps: one call per theme, one for the overview
    "overview": ("digest", Overview),
}


def calls_when_fitting(prompt) -> str:
    """How many calls a report that fits the context costs with ``prompt``, as its steps declare."""
    parts = []
    for step in prompt.meta.steps:
        scope = OUTPUTS[step.output][0]
        parts.append({"report": "1", "opening": "1", "topic": "topics", "assignment": "assignments",
                      "sentences": "chunks", "item": "flagged items", "theme": "themes", "digest": "1"}[scope])
    return " + ".join(parts)
