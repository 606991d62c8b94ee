"""The server-built tables and charts: escaped, formatted, blank where a value is missing, Chinese kept."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import altair as alt
import pandas as pd
from shown import parse_table

from dashboards.static_view import CHART_CLASS, TABLE_CLASS, chart_html, one_decimal, percent, table_html

HOSTILE = '<script>alert("rw")</script><b>bold</b> & =HYPERLINK("http://x")'


def test_table_cells_are_escaped_text_and_read_back_unchanged():
    frame = pd.DataFrame({"描述": [HOSTILE, "普通文本"], "编号": ["C1", "C2"]})
    markup = table_html(frame)
    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup and "&amp;" in markup
    assert f'class="{TABLE_CLASS}"' in markup
    back = parse_table(markup)
    assert back.columns.tolist() == ["描述", "编号"]
    assert back["描述"].tolist() == [HOSTILE, "普通文本"]


def test_headers_are_escaped_too():
    markup = table_html(pd.DataFrame({"<i>x</i>": [1]}))
    assert "<i>" not in markup and "&lt;i&gt;x&lt;/i&gt;" in markup


def test_numbers_dates_and_missing_values_as_a_reader_sees_them():
    frame = pd.DataFrame({
        "rate": [0.1234, None], "hours": [26.04, 3.0], "count": pd.Series([3, 1_234], dtype="int64"),
        "points": [2.0, 0.125], "flag": [True, False],
        "when": pd.to_datetime(["2026-10-31 22:10:47.123", None]), "day": [date(2026, 10, 1), None],
        "text": ["a", None],
    })
    markup = table_html(frame, {"rate": percent, "hours": one_decimal}, max_height=300)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", markup)
    assert cells == ["12.3%", "26.0", "3", "2", "✓", "2026-10-31 22:10:47", "2026-10-01", "a",
                     "", "3.0", "1234", "0.125", "✗", "", "", ""]
    # numbers right-aligned, text not; the box scrolls at the height asked for
    assert markup.count('<td class="n">') == 8 and 'style="max-height:300px"' in markup


def test_a_chart_is_an_svg_image_with_its_chinese_text_and_an_escaped_title():
    data = pd.DataFrame({"month": pd.to_datetime(["2026-08-01", "2026-09-01"]), "value": [0.9, 0.95]})
    title = '投诉24小时首次响应率："月度趋势" <b>'
    spec = alt.Chart(data).mark_line().encode(x=alt.X("month:T", title="月份"), y=alt.Y("value:Q", title="数值")) \
        .properties(title=title).to_dict()
    markup = chart_html(json.dumps(spec, ensure_ascii=False))
    assert markup.startswith(f'<img class="{CHART_CLASS}" alt="投诉24小时首次响应率：&quot;月度趋势&quot; &lt;b&gt;"')
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", markup).group(1)).decode()
    assert svg.startswith("<svg") and "<script" not in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "月份" in texts and "数值" in texts
    assert any("月度趋势" in t for t in texts)
    # the data are drawn as a line mark, not only the axes and title
    assert re.search(r'aria-roledescription="line mark"', svg)
