"""The simulation's report as one static HTML page: tables and charts drawn in inline SVG, no
script and nothing fetched from anywhere, so it opens from the disk or from the console as is.
`write_report(summary, path)` for one run; `write_comparison(a, b, path)` puts two plans side by
side (a what-if)."""

import html
import json
import sys

DISTRICT_NAMES = {
    "370102": "历下区", "370103": "市中区", "370104": "槐荫区", "370105": "天桥区", "370112": "历城区",
    "370113": "长清区", "370114": "章丘区", "370115": "济阳区", "370116": "莱芜区", "370117": "钢城区",
    "370124": "平阴县", "370126": "商河县", "JNGX": "高新区", "JNNB": "南部山区",
}

STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:24px;color:#1d2733;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d5dbe3}
.line{font-family:monospace;background:#f2f5f9;padding:8px 12px;border-radius:4px;display:inline-block}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.kpi{border:1px solid #d5dbe3;border-radius:6px;padding:10px 14px;min-width:140px}
.kpi b{display:block;font-size:22px}.kpi span{font-size:12px;color:#5b6775}
.bad b{color:#b3261e}.good b{color:#1b7f3b}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #d5dbe3;padding:4px 8px;text-align:right}
th{background:#f2f5f9}td:first-child,th:first-child{text-align:left}
.cols{display:flex;gap:28px;flex-wrap:wrap}
svg text{font-size:11px;fill:#1d2733}
"""


def esc(value):
    return html.escape(str(value))


def name(code):
    return f"{DISTRICT_NAMES.get(code, code)} {code}"


def bar_chart(title, labels, values, unit="", width=640, height=220, target=None, color="#2f6fb3"):
    """Vertical bars with their values; an optional dashed target line."""
    top = max([v for v in values if v is not None] + [target or 0, 1e-9])
    left, bottom, inner_h = 40, 40, height - 70
    step = (width - left - 10) / max(1, len(values))
    parts = [f'<svg role="img" aria-label="{esc(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<text x="{left}" y="14" font-weight="bold">{esc(title)}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#8a96a3"/>']
    for i, (label, value) in enumerate(zip(labels, values)):
        value = value or 0
        h = inner_h * value / top
        x = left + i * step + step * 0.15
        y = height - bottom - h
        parts.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{color}">'
                     f'<title>{esc(label)}: {value}{esc(unit)}</title></rect>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle">{value:g}</text>')
        parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" text-anchor="middle">{esc(label)}</text>')
    if target is not None:
        y = height - bottom - inner_h * target / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#b3261e" stroke-dasharray="4 3"/>'
                     f'<text x="{width - 12}" y="{y - 3:.1f}" text-anchor="end" fill="#b3261e">{target:g}{esc(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def kpi(label, value, good=None):
    cls = "" if good is None else (" good" if good else " bad")
    return f'<div class="kpi{cls}"><b>{esc(value)}</b><span>{esc(label)}</span></div>'


def body(summary):
    city, problems, run = summary["city"], summary["problems"], summary["run"]
    out = [f'<p class="line" id="last-line">{esc(summary["line"])}</p>', '<div class="kpis">',
           kpi("按承诺时限办结 on time", f'{city["on_time_rate"]}%', city["on_time_rate"] >= 99),
           kpi("派单延迟 offer p99", f'{city["offer_latency_ms"]["p99"]} ms'),
           kpi("排队等待 queue p90", f'{city["queue_wait_min"]["p90"]} min'),
           kpi("代办员利用率 agent utilisation", f'{round(city["agent_utilisation"] * 100, 1)}%'),
           kpi("寄递里程 courier km", city["courier_km"]),
           kpi("准时送达 deliveries on time", f'{city["deliveries_on_time"]}/{city["deliveries"]}'),
           kpi("平均评价 rating", city["rating_mean"]),
           kpi("丢失 lost", problems["lost"], problems["lost"] == 0),
           kpi("重复 duplicated", problems["duplicated"], problems["duplicated"] == 0),
           kpi("未办结 unclosed", problems["unclosed"], problems["unclosed"] == 0),
           kpi("错误 errors", problems["errors"], problems["errors"] == 0),
           "</div>"]
    districts = summary["districts"]
    codes = list(districts)
    out.append('<h2>各区县 Districts</h2><div class="cols">')
    out.append(bar_chart("按时率 on-time % by district", [DISTRICT_NAMES.get(c, c)[:2] for c in codes],
                         [districts[c]["on_time_rate"] for c in codes], "%", target=99))
    out.append(bar_chart("案件数 cases by district", [DISTRICT_NAMES.get(c, c)[:2] for c in codes],
                         [districts[c]["cases"] for c in codes], color="#6b8e23"))
    out.append("</div><table><tr><th>district</th><th>cases</th><th>on time %</th><th>agents</th>"
               "<th>utilisation</th><th>offer p99 ms</th><th>queue p90 min</th><th>couriers</th>"
               "<th>courier km</th><th>deliveries on time</th><th>rating</th></tr>")
    for c in codes:
        d = districts[c]
        out.append(f'<tr><td>{esc(name(c))}</td><td>{d["cases"]}</td><td>{d["on_time_rate"]}</td><td>{d["agents"]}</td>'
                   f'<td>{round(d["agent_utilisation"] * 100, 1)}%</td><td>{d["offer_latency_ms"]["p99"]}</td>'
                   f'<td>{d["queue_wait_min"]["p90"]}</td><td>{d["couriers"]}</td><td>{d["courier_km"]}</td>'
                   f'<td>{d["deliveries_on_time"]}/{d["deliveries"]}</td><td>{d["rating_mean"]}</td></tr>')
    out.append("</table>")
    hours = summary["hours"]
    out.append('<h2>按小时 By hour of arrival</h2><div class="cols">')
    out.append(bar_chart("到达 arrivals per hour", [f"{h}时" for h in hours], [hours[h]["cases"] for h in hours]))
    out.append(bar_chart("排队等待 queue wait p90 (min)", [f"{h}时" for h in hours],
                         [hours[h]["queue_wait_min"]["p90"] for h in hours], " min", color="#c77c02"))
    out.append("</div>")
    by_task = city.get("agent_hours_by_task")
    if by_task:
        labels = {"travel": "路途 travel", "collect": "收件 collect", "hall": "窗口 hall", "hand": "交付 hand-over"}
        out.append(f'<h2>代办员工时 Agent hours ({city["agent_hours"]} h over every day of the cases)</h2>')
        out.append(bar_chart("hours by task", [labels.get(k, k) for k in by_task], list(by_task.values()),
                             " h", width=420, color="#2e86c1"))
    ratings = city["ratings"]
    out.append('<h2>好差评 Ratings</h2>')
    out.append(bar_chart("ratings 1-5", list(ratings), list(ratings.values()), width=320, color="#8e44ad"))
    late = city.get("late")
    if late:
        out.append(f'<h2>超时原因 Why {late["cases"]} cases were late</h2><table><tr><th>cause</th><th>cases</th></tr>'
                   f'<tr><td>the department took longer than committed</td><td>{late["department_over"]}</td></tr>'
                   f'<tr><td>the result was ready an hour or more before the deadline and waited at the hall for its agent</td>'
                   f'<td>{late["result_waited"]}</td></tr>'
                   f'<tr><td>submitted too late for the department\'s usual time</td><td>{late["submitted_late"]}</td></tr>'
                   '</table>')
        stories = problems.get("late_cases", [])
        if stories:
            columns = ["tracking", "district", "item", "mode", "cause", "limit_office_h", "accepted", "taken",
                       "window", "processed", "result", "deadline"]
            out.append(f'<table class="late"><tr>{"".join(f"<th>{esc(c)}</th>" for c in columns)}</tr>')
            for story in stories:
                out.append("<tr>" + "".join(f"<td>{esc(story.get(c) if story.get(c) is not None else '—')}</td>" for c in columns) + "</tr>")
            out.append("</table>")
    out.append('<h2>问题 What went wrong</h2><table><tr><th>kind</th><th>count</th></tr>')
    out.append(f'<tr><td>lost events</td><td>{problems["lost"]}</td></tr>'
               f'<tr><td>duplicated events</td><td>{problems["duplicated"]}</td></tr>'
               f'<tr><td>cases not closed</td><td>{problems["unclosed"]}</td></tr>'
               f'<tr><td>cases assigned by a supervisor (no offer taken in time)</td>'
               f'<td>{problems.get("assigned_by_supervisor", 0)}</td></tr>')
    for kind, count in problems["error_kinds"].items():
        out.append(f"<tr><td>{esc(kind)}</td><td>{count}</td></tr>")
    out.append("</table>")
    out.append(f'<h2>运行 The run</h2><table>' + "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in run.items()) + "</table>")
    return "".join(out)


def page(title, content):
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head><body>{content}</body></html>\n")


def write_report(summary, path):
    title = f'模拟日报 Simulated day — {summary["scenario"]} {summary["day"]}'
    content = (f"<h1>{esc(title)}</h1><p>seed {esc(summary['seed'])}; on time = the result was ready by "
               f"the committed deadline (承诺时限).</p>" + body(summary))
    with open(path, "w", encoding="utf-8") as f:
        f.write(page(title, content))


def write_comparison(a, b, path, labels=("plan A", "plan B")):
    rows = [("cases", "cases"), ("on time %", "on_time_rate"), ("agents", "agents"),
            ("agent utilisation", "agent_utilisation"), ("courier km", "courier_km"),
            ("deliveries on time", "deliveries_on_time"), ("rating", "rating_mean")]
    table = [f"<table><tr><th></th><th>{esc(labels[0])}</th><th>{esc(labels[1])}</th></tr>"]
    for label, key in rows:
        table.append(f"<tr><td>{esc(label)}</td><td>{esc(a['city'][key])}</td><td>{esc(b['city'][key])}</td></tr>")
    table.append(f"<tr><td>offer p99 ms</td><td>{a['city']['offer_latency_ms']['p99']}</td>"
                 f"<td>{b['city']['offer_latency_ms']['p99']}</td></tr></table>")
    codes = list(a["districts"])
    chart_a = bar_chart(f"{labels[0]}: on-time %", [DISTRICT_NAMES.get(c, c)[:2] for c in codes],
                        [a["districts"][c]["on_time_rate"] for c in codes], "%", target=99)
    chart_b = bar_chart(f"{labels[1]}: on-time %", [DISTRICT_NAMES.get(c, c)[:2] for c in codes],
                        [b["districts"].get(c, {}).get("on_time_rate", 0) for c in codes], "%", target=99,
                        color="#c77c02")
    content = (f"<h1>方案对比 Two plans side by side</h1>{''.join(table)}<div class=\"cols\">{chart_a}{chart_b}</div>"
               f"<h2>{esc(labels[0])}</h2>{body(a)}<h2>{esc(labels[1])}</h2>{body(b)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page("方案对比 What-if", content))


if __name__ == "__main__":
    # report.py summary.json report.html  |  report.py a.json b.json compare.html
    if len(sys.argv) == 3:
        write_report(json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2])
    else:
        write_comparison(json.load(open(sys.argv[1], encoding="utf-8")),
                         json.load(open(sys.argv[2], encoding="utf-8")), sys.argv[3])
