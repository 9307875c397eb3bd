# Sourced (from the repository root) by benches/instructions.sh and
# benches/instructions_gate.sh: builds benches/instructions.rs (release)
# and defines `count ENTRY ROUNDS`, the instructions of one whole run of
# that entry under callgrind.
cargo bench --bench instructions --no-run --quiet
bin=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/instructions-* | grep -v '\.d$' | head -1)

count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
