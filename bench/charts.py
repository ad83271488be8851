"""
Draw the benchmark's PNG charts from results.json:

    python charts.py OUT_DIR

Prints the paths it wrote, one per line; prints nothing when matplotlib is
not importable.
"""

import json
import sys
from pathlib import Path

TREES = ("upstream", "fork")
COLORS = {"upstream": "tab:gray", "fork": "tab:blue"}


def storm_chart(plt, rows, path):
    rows = [row for row in rows if any("timeline" in row.get(t, {}) for t in TREES)]
    if not rows:
        return None
    figure, axes = plt.subplots(
        len(rows), 1, figsize=(8, 2.6 * len(rows)), squeeze=False
    )
    for axis, row in zip(axes[:, 0], rows):
        for label in TREES:
            points = row.get(label, {}).get("timeline")
            if points:
                times, gaps = zip(*points)
                # A gap sample covers the time since the previous tick.
                axis.step(
                    times, gaps, where="pre", label=label, color=COLORS[label], lw=1
                )
        axis.set_yscale("log")
        axis.set_title(f"login storm, {row['hasher']}: event-loop gap over time")
        axis.set_xlabel("seconds since start")
        axis.set_ylabel("gap (ms)")
        axis.legend()
    return save(plt, figure, path)


def throughput_chart(plt, rows, path):
    if not rows:
        return None
    scenarios = list(dict.fromkeys(row["scenario"] for row in rows))
    figure, axes = plt.subplots(
        len(scenarios), 1, figsize=(7, 2.6 * len(scenarios)), squeeze=False
    )
    for axis, scenario in zip(axes[:, 0], scenarios):
        points = sorted(
            (row["concurrency"], row) for row in rows if row["scenario"] == scenario
        )
        levels = [level for level, _ in points]
        for label in TREES:
            values = [row[label]["req_per_s"] for _, row in points]
            axis.plot(levels, values, marker="o", label=label, color=COLORS[label])
        axis.set_xscale("log", base=2)
        axis.set_xticks(levels, [str(level) for level in levels])
        axis.set_ylim(bottom=0)
        axis.set_title(f"ASGI {scenario}")
        axis.set_xlabel("concurrent connections")
        axis.set_ylabel("requests/s")
        axis.legend()
    return save(plt, figure, path)


def save(plt, figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main(out_dir):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return 0
    out_dir = Path(out_dir)
    results = json.loads((out_dir / "results.json").read_text())
    written = [
        storm_chart(plt, results["storm"], out_dir / "storm_gaps.png"),
        throughput_chart(plt, results["throughput"], out_dir / "throughput.png"),
    ]
    for path in written:
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
