#!/usr/bin/env python3
"""Print the medians of benchmark runs recorded by run.sh as a table.

Each line of the results file has six tab-separated fields:

    library  round  scenario  status  metric  value

status is "ok" (metric and value are a measurement), "failed" or "timeout"
(metric is "-" and value describes what happened). The library "raw" is
the raw-socket publish baselines.
"""

import argparse
import statistics
import sys
from collections import defaultdict

# Metrics where a larger value is better. Every other metric in the table
# is a time or a size, where smaller is better.
HIGHER_IS_BETTER = {"msgs_per_s", "recv_msgs_per_s", "MB_per_s"}

# Metrics left out of the table: "seconds" is the run time behind a rate.
HIDDEN_METRICS = {"seconds"}

BASELINE_LIBRARY = "raw"
# Each baseline: its scenario, the library scenario and metric set against
# it, and how the report names it.
BASELINES = (
    ("raw_pub_16B", ("pub_16B", "msgs_per_s"), "Raw-socket publish baseline, one connection"),
    (
        "raw_pubsub_16B",
        ("pubsub_16B", "recv_msgs_per_s"),
        "Raw-socket publish-to-subscriber baseline, two connections",
    ),
    (
        "raw_js_pub_async_16B",
        ("js_pub_async_16B", "msgs_per_s"),
        "Raw-socket JetStream publish baseline, one connection",
    ),
)


def read_results(path):
    """Return the measurements and the failures in the results file.

    measurements maps (library, scenario, metric) to a list of values, in
    the order of the metric's first appearance. failures maps (library,
    scenario) to a list of (round, status, reason).
    """
    measurements = {}
    failures = defaultdict(list)
    with open(path, encoding="utf-8") as results:
        for number, line in enumerate(results, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 6:
                sys.exit(f"{path}:{number}: expected 6 tab-separated fields, found {len(fields)}")
            library, round_number, scenario, status, metric, value = fields
            if status == "ok":
                measurements.setdefault((library, scenario, metric), []).append(float(value))
            else:
                failures[(library, scenario)].append((int(round_number), status, value))
    return measurements, failures


def format_number(value):
    """Return value with thousands separators from 1,000 up, else with 4 significant digits."""
    if abs(value) >= 999.5:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def describe_cell(values, failed_runs, built):
    """Return the median as text, or why there is none."""
    if not built:
        return "not built"
    if values:
        text = format_number(statistics.median(values))
        if failed_runs:
            text += f" ({len(failed_runs)} failed)"
        return text
    if any(status == "timeout" for _, status, _ in failed_runs):
        return "timeout"
    if failed_runs:
        return "failed"
    return "-"


def metrics_of(measurements, scenario):
    """Return the scenario's metrics in the order in which they were recorded."""
    names = []
    for library, name, metric in measurements:
        if name == scenario and metric not in names and metric not in HIDDEN_METRICS:
            names.append(metric)
    return names


def compares_ours(libraries):
    return "ours" in libraries and "cnats" in libraries


def build_rows(measurements, failures, scenarios, libraries, built):
    rows = []
    for scenario in scenarios:
        metrics = metrics_of(measurements, scenario) or ["-"]
        for metric in metrics:
            per_library = {lib: measurements.get((lib, scenario, metric), []) for lib in libraries}
            if metric == "dropped" and not any(any(v) for v in per_library.values()):
                continue
            cells = [
                describe_cell(per_library[lib], failures.get((lib, scenario), []), lib in built)
                for lib in libraries
            ]
            if compares_ours(libraries):
                ours, cnats = per_library["ours"], per_library["cnats"]
                ratio = "-"
                if ours and cnats and statistics.median(cnats) != 0:
                    ratio = f"{statistics.median(ours) / statistics.median(cnats):.2f}"
                cells.append(ratio)
            better = "higher" if metric in HIGHER_IS_BETTER else "lower"
            if metric in ("-", "dropped"):
                better = "-"
            rows.append([scenario, metric, *cells, better])
    return rows


def print_table(header, rows, markdown):
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    # Text columns are left-aligned, numbers right-aligned.
    left = {0, 1, len(header) - 1}

    def format_row(row):
        cells = [
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        if markdown:
            return "| " + " | ".join(cells) + " |"
        return "  ".join(cells).rstrip()

    print(format_row(header))
    if markdown:
        rule = [
            "-" * widths[i] if i in left else "-" * (widths[i] - 1) + ":"
            for i in range(len(header))
        ]
        print("| " + " | ".join(rule) + " |")
    else:
        print("  ".join("-" * width for width in widths))
    for row in rows:
        print(format_row(row))


def print_baselines(measurements, libraries, markdown):
    for baseline_scenario, (scenario, metric), title in BASELINES:
        values = measurements.get((BASELINE_LIBRARY, baseline_scenario, metric), [])
        if not values:
            continue
        baseline = statistics.median(values)
        print()
        print(
            f"{title} ({baseline_scenario}, no client library): "
            f"{format_number(baseline)} {metric} (median of {len(values)} "
            f"run{'s' if len(values) != 1 else ''})."
        )
        for library in libraries:
            published = measurements.get((library, scenario, metric), [])
            if published:
                share = statistics.median(published) / baseline
                bullet = "- " if markdown else "  "
                print(f"{bullet}{library} {scenario}: {share:.0%} of the baseline")


def print_failures(failures, libraries, markdown):
    keys = [key for key in failures if key[0] in libraries or key[0] == BASELINE_LIBRARY]
    if not keys:
        return
    print()
    print("Failed runs:")
    for library, scenario in keys:
        for round_number, status, reason in failures[(library, scenario)]:
            bullet = "- " if markdown else "  "
            print(f"{bullet}{library} {scenario}, round {round_number}: {status}: {reason}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results file written by run.sh")
    parser.add_argument("--libraries", required=True, help="libraries to compare, space-separated")
    parser.add_argument("--built", default="", help="libraries whose benchmark was built")
    parser.add_argument("--scenarios", required=True, help="scenario names in table order")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()

    libraries = args.libraries.split()
    built = set(args.built.split())
    measurements, failures = read_results(args.results)
    rows = build_rows(measurements, failures, args.scenarios.split(), libraries, built)
    header = ["scenario", "metric", *libraries]
    if compares_ours(libraries):
        header.append("ours/cnats")
    header.append("better")
    print_table(header, rows, args.markdown)
    print_baselines(measurements, libraries, args.markdown)
    print_failures(failures, libraries, args.markdown)


if __name__ == "__main__":
    main()
