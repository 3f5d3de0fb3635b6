"""Work without a live model: dry-run plans with cost estimates, and Batch API jobs.

- :mod:`.plan`: ``summarizer brief --dry-run`` — calls, tokens and cost per report, no call made;
- :mod:`.prices`: the user-editable price table;
- :mod:`.jobs`: ``summarizer batch prepare | submit | status | collect`` — the OpenAI Batch API
  (or vLLM's offline ``run_batch``) running the same requests the online path sends;
- :mod:`.cli`: the ``batch`` commands.
"""
