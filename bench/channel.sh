#!/usr/bin/env bash
# Channel-configuration benchmark: decode and check N config blocks of a channel with ORGS orgs
# (`fabcheck check --artifacts DIR --select CHANNEL,RAFT`) versus what an operator would run to
# look inside them: `protoc --decode_raw` over each block (Debian's protobuf-compiler), one
# process per block, on one core.
#
# Usage: bench/channel.sh [BLOCKS] [ORGS]        (defaults 1000 x 50; env BLOCKS/ORGS work too)
# Env:   CARGO_TARGET_DIR  cargo's target dir (default: <repo>/target)
#        RUNS              runs to take the best of, each side (default 5)
#        BENCH_CACHE_DIR   where the generated blocks are cached (default: ${TMPDIR:-/tmp})
# Works offline (cargo --offline). The last line of output is:
#   ratio: protoc loop / fabcheck = <X>x (fabcheck <T1> s, protoc <T2> s, <N> blocks of <M> orgs)
set -euo pipefail
export LC_ALL=C

BLOCKS=${1:-${BLOCKS:-1000}}
ORGS=${2:-${ORGS:-50}}
RUNS=${RUNS:-5}

die() { echo "channel.sh: $*" >&2; exit 1; }
for n in "$BLOCKS" "$ORGS" "$RUNS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive integer, got '$n'"
done
command -v protoc >/dev/null || die "protoc is not installed (apt-get install protobuf-compiler)"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FABCHECK=$TARGET_DIR/release/fabcheck
GENERATOR=$TARGET_DIR/release/examples/gen-channel-bench
CACHE_DIR=${BENCH_CACHE_DIR:-${TMPDIR:-/tmp}}
TREE=$CACHE_DIR/fabcheck-bench-channel-${BLOCKS}x${ORGS}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# best_of CMD...: the best wall-clock time of RUNS runs of CMD (output discarded).
best_of() {
    local best="" t start run
    for ((run = 1; run <= RUNS; run++)); do
        start=$(now)
        "$@" >/dev/null 2>&1 || true
        t=$(elapsed "$start" "$(now)")
        echo "  run $run: $t s" >&2
        if [[ -z $best ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
            best=$t
        fi
    done
    echo "$best"
}

echo "== build (release, offline)"
(cd "$ROOT" && cargo build --offline --release --quiet --bin fabcheck --example gen-channel-bench)

if [[ ! -d $TREE ]]; then
    echo "== generate $BLOCKS config blocks of a $ORGS-org channel into $TREE"
    "$GENERATOR" "$TREE.partial" "$BLOCKS" "$ORGS"
    mv "$TREE.partial" "$TREE"
fi
N=$(find "$TREE" -name '*.pb' | wc -l)
SIZE=$(du -sh "$TREE" | cut -f1)
echo "blocks: $N ($SIZE)"

echo "== (a) fabcheck check --artifacts DIR --select CHANNEL,RAFT -o json=/dev/null, best of $RUNS"
status=0
"$FABCHECK" check --artifacts "$TREE" --select CHANNEL,RAFT -o "json=$WORK/report.json" || status=$?
((status <= 1)) || die "fabcheck failed with exit code $status"
summary=$(grep -o '"summary":{[^}]*}' "$WORK/report.json" | sed 's/^"summary"://')
echo "fabcheck exit code $status, findings $summary"
fab=$(best_of "$FABCHECK" check --artifacts "$TREE" --select CHANNEL,RAFT -o json=/dev/null)
echo "fabcheck: best of $RUNS = $fab s"

echo "== (b) protoc --decode_raw < BLOCK, one per block, best of $RUNS"
protoc_loop() {
    local f
    for f in "$TREE"/*.pb; do
        protoc --decode_raw <"$f" >/dev/null
    done
}
# What it shows: field numbers and bytes, the nested configuration unexpanded.
protoc --decode_raw <"$(find "$TREE" -name '*.pb' | sort | head -1)" >"$WORK/raw.txt"
head -c 300 "$WORK/raw.txt"
echo
raw=$(best_of protoc_loop)
echo "protoc loop: best of $RUNS = $raw s"

ratio=$(awk -v a="$fab" -v b="$raw" 'BEGIN { printf "%.2f", b / a }')
echo "ratio: protoc loop / fabcheck = ${ratio}x (fabcheck $fab s, protoc $raw s, $N blocks of $ORGS orgs)"
