#!/usr/bin/env bash
# Report rendering benchmark: `fabcheck report REPORT.json` writing every format at once (table,
# JSON, JUnit, HTML, SARIF, Markdown, Prometheus) for the 50-org network discovery.sh deploys,
# versus the jq one-liner a CI pipeline would otherwise use to turn the JSON report into a
# Markdown step summary (one format, failures only), in the same run.
#
# Usage: bench/render.sh [ORGS]     (default 50)   Env: RUNS (default 5), CARGO_TARGET_DIR
# The network is `fabcheck render`'s (the manifests, PKI and configtx.yaml `deploy` applies),
# checked as artifacts to make the report; the timed runs read that report and render it.
# The last line is:
#   ratio: jq / fabcheck = <X>x (fabcheck <T1> s for 7 formats, jq <T2> s for 1, <N> findings)
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ORGS=${1:-50}
RUNS=${RUNS:-5}
[[ $ORGS =~ ^[1-9][0-9]*$ ]] || { echo "render.sh: ORGS must be a positive integer" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "render.sh: RUNS must be a positive integer" >&2; exit 2; }
command -v jq >/dev/null || { echo "render.sh: jq is not installed (apt-get install jq)" >&2; exit 2; }

cd "$ROOT"
cargo build --release --quiet --locked --bin fabcheck
FABCHECK=${CARGO_TARGET_DIR:-$ROOT/target}/release/fabcheck
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-render.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
best() { sort -g | head -n1; }

printf 'name: bench\norgs: %s\n' "$ORGS" >"$WORK/spec.yaml"
"$FABCHECK" render --spec "$WORK/spec.yaml" --out "$WORK/net" >/dev/null
"$FABCHECK" check --artifacts "$WORK/net" -o "json=$WORK/report.json" >/dev/null || true
findings=$(jq '.findings | length' "$WORK/report.json")
echo "$ORGS orgs: $findings findings, $(jq '.certificates | length' "$WORK/report.json") certificates," \
    "$(jq '.topology.nodes | length' "$WORK/report.json") nodes, $(stat -c %s "$WORK/report.json") bytes of JSON"

out=$WORK/out
mkdir -p "$out"
fab=() jqs=()
for _ in $(seq "$RUNS"); do
    t0=$(now)
    "$FABCHECK" report "$WORK/report.json" -o "table=$out/report.txt" -o "json=$out/report.json" \
        -o "junit=$out/report.xml" -o "html=$out/report.html" -o "sarif=$out/report.sarif" \
        -o "markdown=$out/report.md" -o "prometheus=$out/report.prom" >/dev/null || true
    t1=$(now)
    fab+=("$(echo "$t1 - $t0" | bc)")

    t0=$(now)
    jq -r '"# fabcheck: \(.summary.failed) failed, \(.summary.errors) errors\n\n| check | status | target | message |\n|---|---|---|---|",
        (.findings[] | select(.status != "pass" and .status != "skip")
         | "| \(.check_id) | \(.status) | \(.target.name) | \(.message | gsub("\\|"; "\\\\|") | gsub("\n"; " ")) |")' \
        "$WORK/report.json" >"$out/jq.md"
    t1=$(now)
    jqs+=("$(echo "$t1 - $t0" | bc)")
done
ls -l "$out" | awk 'NR > 1 { printf "  %-12s %10d bytes\n", $9, $5 }'
F=$(printf '%s\n' "${fab[@]}" | best)
J=$(printf '%s\n' "${jqs[@]}" | best)
echo "fabcheck report (read the JSON, write 7 formats) best of $RUNS: $F s (runs: ${fab[*]})"
echo "jq (read the JSON, write a Markdown table of failures) best of $RUNS: $J s (runs: ${jqs[*]})"
printf 'ratio: jq / fabcheck = %sx (fabcheck %.3f s for 7 formats, jq %.3f s for 1, %s findings)\n' \
    "$(echo "scale=2; $J / $F" | bc)" "$F" "$J" "$findings"
