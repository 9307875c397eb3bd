#!/usr/bin/env bash
# Case 6: compile time of 200 `taskgroup!` invocations vs 200 `tokio::try_join!`.
#
#   bash benches/compile_time.sh [COUNT]
#
# Generates two throwaway crates under target/compile_time/ that differ only
# in the macro (same three fallible branches per invocation, same
# dependencies otherwise), then for each:
#   clean : a clean `cargo build` of the crate and all its dependencies;
#   crate : the crate alone rebuilt from scratch (dependencies already
#           built, `cargo clean -p`), median of 3: the cost of the
#           invocations themselves.
# Incremental compilation is off, so no build reuses an earlier one.
# Prints both times and the ratio taskgroup / try_join.
set -euo pipefail
export CARGO_INCREMENTAL=0

count="${1:-200}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/target/compile_time"
rm -rf "$out"
mkdir -p "$out"

gen() { # gen NAME DEPS BODY_FN
    local dir="$out/$1"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "ct_$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
tokio = { version = "1.47", default-features = false, features = ["macros", "rt"] }
$2

# Not part of the taskgroup workspace above it.
[workspace]
TOML
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    {
        echo '#![allow(dead_code)]'
        echo '#[derive(Debug)]'
        echo 'pub struct E;'
        echo 'async fn f(x: u32) -> Result<u32, E> { Ok(x) }'
        for i in $(seq 1 "$count"); do "$3" "$i"; done
    } >"$dir/src/lib.rs"
}

with_taskgroup() {
    cat <<RS
pub async fn g$1(x: u32) -> Result<(u32, u32, u32), taskgroup::ErrorGroup<E>> {
    taskgroup::taskgroup! {
        let a = f(x)?;
        let b = f(x + $1)?;
        let c = f(x * $1)?;
    }
}
RS
}

with_try_join() {
    cat <<RS
pub async fn g$1(x: u32) -> Result<(u32, u32, u32), E> {
    tokio::try_join!(f(x), f(x + $1), f(x * $1))
}
RS
}

gen taskgroup "taskgroup = { path = \"$repo\" }" with_taskgroup
gen try_join "" with_try_join

now() { date +%s.%N; }
calc() { python3 -c "print(round($1, 3))"; }

# clean NAME -> seconds for a clean build of the crate and its dependencies
clean() {
    local dir="$out/$1" t0
    (cd "$dir" && cargo clean -q 2>/dev/null || true)
    t0=$(now)
    (cd "$dir" && cargo build -q --offline)
    calc "$(now) - $t0"
}

# crate NAME -> median seconds of 3 rebuilds of the crate alone
crate() {
    local dir="$out/$1" t0 times=()
    for _ in 1 2 3; do
        (cd "$dir" && cargo clean -q -p "ct_$1")
        t0=$(now)
        (cd "$dir" && cargo build -q --offline)
        times+=("$(calc "$(now) - $t0")")
    done
    printf '%s\n' "${times[@]}" | sort -g | sed -n 2p
}

tg_clean=$(clean taskgroup)
tj_clean=$(clean try_join)
tg_crate=$(crate taskgroup)
tj_crate=$(crate try_join)

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
echo "| build ($count invocations, dev profile) | taskgroup! (s) | tokio::try_join! (s) | ratio |"
echo "|---|---:|---:|---:|"
printf '| crate alone, median of 3 | %.2f | %.2f | %s |\n' "$tg_crate" "$tj_crate" "$(ratio "$tg_crate" "$tj_crate")"
printf '| clean, with dependencies | %.2f | %.2f | %s |\n' "$tg_clean" "$tj_clean" "$(ratio "$tg_clean" "$tj_clean")"
