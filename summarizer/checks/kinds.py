"""Every kind of :class:`~summarizer.schema.Check` a briefing can carry, in one table.

This table is the documentation (``kinds_markdown()`` prints it for the README) and the
contract: a kind is lower_snake_case and never renamed; its severity is fixed. ``origin``
says who raises it: ``checks`` (this package, recomputed by ``recheck``), ``pipeline``
(generation, kept as recorded) or ``ingest`` (reading the report, kept as recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Kind:
    kind: str
    severity: Severity
    origin: Literal["checks", "pipeline", "ingest"]
    meaning: str
    todo: str


KINDS: dict[str, Kind] = {k.kind: k for k in [
    # ---- automatic checks (this package)
    Kind("han_in_english", "error", "checks",
         "Chinese characters were left in an English field.",
         "Translate them; a name or term the model could not render usually belongs in the glossary."),
    Kind("unsupported_number", "warning", "checks",
         "A number in the English occurs neither in the item's evidence nor anywhere in the source "
         "(Chinese numerals are normalised first: 第八十七次 = 87th, 3.5亿 = 350 million).",
         "Check the figure against the source; correct or delete it."),
    Kind("unsupported_date", "warning", "checks",
         "A calendar date in the English (month and day) that the source never states (3月10日 = March 10).",
         "Check the date against the source; correct or delete it."),
    Kind("fact_outside_evidence", "info", "checks",
         "A number or date the source states, but not in the sentences this item cites.",
         "Usually fine (the point draws on more of its topic); make sure the figure belongs to this claim."),
    Kind("unsupported_name", "warning", "checks",
         "A romanized person name that matches none of the people the source names.",
         "Probably invented or mis-romanized: compare with the people in the source and fix the name."),
    Kind("unsupported_place", "warning", "checks",
         "A romanized place (X County, X District ...) that matches none of the places the source names: the tool "
         "renders every place it finds, so this one is the model's (small models copy the prompt's example).",
         "Check the place against the source; correct or delete it."),
    Kind("owner_not_in_evidence", "warning", "checks",
         "The action's owner is not who its evidence sentence (with, for an enumerated item, the lead-in naming "
         "its actors) gives the task to: it names a person or body the sentence does not mention, or leaves out "
         "the person the sentence names.",
         "Check who the source gives the task to and correct the owner."),
    Kind("term_rendering", "info", "checks",
         "A glossary term in the evidence (in a translation: in the sentence) is worded differently from its "
         "standard rendering.",
         "Prefer the standard rendering so briefings read consistently."),
    Kind("deadline_missing", "warning", "checks",
         "The evidence sentence sets a deadline or a recurrence (3月10日前, 每月) that the action lacks.",
         "Add the deadline to the action."),
    Kind("deadline_unsupported", "warning", "checks",
         "The action has a deadline, but its evidence sentence states none.",
         "Remove the deadline, or cite the sentence that sets it."),
    Kind("deadline_mismatch", "warning", "checks",
         "The action's deadline differs from the one its evidence sentence states (date or recurrence).",
         "Use the source's deadline."),
    Kind("low_support", "warning", "checks",
         "No source sentence says what the claim says: the cross-lingual similarity of the claim to its "
         "evidence, and to every other source sentence, is below the calibrated threshold.",
         "Read the claim against the source: it is likely invented or garbled; rewrite or delete it."),
    Kind("evidence_added", "info", "checks",
         "The item cited no evidence; the tool attached the best-matching source sentences (similarity in detail).",
         "Confirm that the attached sentences say what the claim says."),
    Kind("evidence_replaced", "warning", "checks",
         "The cited sentences do not support the claim but other source sentences do; the tool replaced the "
         "evidence (the model's citation and both similarities are in detail).",
         "Check the claim against the new evidence; the original citation was wrong."),
    Kind("evidence_not_in_source", "error", "checks",
         "Cited evidence is not text of the source report (evidence must be verbatim source sentences).",
         "The briefing was edited or made elsewhere: regenerate it, or cite real sentences."),
    # ---- checks of a translation (NAME.translation.json), per sentence
    Kind("sentence_untranslated", "error", "checks",
         "A sentence of the report has no English in the translation.",
         "Re-run the translation, or translate that sentence yourself."),
    Kind("translation_incomplete", "warning", "checks",
         "A sentence's English repeats the sentence before it, or is far shorter than its Chinese (under one "
         "English word per five characters): it was probably merged with a neighbour or cut short.",
         "Read the sentence against its English and complete it."),
    Kind("translation_number", "warning", "checks",
         "A number or date the Chinese sentence states is missing from its English, or the English states one "
         "the sentence does not (normalised: 第八十七次 = 87th, 3月10日 = March 10; 一 to 十 need not be kept; "
         "English number words up to ten, hundred and thousand count: 5年 = five years).",
         "Correct the figure in the English."),
    Kind("translation_name", "warning", "checks",
         "A person or place the tool renders (surname first, standard place names) is not written that way in "
         "the sentence's English: misspelt, romanized differently, or left out.",
         "Use the tool's rendering (or add the right one to a glossary)."),
    # ---- checks of a digest (summarizer digest), per statement
    Kind("uncited_statement", "warning", "checks",
         "A statement of a digest's overview or theme synthesis cites no item of the digest (so no source "
         "sentence backs it).",
         "Read it against the theme's items; delete it or rewrite it from them."),
    # ---- raised while generating (kept as recorded)
    Kind("bad_citation", "warning", "pipeline",
         "The model cited sentence ids outside the part of the report it was given; the tool fell back to "
         "sentences it could verify.",
         "Check that the evidence shown supports the claim."),
    Kind("revised", "info", "pipeline",
         "The item's first English had a number, date or name the source lacks, so the model was asked once to "
         "rewrite it from its sentences; the message says whether the rewrite (with fewer such faults) was kept. "
         "The first text is in the check's detail.",
         "Nothing, if no other check remains on the item; otherwise see that check."),
    Kind("item_missing", "warning", "pipeline",
         "A summary point, an action or a sentence's translation was left out: the model gave no usable reply even "
         "after a re-ask (a translation window is first halved and redone).",
         "Re-run the report, or read that part of the source yourself."),
    Kind("prompt_injection", "warning", "pipeline",
         "A report sentence reads like an instruction to the model (it was still summarised as data only), or a "
         "model-written field that obeyed such an instruction was dropped.",
         "Read the flagged sentence; if a field was dropped, write that part of the briefing from the source."),
    Kind("reply_field_cut", "info", "pipeline",
         "A model-written field was longer than the tool accepts (title 300, point 600, task 500, owner 200, "
         "deadline 120 characters); it was cut at a word boundary.",
         "Read the item against its evidence; a run-on usually means the model rambled."),
    Kind("credential_in_reply", "error", "pipeline",
         "A model-written field held what looks like a credential (an API key, token or private key); the field "
         "was dropped and is not quoted anywhere.",
         "Check the endpoint and the report: a model should never write a key."),
    Kind("deadline_dropped", "info", "pipeline",
         "The model gave a dated deadline that the source sentence does not state; the tool dropped it.",
         "Nothing to do; shown so the drop is visible."),
    # ---- raised while reading the report (kept as recorded)
    Kind("mixed_language", "info", "ingest",
         "The report mixes languages; it was treated as its main language.",
         "Check that the right file was briefed."),
    Kind("lost_characters", "info", "ingest",
         "The report contains '??' or U+FFFD: characters were lost before the tool read the file.",
         "Get a cleaner copy of the report if the lost text matters."),
]}

# kinds whose checks record a change the tool made to the briefing: kept when re-checking
STICKY = frozenset({"evidence_added", "evidence_replaced", "evidence_not_in_source"})
OWNED = frozenset(k for k, v in KINDS.items() if v.origin == "checks")
FLAGGING = ("warning", "error")  # severities that count as "flagged" in sampling and stats


def severity(kind: str) -> Severity:
    return KINDS[kind].severity


def kinds_markdown() -> str:
    """The kinds as a Markdown table (for the README)."""
    rows = ["| kind | severity | raised by | what it means | what to do |", "|---|---|---|---|---|"]
    for k in KINDS.values():
        rows.append(f"| `{k.kind}` | {k.severity} | {k.origin} | {k.meaning.replace('|', '/')} | {k.todo} |")
    return "\n".join(rows)
