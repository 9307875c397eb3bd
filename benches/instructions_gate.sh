#!/usr/bin/env bash
# Instruction-count regression gate for taskgroup's own entries of
# benches/instructions.rs (cases 1-4), against benches/instructions.baseline.
#
#   bash benches/instructions_gate.sh           # fail if an entry grew > 3%
#   bash benches/instructions_gate.sh --bless   # write the baseline anew
#
# Callgrind counts instructions, not time: the same binary on the same
# inputs gives the same count whatever else the machine is doing, so the
# gate does not flake on a loaded CI machine. A count still moves a little
# when unrelated code changes the binary's layout (about 1% seen), hence
# the 3% margin. After an intended change, bless and commit the baseline
# with the reason in the commit message (BENCHMARKS.md has the tables).
set -euo pipefail
cd "$(dirname "$0")/.."

baseline=benches/instructions.baseline
limit_pct=3

if ! command -v valgrind >/dev/null 2>&1; then
    echo "instructions gate: needs valgrind (apt-get install valgrind)" >&2
    exit 2
fi

# shellcheck source=benches/callgrind.sh
source benches/callgrind.sh

# entry rounds (taskgroup's entries only; the peers are in instructions.sh)
entries=(
    "static_taskgroup_2 20000"
    "static_taskgroup_8 20000"
    "group_spawn_2 20000"
    "local_taskgroup_for_100 1000"
    "local_taskgroup_spawn_100 1000"
    "local_taskgroup_for 10"
    "local_taskgroup_spawn 10"
    "task_taskgroup_spawn_for 10"
    "task_taskgroup_spawn_task 10"
    "fail_taskgroup_spawn_for 10"
    "fail_taskgroup_spawn_task 10"
)

empty=$(count empty 0)
declare -A now=()
for line in "${entries[@]}"; do
    read -r name rounds <<<"$line"
    now[$name]=$(( ($(count "$name" "$rounds") - empty) / rounds ))
done

if [[ "${1:-}" == "--bless" ]]; then
    {
        echo "# Instructions per round of taskgroup's entries (benches/instructions_gate.sh --bless)."
        for line in "${entries[@]}"; do
            read -r name _ <<<"$line"
            echo "$name ${now[$name]}"
        done
    } >"$baseline"
    echo "instructions gate: wrote $baseline"
    cat "$baseline"
    exit 0
fi

if [[ ! -f "$baseline" ]]; then
    echo "instructions gate: no $baseline; run with --bless first" >&2
    exit 2
fi

failed=0
printf '%-28s %14s %14s %8s\n' entry baseline now change
for line in "${entries[@]}"; do
    read -r name _ <<<"$line"
    base=$(awk -v n="$name" '$1 == n { print $2 }' "$baseline")
    if [[ -z "$base" ]]; then
        echo "instructions gate: $name has no baseline; run with --bless" >&2
        failed=1
        continue
    fi
    change=$(python3 -c "print(f'{(${now[$name]} - $base) / $base * 100:+.1f}%')")
    verdict=""
    if (( ${now[$name]} * 100 > base * (100 + limit_pct) )); then
        verdict="  <- more than ${limit_pct}% over the baseline"
        failed=1
    fi
    printf '%-28s %14s %14s %8s%s\n' "$name" "$base" "${now[$name]}" "$change" "$verdict"
done
if (( failed )); then
    echo "instructions gate: failed (an intended change: bless and say why in the commit)" >&2
    exit 1
fi
echo "instructions gate: ok (every entry within ${limit_pct}% of the baseline)"
