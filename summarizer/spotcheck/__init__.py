"""Spot-checking briefings by hand, fast and measurably.

``sample`` draws a reproducible, stratified sample of claims and actions across briefings;
``page`` renders it as a self-contained review page; ``serve`` takes the verdicts it posts;
``stats`` turns verdicts into accuracy (Wilson 95% intervals) and the precision/recall of
each automatic flag; ``to_eval`` turns wrong claims into eval negatives. The verdict file
format is in ``verdicts``; the CLI in ``cli`` (``spotcheck_app``).
"""
