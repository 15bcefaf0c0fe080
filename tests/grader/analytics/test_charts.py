"""Histograms come out as SVG that can sit inside an HTML page and fetches nothing."""

import re

from grader.analytics.charts import histogram_svg


def test_a_histogram_is_an_svg_element_without_declaration_doctype_metadata_or_url():
    svg = histogram_svg([1.0, 2.5, 10.0, 10.0], 10.0, title="softmax", prefix="a")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for absent in ("<?xml", "<!DOCTYPE", "<metadata", "http:", "https:", "xmlns"):
        assert absent not in svg
    assert ">softmax</text>" in svg  # text stays text: no font is embedded


def test_two_charts_share_no_id_and_refer_only_to_their_own():
    first, second = (histogram_svg([1.0, 2.0], 10.0, prefix=p) for p in ("a", "b"))
    ids = [set(re.findall(r'id="([^"]+)"', svg)) for svg in (first, second)]
    assert ids[0] and not ids[0] & ids[1]
    for svg, own in zip((first, second), ids):
        assert set(re.findall(r'(?:href="|url\()#([^")]+)', svg)) <= own


def test_a_title_is_escaped_and_not_read_as_mathtext():
    svg = histogram_svg([1.0], 2.0, title="$x$ <b>&", prefix="t")
    assert "$x$ &lt;b&gt;&amp;</text>" in svg


def test_the_same_scores_give_the_same_svg_and_an_empty_class_still_draws():
    assert histogram_svg([3.0, 4.0], 5.0) == histogram_svg([3.0, 4.0], 5.0)
    assert histogram_svg([], 0.0).startswith("<svg")
