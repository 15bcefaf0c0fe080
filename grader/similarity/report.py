"""Similarity -> similarity.html (one self-contained file) and a rich table of the flagged pairs.

copydetect ships its own HTML report, but it loads Bootstrap's CSS and JavaScript from a CDN
(``cdn.jsdelivr.net``) and renders with autoescape off; this one is rendered by jinja2 with
autoescape on, keeps its CSS inline and loads nothing: it opens offline, and nothing a student
wrote (a folder's name, the code itself) can run in the instructor's browser. The highlighted
code arrives as :class:`markupsafe.Markup` from :mod:`grader.similarity.detect`, escaped there.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from rich.table import Table
from rich.text import Text

from grader.report import atomic_write
from grader.similarity.detect import Similarity

__all__ = ["flagged_table", "similarity_html", "write_similarity"]

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Similar submissions</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section { margin-top: 2.5em; border-top: 2px solid #888; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side > div { min-width: 0; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; white-space: pre; }
mark { background: #ffd27a; }
.note { color: #555; }
</style>
</head>
<body>
<h1>Similar submissions</h1>
<p>{{ result.pairs | length }} pair(s) of students scored {{ pct(result.threshold) }} or more, out of
{{ compared }} pair(s) compared. A pair's score is the larger of two shares: how much of one
student's code (the stub's text does not count) is also found in the other's, after names, strings,
comments and layout are set aside. A flagged pair is a lead to read, not a verdict: code from the
book or the lectures is shared by honest students too.</p>
<table>
<tr><th>topic</th><th>students with the file</th><th>pairs compared</th><th>flagged</th></tr>
{% for t in result.topics %}
<tr><td>{{ t.topic }}</td><td class="num">{{ t.students }}</td><td class="num">{{ t.pairs }}</td>
<td class="num">{{ flagged.get(t.topic, 0) }}</td></tr>
{% endfor %}
</table>
{% if result.pairs %}
<h2>Flagged pairs, highest score first</h2>
<table>
<tr><th>#</th><th>topic</th><th>student</th><th>student</th><th>score</th><th>first's code in second's</th>
<th>second's code in first's</th></tr>
{% for p in result.pairs %}
<tr><td><a href="#pair-{{ loop.index }}">{{ loop.index }}</a></td><td>{{ p.topic }}</td>
<td>{{ p.students[0] }}</td><td>{{ p.students[1] }}</td><td class="num">{{ pct(p.score) }}</td>
<td class="num">{{ pct(p.similarity[0]) }}</td><td class="num">{{ pct(p.similarity[1]) }}</td></tr>
{% endfor %}
</table>
{% for p in result.pairs %}
<section id="pair-{{ loop.index }}">
<h2>{{ loop.index }}. {{ p.topic }}: {{ p.students[0] }} and {{ p.students[1] }}, score {{ pct(p.score) }}</h2>
<p class="note">Highlighted: code the two share ({{ p.overlap }} characters once names are set aside).</p>
<div class="side">
{% for i in (0, 1) %}
<div>
<h3>{{ p.students[i] }}: {{ pct(p.similarity[i]) }} of it in {{ p.students[1 - i] }}'s</h3>
<pre>{{ p.code[i] }}</pre>
</div>
{% endfor %}
</div>
</section>
{% endfor %}
{% endif %}
</body>
</html>
"""

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _pct(fraction: float) -> str:
    return f"{fraction:.0%}"


def similarity_html(result: Similarity) -> str:
    """The report as one HTML document: per-topic counts, the flagged pairs sorted by score, and
    each pair's code side by side with what they share highlighted. Every text a student controls
    is escaped; the document loads nothing from outside itself."""
    flagged: dict[str, int] = {}
    for pair in result.pairs:
        flagged[pair.topic] = flagged.get(pair.topic, 0) + 1
    return _ENVIRONMENT.from_string(_TEMPLATE).render(
        result=result, flagged=flagged, compared=sum(t.pairs for t in result.topics), pct=_pct)


def write_similarity(result: Similarity, path: Path) -> None:
    """Write :func:`similarity_html` to ``path`` atomically (never a partial file).

    Raises:
        OSError: the folder of ``path`` does not exist or cannot be written.
    """
    atomic_write(path, similarity_html(result))


def flagged_table(result: Similarity) -> Table:
    """A rich table of the flagged pairs (topic, the two students, score, both shares, characters
    shared: a high score on a few shared characters is one idiom, not a copy); student names are
    plain text, never read as rich markup."""
    table = Table(title=f"pairs scoring {_pct(result.threshold)} or more")
    for name in ("topic", "student", "student"):
        table.add_column(name)
    for name in ("score", "1st in 2nd", "2nd in 1st", "shared"):
        table.add_column(name, justify="right")
    for p in result.pairs:
        table.add_row(p.topic, Text(p.students[0]), Text(p.students[1]), _pct(p.score),
                      _pct(p.similarity[0]), _pct(p.similarity[1]), str(p.overlap))
    return table
