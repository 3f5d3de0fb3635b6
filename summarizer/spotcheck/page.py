"""The review page: one self-contained HTML file (inline CSS and JavaScript, no network).

It shows each sampled item (the English claim, the Chinese evidence with matching spans
highlighted, the flags and what to do about them) with correct / wrong / unsure buttons
and a comment box. The sample travels inside the page as JSON (a :class:`VerdictFile`
with every verdict null); the page keeps verdicts in the browser's localStorage as they
are given, downloads them as a verdict file (a Blob, works from file://), and, when
served by ``summarizer spotcheck serve``, POSTs them to it.
"""

from __future__ import annotations

from functools import cache
from pathlib import PurePath

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..checks import KINDS, LOW_SUPPORT
from .highlight import Anchored, Segment
from .verdicts import VerdictFile

ICONS = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _segments(segments: list[Segment] | None, fallback: str) -> Markup:
    if not segments:
        return escape(fallback)
    out = []
    for s in segments:
        if s.kind is None:
            out.append(escape(s.text))
            continue
        anchor = f' data-anchor="{s.anchor}"' if s.anchor is not None else ""
        title = f' title="{escape(s.title)}"' if s.title else ""
        out.append(Markup(f'<mark class="k-{escape(s.kind)}"{anchor}{title}>{escape(s.text)}</mark>'))
    return Markup("").join(out)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("summarizer.spotcheck", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["basename"] = lambda p: PurePath(str(p)).name
    env.globals["segments"] = _segments
    return env


def render_page(verdicts: VerdictFile, marks: dict[str, Anchored] | None = None) -> str:
    template = _environment().get_template("review.html.j2")
    return template.render(items=verdicts.items, sample=verdicts.sample, marks=marks or {},
                           payload=verdicts.model_dump(mode="json"), icons=ICONS, kinds=KINDS,
                           threshold=LOW_SUPPORT)
