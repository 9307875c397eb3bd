#!/usr/bin/env bash
# Instruction counts of cases 1-4 under callgrind, as ratios taskgroup / peer.
#
#   bash benches/instructions.sh
#
# Needs valgrind. Builds benches/instructions.rs (release), runs every entry
# under callgrind on a current-thread runtime (the `worker_` case: with its
# parent in a worker of the 2-worker multi-thread runtime, whose count moves
# by about 0.5% between runs), subtracts the count of an
# empty run (runtime start and stop) and prints, per case, each entry's
# instructions per round and its ratio to each peer. Counts do not depend on
# the machine's load, so this is the table to compare commits with.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=benches/callgrind.sh
source benches/callgrind.sh

# case rounds "taskgroup entries" "peers"
cases=(
    "static_2 20000 static_taskgroup_2,group_spawn_2 static_try_join_2"
    "static_8 20000 static_taskgroup_8 static_try_join_8"
    "local_fanout_100 1000 local_taskgroup_for_100,local_taskgroup_spawn_100 local_futures_unordered_100,local_futures_concurrency_100,local_futures_unordered_handles_100"
    "local_fanout_10k 10 local_taskgroup_for,local_taskgroup_spawn local_futures_unordered,local_futures_concurrency,local_futures_unordered_handles"
    "spawned_fanout_10k 10 task_taskgroup_spawn_for,task_taskgroup_spawn_task task_join_set,task_vec_join_handle"
    "fail_fast_10k 10 fail_taskgroup_spawn_for,fail_taskgroup_spawn_task fail_join_set_abort_all"
    "worker_spawned_fanout_10k 5 worker_task_taskgroup_spawn_for,worker_task_taskgroup_spawn_task worker_task_join_set,worker_task_vec_join_handle"
)

echo "| case | taskgroup | instructions / round | peer | instructions / round | ratio |"
echo "|---|---|---:|---|---:|---:|"
for line in "${cases[@]}"; do
    read -r name rounds ours peers <<<"$line"
    # A worker case runs on the multi-thread runtime: its empty run too.
    if [[ $name == worker_* ]]; then empty=$(count worker_empty 0); else empty=$(count empty 0); fi
    declare -A per=()
    for e in ${ours//,/ } ${peers//,/ }; do
        per[$e]=$(( ($(count "$e" "$rounds") - empty) / rounds ))
    done
    for o in ${ours//,/ }; do
        for p in ${peers//,/ }; do
            ratio=$(python3 -c "print(f'{${per[$o]} / ${per[$p]}:.2f}')")
            echo "| $name | $o | ${per[$o]} | $p | ${per[$p]} | $ratio |"
        done
    done
    unset per
done
