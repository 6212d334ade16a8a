"""Stage histograms from a service's /metrics (the real-time path's daiban_*_seconds): scraped
before and after a run, subtracted, and read as p50/p99 (the upper bound of the bucket the
quantile falls in, as Prometheus' histogram_quantile would bound it)."""
import subprocess
import urllib.request


def psql(url, sql):
    """The rows of one statement, fields separated by a space."""
    return subprocess.run(["psql", "-X", "-A", "-t", "-F", " ", url, "-c", sql],
                          capture_output=True, text=True, check=True).stdout


def pct(values, p):
    """The p-th percentile of the measured values (nan when there are none)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")


def scrape(url):
    """{(name, labels): {le: count}} of every histogram bucket line; the series of a process's
    several consumers of one group (label consumer) are added up. No URL: nothing."""
    if not url:
        return {}
    try:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
    except OSError:
        return {}
    buckets = {}
    for line in text.splitlines():
        if line.startswith("#") or "_bucket{" not in line:
            continue
        series, _, value = line.rpartition(" ")
        name, _, labels = series.partition("{")
        labels = labels.rstrip("}")
        le = labels[labels.index('le="') + 4:].split('"')[0]
        rest = ",".join(part for part in labels[:labels.index('le="')].rstrip(",").split(",")
                        if part and not part.startswith("consumer="))
        series_buckets = buckets.setdefault((name[:-len("_bucket")], rest), {})
        series_buckets[le] = series_buckets.get(le, 0.0) + float(value)
    return buckets


def quantile(counts, q):
    finite = sorted((float(le), c) for le, c in counts.items() if le != "+Inf")
    total = counts.get("+Inf", 0)
    if total <= 0:
        return float("nan")
    for le, c in finite:
        if c >= q * total:
            return le
    return float("inf")


def report(before, after, names):
    """Lines "STAGE label p50_ms<=… p99_ms<=… n=…" for each histogram of `names` (name → label)."""
    lines = []
    for (name, labels), counts in sorted(after.items()):
        if name not in names:
            continue
        old = before.get((name, labels), {})
        delta = {le: c - old.get(le, 0) for le, c in counts.items()}
        n = int(delta.get("+Inf", 0))
        where = f"[{labels}]" if labels else ""
        lines.append(f"STAGE {names[name]}{where} p50_ms<={quantile(delta, 0.5) * 1000:g} "
                     f"p99_ms<={quantile(delta, 0.99) * 1000:g} n={n}")
    return lines
