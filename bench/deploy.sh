#!/usr/bin/env bash
# Deploy benchmark: applying the reference network and a 20-org network with `fabcheck deploy
# --no-wait` versus `kubectl apply --server-side -R -f` of the same rendered manifests, against
# the same local API server (scripts/local-cluster: etcd + kube-apiserver +
# kube-controller-manager v1.20.2), in one run. kubectl is v1.20.2 built from the same Debian
# source package as Debian's kubernetes-client.
#
# Usage: bench/deploy.sh            Env: RUNS (default 3), CARGO_TARGET_DIR
# Each run applies into an empty cluster (the previous network is torn down, untimed).
# fabcheck's time includes generating and checking the PKI; kubectl's does not (it applies
# manifests rendered beforehand). The last line of output is:
#   ratio (20 orgs): kubectl / fabcheck = <X>x (fabcheck <T1> s, kubectl <T2> s)
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ -z ${FABCHECK_BENCH_INNER:-} ]]; then
    cd "$ROOT"
    bin=$(scripts/kube-control-plane | tail -n1)
    cargo build --release --quiet --locked --bin fabcheck --example local-cluster
    TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
    export FABCHECK_KUBE_BIN=$bin FABCHECK_BENCH_INNER=1 FABCHECK=$TARGET_DIR/release/fabcheck
    export KUBECTL=$bin/kubectl
    exec "$TARGET_DIR/release/examples/local-cluster" --no-kubelet -- "${BASH_SOURCE[0]}"
fi

RUNS=${RUNS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-deploy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
best() { sort -g | head -n1; }

printf 'name: reference\n' >"$WORK/reference.yaml"
printf 'name: twenty\norgs: 20\n' >"$WORK/twenty.yaml"

declare -A FAB KUB
for spec in reference twenty; do
    "$FABCHECK" render --spec "$WORK/$spec.yaml" --out "$WORK/$spec" >/dev/null
    objects=$(grep -h -c '^kind:' -r "$WORK/$spec/manifests" | paste -sd+ | bc)
    fab_times=() kub_times=()
    for _ in $(seq "$RUNS"); do
        t0=$(now)
        "$FABCHECK" deploy --spec "$WORK/$spec.yaml" --no-wait --progress quiet >/dev/null
        t1=$(now)
        fab_times+=("$(echo "$t1 - $t0" | bc)")
        "$FABCHECK" teardown --spec "$WORK/$spec.yaml" >/dev/null

        t0=$(now)
        "$KUBECTL" apply --server-side --field-manager=kubectl-bench -R -f "$WORK/$spec/manifests" >/dev/null
        t1=$(now)
        kub_times+=("$(echo "$t1 - $t0" | bc)")
        "$FABCHECK" teardown --spec "$WORK/$spec.yaml" >/dev/null
    done
    FAB[$spec]=$(printf '%s\n' "${fab_times[@]}" | best)
    KUB[$spec]=$(printf '%s\n' "${kub_times[@]}" | best)
    echo "$spec: $objects objects; fabcheck deploy --no-wait best of $RUNS: ${FAB[$spec]} s (runs: ${fab_times[*]}); kubectl apply --server-side best of $RUNS: ${KUB[$spec]} s (runs: ${kub_times[*]})"
    echo "ratio ($spec): kubectl / fabcheck = $(echo "scale=2; ${KUB[$spec]} / ${FAB[$spec]}" | bc)x"
done
printf 'ratio (20 orgs): kubectl / fabcheck = %sx (fabcheck %.3f s, kubectl %.3f s)\n' \
    "$(echo "scale=2; ${KUB[twenty]} / ${FAB[twenty]}" | bc)" "${FAB[twenty]}" "${KUB[twenty]}"
