"""Translate: Document + Facts + a translation prompt -> TranslatedReport.

A translation prompt has one step, with output ``translation`` (scope ``sentences``): the report
goes to the model in windows of whole paragraphs with the neighbouring sentences as context
(``generate._sentences``, the same code a translate-first briefing prompt runs), each sentence shown
with the tool's renderings of the names and terms in it, and comes back one English item per
sentence. The tool then pairs every sentence, verbatim and with its offsets in the input file, with
its English; the checks (``checks.translation``) are added by the pipeline.
"""

from __future__ import annotations

from .. import __version__
from ..errors import ModelError
from ..facts.model import Facts
from ..files import path_text
from ..ingest import Document
from ..prompts import Prompt
from ..runners import Runner
from ..schema import Check, ModelRef, PromptRef, SentencePair, Source, TranslatedReport
from . import Run, _sentences, clean_english, windows
from .outputs import OUTPUTS


async def translate(doc: Document, facts: Facts, prompt: Prompt, runner: Runner, *, model: ModelRef,
                    context_tokens: int, grounding: bool = True, epoch: int = 0) -> TranslatedReport:
    run = Run(doc=doc, facts=facts, prompt=prompt, runner=runner, context_tokens=context_tokens,
              grounding=grounding, epoch=epoch)
    step = prompt.meta.steps[0]
    if doc.is_chinese:
        if hasattr(runner, "expect"):
            runner.expect(len(windows(run, step)[0]))  # for progress: the calls this report takes
        try:
            await _sentences(run, step, OUTPUTS[step.output][1])
        except ModelError as exc:
            exc.usage = run.usage  # the report failed: say what it cost anyway
            raise
    else:  # already English: kept as it is
        run.english = {s.id: s.text for s in doc.sentences}
    pairs = []
    for s in doc.sentences:
        start, end = doc.original_span(s)
        english = run.english.get(s.id)
        pairs.append(SentencePair(id=s.id, zh=s.text, start=start, end=end, paragraph=s.paragraph, heading=s.heading,
                                  en=clean_english(english) if english else None))
    checks = [Check(kind=w.split(":", 1)[0], severity="info", message=w) for w in doc.warnings] + run.checks
    return TranslatedReport(
        tool_version=__version__,
        source=Source(path=path_text(doc.path), sha256=doc.sha256, chars=len(doc.text), language=doc.language,
                      script=doc.script, encoding=doc.encoding, title=doc.title),
        prompt=PromptRef(name=prompt.name, version=prompt.version, sha256=prompt.sha256),
        model=model, sentences=pairs, usage=run.usage, checks=checks)
