#!/usr/bin/env bash
# Live-cluster discovery benchmark: `fabcheck check --cluster` (discovery, one paged list per
# kind, plus the whole static suite) versus `kubectl get all,secrets,configmaps -A -o yaml` (the
# listing alone, no checks), against the same local API server (scripts/local-cluster: etcd +
# kube-apiserver + kube-controller-manager v1.20.2) holding a 50-org network, in one run.
#
# Usage: bench/discovery.sh [ORGS]     (default 50)   Env: RUNS (default 5), CARGO_TARGET_DIR
# The network is applied with `fabcheck deploy --no-wait` (the controllers make its Pods).
# Prints both times and fabcheck's API request count; the last line is:
#   ratio: kubectl / fabcheck = <X>x (fabcheck <T1> s with <N> requests, kubectl <T2> s)
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ORGS=${1:-50}
[[ $ORGS =~ ^[1-9][0-9]*$ ]] || { echo "discovery.sh: ORGS must be a positive integer" >&2; exit 2; }

if [[ -z ${FABCHECK_BENCH_INNER:-} ]]; then
    cd "$ROOT"
    bin=$(scripts/kube-control-plane | tail -n1)
    cargo build --release --quiet --locked --bin fabcheck --example local-cluster
    TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
    export FABCHECK_KUBE_BIN=$bin FABCHECK_BENCH_INNER=1 FABCHECK=$TARGET_DIR/release/fabcheck
    export KUBECTL=$bin/kubectl ORGS
    exec "$TARGET_DIR/release/examples/local-cluster" --no-kubelet -- "${BASH_SOURCE[0]}" "$ORGS"
fi

RUNS=${RUNS:-5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-discovery.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
best() { sort -g | head -n1; }

printf 'name: bench\norgs: %s\n' "$ORGS" >"$WORK/spec.yaml"
"$FABCHECK" deploy --spec "$WORK/spec.yaml" --no-wait --progress quiet >/dev/null
sleep 5 # let the controllers create the Pods
objects=$("$KUBECTL" get all,secrets,configmaps -A -o name | wc -l)

fab=() kub=() requests=0
for _ in $(seq "$RUNS"); do
    t0=$(now)
    "$FABCHECK" check --cluster -o "json=$WORK/report.json" >/dev/null || true
    t1=$(now)
    fab+=("$(echo "$t1 - $t0" | bc)")
    requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["discovery"]["requests"])' "$WORK/report.json")

    t0=$(now)
    "$KUBECTL" get all,secrets,configmaps -A -o yaml >"$WORK/kubectl.yaml"
    t1=$(now)
    kub+=("$(echo "$t1 - $t0" | bc)")
done
F=$(printf '%s\n' "${fab[@]}" | best)
K=$(printf '%s\n' "${kub[@]}" | best)
echo "$ORGS orgs, $objects objects (kubectl get all,secrets,configmaps -A -o name)"
echo "fabcheck check --cluster (discovery + static suite) best of $RUNS: $F s (runs: ${fab[*]}), $requests API requests"
echo "kubectl get all,secrets,configmaps -A -o yaml (listing only) best of $RUNS: $K s (runs: ${kub[*]})"
printf 'ratio: kubectl / fabcheck = %sx (fabcheck %.3f s with %s requests, kubectl %.3f s)\n' \
    "$(echo "scale=2; $K / $F" | bc)" "$F" "$requests" "$K"
