"""The class report's page: one jinja2 template, CSS inline, nothing loaded from elsewhere.

Kept as a module (not a .html file beside it) so that it ships in the wheel without package
data. It is rendered with autoescape on: every value is escaped but the charts, which
:mod:`grader.analytics.charts` made from numbers and course ids and passes as ``Markup``. The
Content-Security-Policy forbids scripts and every fetch, should an unescaped value ever slip
through. The ``data-*`` attributes give scripts and tests the numbers without parsing prose.
"""

from __future__ import annotations

__all__ = ["TEMPLATE"]

TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ course }}: class report</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2328;
       margin: 0 auto; padding: 16px 24px 48px; max-width: 1240px; background: #f6f8fa; }
h1 { font-size: 22px; margin: 4px 0 2px; }
h2 { font-size: 17px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.meta { color: #57606a; margin: 0 0 14px; }
section, .card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 16px; margin: 0 0 16px; }
.top { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap: 16px; background: none; border: 0; padding: 0; }
.top .card { margin: 0; }
.numbers { display: flex; gap: 18px; flex-wrap: wrap; margin: 6px 0 0; }
.numbers div { min-width: 64px; }
.numbers b { display: block; font-size: 20px; }
.numbers span { color: #57606a; font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.grid .topic { border: 1px solid #eaeef2; border-radius: 6px; padding: 6px 8px; }
.grid .topic p { margin: 0; color: #57606a; font-size: 12px; }
svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { font-size: 12px; color: #57606a; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.zero { color: #8c959f; }
td.bad { background: #fff1f0; }
.ids { display: block; color: #57606a; font-size: 11px; }
code, pre { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f6f8fa; border: 1px solid #eaeef2; border-radius: 6px; padding: 6px 8px; margin: 4px 0;
      white-space: pre-wrap; overflow-wrap: anywhere; max-height: 14em; overflow: auto; }
.largest { list-style: none; padding: 0; margin: 0; }
.largest li { border-top: 1px solid #eaeef2; padding: 6px 0; }
.largest li:first-child { border-top: 0; }
.size { display: inline-block; min-width: 1.6em; padding: 0 6px; border-radius: 10px; background: #c44e52;
        color: #fff; font-weight: 600; text-align: center; margin-right: 6px; }
.vs { display: grid; grid-template-columns: 4.5em minmax(0, 1fr); gap: 0 6px; align-items: start; }
.vs span { color: #57606a; font-size: 12px; padding-top: 5px; }
.vs pre { max-height: 7em; }
.headline { display: block; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; color: #24292f;
            white-space: nowrap; overflow: hidden; text-overflow: ellipsis; margin: 2px 0; }
details.mistake[open] .headline { white-space: normal; }
details.mistake { border-top: 1px solid #eaeef2; padding: 4px 0; }
details.mistake summary { cursor: pointer; }
.hidden-test { color: #8250df; font-size: 11px; border: 1px solid #d8b9ff; border-radius: 8px; padding: 0 5px; }
.public-test { color: #0969da; font-size: 11px; border: 1px solid #b6e3ff; border-radius: 8px; padding: 0 5px; }
.bar { background: #eaeef2; border-radius: 3px; height: 8px; width: 120px; display: inline-block; vertical-align: middle; }
.bar i { display: block; height: 8px; border-radius: 3px; background: #2da44e; }
.bar i.low { background: #cf222e; }
.bar i.mid { background: #d4a72c; }
.note { color: #57606a; font-size: 12px; margin: 0 0 8px; }
@media (max-width: 900px) { .top { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<h1>{{ course }}: class report</h1>
<p class="meta">{{ students|length }} students · {{ max_points|fmt }} points · device {{ device }} ·
sandbox {{ sandbox }}{% if seeded %} · hidden tests drawn with a secret seed{% endif %}</p>

<div class="top">
<div class="card" id="total" data-mean="{{ total.mean|fmt(6) }}" data-max="{{ max_points|fmt }}">
<h2>Total score</h2>
{{ total.chart }}
<div class="numbers">
<div><b>{{ total.mean|fmt(1) }}</b><span>mean of {{ max_points|fmt }}</span></div>
<div><b>{{ total.median|fmt(1) }}</b><span>median</span></div>
<div><b>{{ total.low|fmt(1) }}–{{ total.high|fmt(1) }}</b><span>range</span></div>
<div><b>{{ total.full }}</b><span>full marks</span></div>
</div>
<h3>Lowest totals</h3>
<table id="lowest">
{% for s in lowest %}
<tr data-student="{{ s.id }}" data-total="{{ s.total|fmt }}"><td>{{ s.id }}</td><td class="num">{{ s.total|fmt(2) }}</td>
<td>{{ (s.total / max_points if max_points else 0)|bar }}</td><td><span class="ids">{{ s.not_graded }}</span></td></tr>
{% endfor %}
</table>
</div>
<div class="card" id="largest">
<h2>Largest common mistakes</h2>
{% if largest %}
<ol class="largest">
{% for m in largest %}
<li data-function="{{ m.function }}" data-test="{{ m.test }}" data-size="{{ m.size }}">
<span class="size" title="students">{{ m.size }}</span><code>{{ m.function }}</code> ({{ m.topic }}):
{{ m.test }} <span class="{{ m.visibility }}-test">{{ m.visibility }}</span>
<span class="ids">{{ m.students|join(", ") }}</span>
<div class="headline">{{ m.example|headline }}</div>
{% if m.expected %}<div class="vs"><span>expected</span><pre>{{ m.expected }}</pre><span>got</span><pre>{{ m.got }}</pre></div>{% endif %}
</li>
{% endfor %}
</ol>
{% else %}
<p>No test failed on a property: every failure is counted under status per topic.</p>
{% endif %}
</div>
</div>

<section id="status">
<h2>Status per topic</h2>
<p class="note">Students per topic whose file was missing, failed to import, ran out of time or crashed, used a
banned call, or left a function as the stub (not attempted). They are left out of the common mistakes.</p>
<table>
<tr><th>topic</th><th class="num">mean</th><th class="num">max</th>
{% for kind in kinds %}<th class="num">{{ kind|replace("_", " ") }}</th>{% endfor %}</tr>
{% for t in topics %}
<tr data-topic="{{ t.id }}" data-mean="{{ t.mean|fmt(6) }}" data-max="{{ t.max_score|fmt }}"
{%- for kind in kinds %} data-{{ kind|replace("_", "-") }}="{{ t.kinds[kind]|length }}"{% endfor %}>
<td>{{ t.id }}</td><td class="num">{{ t.mean|fmt(2) }}</td><td class="num">{{ t.max_score|fmt }}</td>
{% for kind in kinds %}{% set ids = t.kinds[kind] %}
<td class="num{{ ' bad' if ids else ' zero' }}">{{ ids|length }}
{%- if ids %}<span class="ids">{{ ids|join(", ") }}</span>{% endif %}</td>
{% endfor %}
</tr>
{% endfor %}
</table>
</section>

<section id="topics">
<h2>Score distribution per topic</h2>
<div class="grid">
{% for t in topics %}
<div class="topic">{{ t.chart }}<p>mean {{ t.mean|fmt(2) }} · median {{ t.median|fmt(2) }} · full marks {{ t.full }} of {{ students|length }}</p></div>
{% endfor %}
</div>
</section>

<section id="mistakes">
<h2>Common mistakes ({{ mistakes|length }} groups)</h2>
<p class="note">Failures grouped by function and the property (test) they broke; within a test, messages that
differ only in their values are one mistake. Each shows the shortest message of its group: the smallest
counterexample.</p>
{% for topic, functions in mistakes_by_topic %}
<h3>{{ topic }}</h3>
{% for function, group in functions %}
<p><code>{{ function }}</code>: {{ group|length }} mistake{{ "s" if group|length != 1 }}</p>
{% for m in group %}
<details class="mistake" data-function="{{ m.function }}" data-test="{{ m.test }}" data-size="{{ m.size }}">
<summary><span class="size">{{ m.size }}</span>{{ m.test }} <span class="{{ m.visibility }}-test">{{ m.visibility }}</span>
<span class="ids">{% for s in m.students %}<span data-student="{{ s }}">{{ s }}</span>{{ ", " if not loop.last }}{% endfor %}</span>
<span class="headline">{{ m.example|headline }}</span></summary>
{% if m.expected %}<div class="vs"><span>expected</span><pre>{{ m.expected }}</pre><span>got</span><pre>{{ m.got }}</pre></div>{% endif %}
<pre>{{ m.example }}</pre>
</details>
{% endfor %}
{% endfor %}
{% else %}
<p>None.</p>
{% endfor %}
</section>

<section id="functions">
<h2>Pass rate per function, worst first</h2>
<p class="note">Students who passed every test of the function, of all {{ students|length }} (a topic not submitted counts as failed).</p>
<table>
<tr><th>function</th><th>topic</th><th class="num">passed all</th><th></th><th class="num">tests</th></tr>
{% for f in functions %}
<tr data-topic="{{ f.topic }}" data-function="{{ f.function }}" data-passed="{{ f.passed }}" data-students="{{ f.students }}">
<td><code>{{ f.function }}</code></td><td>{{ f.topic }}</td><td class="num">{{ f.passed }} / {{ f.students }}</td>
<td>{{ f.rate|bar }}</td><td class="num">{{ f.tests }}</td></tr>
{% endfor %}
</table>
</section>

<section id="tests">
<h2>Pass rate per test, worst first</h2>
<table>
<tr><th>test</th><th>function</th><th class="num">passed</th><th></th></tr>
{% for t in tests %}
<tr data-topic="{{ t.topic }}" data-function="{{ t.function }}" data-test="{{ t.test }}" data-passed="{{ t.passed }}" data-students="{{ t.students }}">
<td>{{ t.test }} <span class="{{ t.visibility }}-test">{{ t.visibility }}</span></td><td><code>{{ t.function }}</code></td>
<td class="num">{{ t.passed }} / {{ t.students }}</td><td>{{ t.rate|bar }}</td></tr>
{% endfor %}
</table>
</section>
</body>
</html>
"""
