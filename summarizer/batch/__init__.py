"""Batch API jobs: the same requests the online path sends, run by a batch endpoint.

Each round runs every pending report through the pipeline offline (:mod:`summarizer.plan`, with the
cost at batch prices from :mod:`summarizer.prices`); a report whose replies are all in is written.

- :mod:`.jobs`: ``summarizer batch prepare | submit | status | collect`` — the OpenAI Batch API
  (or vLLM's offline ``run_batch``) running the same requests the online path sends;
- :mod:`.cli`: the ``batch`` commands.
"""
