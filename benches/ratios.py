#!/usr/bin/env python3
"""Prints the ratio table of the last `cargo bench` run.

Reads target/criterion/**/new/{benchmark,estimates}.json and, for every
benchmark group and size, divides the median time of each taskgroup entry
(function id starting with "taskgroup") by the median of each peer in the
same group and size. Ratios < 1 mean taskgroup is faster. Then checks the
targets (both rounds' goals) against the same numbers.

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


# (label, group, sizes, taskgroup entries, peers, limit, how the peers combine)
TARGETS = [
    ("static vs tokio::try_join!", "static_branches", ["2", "4", "8"],
     ["taskgroup_macro"], ["tokio_try_join"], 1.00, "each"),
    ("local fan-out 10k vs best of FuturesUnordered / futures-concurrency",
     "local_fanout_yield", ["10000"], ["taskgroup_macro_for", "taskgroup_spawn"],
     ["futures_unordered", "futures_concurrency_vec"], 1.00, "best"),
    ("local fan-out 10k shuffled, same peers under tokio's coop budget",
     "local_fanout_shuffled", ["10000"], ["taskgroup_macro_for", "taskgroup_spawn"],
     ["futures_unordered", "futures_concurrency_vec"], 1.00, "best"),
    ("local fan-out 10k shuffled, peers outside the coop budget",
     "local_fanout_shuffled", ["10000"], ["taskgroup_macro_for", "taskgroup_spawn"],
     ["futures_unordered_unconstrained", "futures_concurrency_vec_unconstrained"], 1.00, "best"),
]
for parent in ["block_on", "worker"]:
    TARGETS += [
        (f"spawned fan-out ({parent}) vs Vec<JoinHandle>", f"spawned_fanout_{parent}", ["10000"],
         ["taskgroup_macro_spawn_for", "taskgroup_spawn_task"], ["vec_join_handle"], 1.05, "each"),
        (f"spawned fan-out ({parent}) vs JoinSet", f"spawned_fanout_{parent}", ["10000"],
         ["taskgroup_macro_spawn_for", "taskgroup_spawn_task"], ["join_set"], 1.00, "each"),
    ]
TARGETS.append(
    ("fail-fast 10k vs JoinSet::abort_all + drain", "fail_fast_task", ["10000"],
     ["taskgroup_macro_spawn_for", "taskgroup_spawn_task"], ["join_set_abort_all"], 1.00, "each"))


# The second round's goals, each against one peer.
TARGETS += [
    ("local fan-out 10k `for` vs FuturesUnordered", "local_fanout_yield", ["10000"],
     ["taskgroup_macro_for"], ["futures_unordered"], 1.00, "each"),
    ("local fan-out 10k `for` vs futures-concurrency", "local_fanout_yield", ["10000"],
     ["taskgroup_macro_for"], ["futures_concurrency_vec"], 1.15, "each"),
    ("local children 10k `spawn` vs FuturesUnordered", "local_fanout_yield", ["10000"],
     ["taskgroup_spawn"], ["futures_unordered"], 1.40, "each"),
    ("local children 10k `spawn` vs boxed FuturesUnordered + a oneshot each", "local_fanout_yield",
     ["10000"], ["taskgroup_spawn"], ["futures_unordered_handles"], 1.00, "each"),
]


def targets(runs):
    print()
    print("| target | N | taskgroup | ratio | limit | met |")
    print("|---|---:|---|---:|---:|---|")
    for label, group, sizes, ours, peers, limit, how in TARGETS:
        for size in sizes:
            entries = runs.get((group, size), {})
            have = [p for p in peers if p in entries]
            if not have:
                continue
            best = min(entries[p] for p in have)
            for tg in ours:
                if tg not in entries:
                    continue
                ratio = entries[tg] / best
                met = "yes" if ratio <= limit else "**no**"
                print(f"| {label} | {size} | {tg} | {ratio:.2f} | {limit:.2f} | {met} |")


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
    targets(runs)


if __name__ == "__main__":
    main()
