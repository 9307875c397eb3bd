#!/usr/bin/env python3
"""Prints the ratio table of the last `cargo bench` run.

Reads target/criterion/**/new/{benchmark,estimates}.json and, for every
benchmark group and size, divides the median time of each taskgroup entry
(function id starting with "taskgroup") by the median of each peer in the
same group and size. Ratios < 1 mean taskgroup is faster.

    python3 benches/ratios.py [target/criterion]
"""

import json
import os
import sys
from collections import defaultdict


def load(root):
    runs = defaultdict(dict)  # (group, size) -> {function: median ns}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            median = json.load(f)["median"]["point_estimate"]
        key = (bench["group_id"], bench.get("value_str") or "")
        runs[key][bench["function_id"]] = median
    return runs


def size_key(size):
    return int(size) if size.isdigit() else size


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "target", "criterion")
    runs = load(root)
    if not runs:
        sys.exit(f"no criterion results under {root}: run `cargo bench` first")
    print("| group | N | taskgroup | peer | ratio (median) |")
    print("|---|---:|---|---|---:|")
    for group, size in sorted(runs, key=lambda k: (k[0], size_key(k[1]))):
        entries = runs[(group, size)]
        ours = sorted(f for f in entries if f.startswith("taskgroup"))
        peers = sorted(
            (f for f in entries if not f.startswith("taskgroup")), key=lambda f: entries[f]
        )
        for tg in ours:
            for peer in peers:
                ratio = entries[tg] / entries[peer]
                print(f"| {group} | {size} | {tg} | {peer} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
