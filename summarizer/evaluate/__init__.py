"""The eval harness: score briefings against reviewed references and compare prompt versions.

As in inspect_ai, an eval is a dataset, a solver and a scorer; a run writes a structured log.

- :mod:`.dataset` — the format of a case's reference (pydantic); :mod:`.cases` loads and validates a dataset;
- the solver is the product's own pipeline (:func:`summarizer.pipeline.run_report`, through
  :func:`summarizer.brief.brief_one`), run by :mod:`.runner`;
- :mod:`.metrics` — small named metric functions in a registry (direction, description), built on
  :mod:`.matching` (actions) and :mod:`.embed` (offline USE embeddings); :mod:`.judge` — optional LLM judge;
- :mod:`.runs` — the run log (``run.json`` + ``items.jsonl``); :mod:`.compare` — paired differences,
  bootstrap intervals, the regression gate; :mod:`.report` — the self-contained HTML report;
- :mod:`.cli` — ``summarizer eval validate | run | compare | report | metrics``.
"""

from pathlib import Path

DEFAULT_RUNS_DIR = Path("evals/runs")  # where `eval run` writes, relative to the current folder
