#!/usr/bin/env bash
# ZooKeeper probe benchmark: `fabcheck check --zookeeper ... --select ZK` against a real 3-node
# ensemble (Debian's zookeeper package, started by the tests' harness through
# `examples/zk-ensemble.rs`) versus the shell loop an operator would write:
#   for ep: echo srvr | nc host port; echo mntr | nc host port
#
# Usage: bench/zookeeper.sh [SERVERS]          (default 3)
# Env:   CARGO_TARGET_DIR  cargo's target dir (default: <repo>/target)
#        RUNS              timed runs of each side (default 50)
# Needs: apt-get install zookeeper (and netcat-openbsd for nc; without it the shell side uses
#        bash's /dev/tcp). Builds offline. The last line of output is:
#   ratio: shell loop / fabcheck = <X>x (p50 fabcheck <T1> ms, shell loop <T2> ms)
set -euo pipefail
export LC_ALL=C

SERVERS=${1:-${SERVERS:-3}}
RUNS=${RUNS:-50}

die() { echo "zookeeper.sh: $*" >&2; exit 1; }
for n in "$SERVERS" "$RUNS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive integer, got '$n'"
done
[[ -e /usr/share/java/zookeeper.jar ]] || die "ZooKeeper is not installed: apt-get install -y zookeeper"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FABCHECK=$TARGET_DIR/release/fabcheck
ENSEMBLE=$TARGET_DIR/release/examples/zk-ensemble

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-zk.XXXXXX")
ENSEMBLE_PID=""
cleanup() {
    # Closing the control pipe ends zk-ensemble's input: it stops every server and exits.
    exec 3>&- 2>/dev/null || true
    if [[ -n $ENSEMBLE_PID ]]; then
        for _ in $(seq 50); do kill -0 "$ENSEMBLE_PID" 2>/dev/null || break; sleep 0.2; done
        kill "$ENSEMBLE_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ns() { date +%s%N; }

# percentile FILE P -> nearest-rank P-th percentile of the numbers in FILE (ms, 1 decimal)
percentile() {
    sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
        r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; printf "%.1f", v[r] / 1e6 }'
}

echo "== build (release, offline)"
(cd "$ROOT" && cargo build --offline --release --quiet --bin fabcheck --example zk-ensemble)

echo "== start a ${SERVERS}-server ZooKeeper ensemble on 127.0.0.1"
mkfifo "$WORK/control"
"$ENSEMBLE" "$SERVERS" <"$WORK/control" >"$WORK/endpoints" 2>"$WORK/ensemble.log" &
ENSEMBLE_PID=$!
exec 3>"$WORK/control"
for _ in $(seq 450); do
    [[ -s $WORK/endpoints ]] && break
    kill -0 "$ENSEMBLE_PID" 2>/dev/null || { cat "$WORK/ensemble.log" >&2; die "the ensemble did not start"; }
    sleep 0.2
done
[[ -s $WORK/endpoints ]] || die "the ensemble did not form within 90 s"
ENDPOINTS=$(head -1 "$WORK/endpoints")
IFS=, read -ra EPS <<<"$ENDPOINTS"
echo "endpoints: $ENDPOINTS"

if command -v nc >/dev/null; then
    SHELL_TOOL="nc"
    ask() { echo "$3" | nc "$1" "$2"; }
else
    SHELL_TOOL="bash /dev/tcp"
    ask() {
        local fd
        exec {fd}<>"/dev/tcp/$1/$2"
        printf '%s' "$3" >&"$fd"
        cat <&"$fd"
        exec {fd}>&-
    }
fi
shell_loop() {
    local ep
    for ep in "${EPS[@]}"; do
        ask "${ep%:*}" "${ep##*:}" srvr
        ask "${ep%:*}" "${ep##*:}" mntr
    done
}
# The same four words fabcheck asks, for a like-for-like line (not the ratio).
shell_loop_all() {
    local ep w
    for ep in "${EPS[@]}"; do
        for w in ruok srvr mntr conf; do ask "${ep%:*}" "${ep##*:}" "$w"; done
    done
}
fabcheck_run() {
    "$FABCHECK" check --zookeeper "$ENDPOINTS" --select ZK -o json=/dev/null
}

echo "== warm-up"
status=0
"$FABCHECK" check --zookeeper "$ENDPOINTS" --select ZK -o "json=$WORK/report.json" || status=$?
((status <= 1)) || die "fabcheck failed with exit code $status"
summary=$(grep -o '"summary": *{[^}]*}' "$WORK/report.json" | sed 's/^"summary": *//')
echo "fabcheck exit code $status, findings $summary"
lines=$(shell_loop | wc -l)
((lines > 0)) || die "the shell loop got no answers"
echo "shell loop ($SHELL_TOOL): $lines lines of srvr+mntr answers"

echo "== (a) fabcheck check --zookeeper ... --select ZK -o json=/dev/null, $RUNS runs"
for _ in $(seq "$RUNS"); do
    t0=$(now_ns); fabcheck_run || true; t1=$(now_ns)
    echo $((t1 - t0)) >>"$WORK/fabcheck.ns"
done
echo "== (b) shell loop: for ep: echo srvr | $SHELL_TOOL; echo mntr | $SHELL_TOOL, $RUNS runs"
for _ in $(seq "$RUNS"); do
    t0=$(now_ns); shell_loop >/dev/null; t1=$(now_ns)
    echo $((t1 - t0)) >>"$WORK/shell.ns"
done
echo "== (c) shell loop asking all four words (ruok, srvr, mntr, conf), $RUNS runs"
for _ in $(seq "$RUNS"); do
    t0=$(now_ns); shell_loop_all >/dev/null; t1=$(now_ns)
    echo $((t1 - t0)) >>"$WORK/shell-all.ns"
done

f50=$(percentile "$WORK/fabcheck.ns" 50); f90=$(percentile "$WORK/fabcheck.ns" 90)
s50=$(percentile "$WORK/shell.ns" 50); s90=$(percentile "$WORK/shell.ns" 90)
printf '%-44s p50 %8s ms   p90 %8s ms\n' "fabcheck (ruok+srvr+mntr+conf, ${#EPS[@]} servers)" "$f50" "$f90"
printf '%-44s p50 %8s ms   p90 %8s ms\n' "shell loop (srvr+mntr, ${#EPS[@]} servers)" "$s50" "$s90"
printf '%-44s p50 %8s ms   p90 %8s ms\n' "shell loop (all four words, ${#EPS[@]} servers)" \
    "$(percentile "$WORK/shell-all.ns" 50)" "$(percentile "$WORK/shell-all.ns" 90)"
ratio=$(awk -v a="$s50" -v b="$f50" 'BEGIN { printf "%.2f", a / b }')
echo "ratio: shell loop / fabcheck = ${ratio}x (p50 fabcheck $f50 ms, shell loop $s50 ms)"
