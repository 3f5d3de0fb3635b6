"""Chinese numerals, dates and deadlines: read once, here, for every part of the tool.

- ``numerals``: 二十六 -> 26, 二〇二一 -> 2021, 三点五亿 -> 350000000 (on cn2an);
- ``dates``: 3月10日 / 三月十日 / 2021年3月10日 / a page's 2021-01-09 publication stamp;
- ``deadlines``: what a sentence sets as a deadline or a recurrence (3月10日前, 年底前, 每月).

Metadata (the meeting date, its number), the action list (deadlines), the checks (numbers and dates a
claim may state) and the spot-check page (highlighting) all use these; none parses them on its own.
"""
