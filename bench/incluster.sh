#!/usr/bin/env bash
# In-cluster probe benchmark: on the real single-node Kubernetes (`scripts/local-cluster
# --real-node`) with the reference network deployed, the wall time of
#   fabcheck check --probe in-cluster        (from creating the probe Job and node DNS
#                                             DaemonSet to the merged report: TLS, health,
#                                             heights, ZooKeeper, Kafka, chaincode DNS)
# versus what an operator would run by hand for a part of it: one pod in the cluster that
# resolves each peer's and orderer's name and makes a TLS handshake with it,
#   kubectl run --rm -i --restart=Never … -- sh -c 'for ep: getent hosts; openssl s_client'
# timed from `kubectl run` to its end.
#
# Usage: bench/incluster.sh          (needs root and what scripts/test installs)
# Env:   RUNS  timed runs of each side, best taken (default 5)
# The last line of output is:
#   ratio: kubectl run + openssl loop / fabcheck = <X>x (fabcheck <T1> s, loop <T2> s, ...)
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ${1:-} != --inner ]]; then
    cd "$ROOT"
    exec scripts/local-cluster --real-node bash "$ROOT/bench/incluster.sh" --inner
fi

RUNS=${RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "incluster.sh: RUNS must be a positive integer" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-incluster.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

echo "deploying the reference network (not timed)..."
fabcheck deploy --timeout 10m --progress lines 2>&1 | tail -n 2

# The peers' and orderers' names as the network's clients use them, from the deployed Services.
mapfile -t ENDPOINTS < <(kubectl get services -A -o \
    jsonpath='{range .items[*]}{.metadata.name}.{.metadata.namespace} {.spec.ports[0].port}{"\n"}{end}' |
    awk '$1 ~ /^(peer|orderer)[0-9]+\./ { print $1 ":" $2 }' | sort)
echo "endpoints: ${#ENDPOINTS[@]} (${ENDPOINTS[*]})"
((${#ENDPOINTS[@]} > 0)) || { echo "incluster.sh: no peer or orderer Service" >&2; exit 1; }
TOOLS_IMAGE=$(kubectl get job fabcheck-channel -n org1 -o jsonpath='{.spec.template.spec.containers[0].image}')

best=""
for run in $(seq 0 "$RUNS"); do
    start=$(now_ns)
    code=0
    fabcheck check --cluster --probe in-cluster --timeout 60s -o "json=$WORK/report.json" >/dev/null 2>"$WORK/check.err" || code=$?
    took=$(($(now_ns) - start))
    if ((run == 0)); then
        echo "fabcheck warm-up: exit $code, $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s)' "$WORK/report.json" 2>/dev/null || echo '?')"
        continue
    fi
    ((code <= 1)) || { cat "$WORK/check.err" >&2; exit 1; }
    echo "fabcheck run $run: $(secs "$took") s"
    [[ -z $best || $took -lt $best ]] && best=$took
done
fabcheck_ns=$best

script='for ep in '"${ENDPOINTS[*]}"'; do
  host=${ep%:*}
  getent hosts "$host" >/dev/null || echo "unresolved $host"
  openssl s_client -connect "$ep" -servername "$host" -alpn h2 </dev/null >/dev/null 2>&1 || echo "no handshake $ep"
done'
best=""
for run in $(seq 0 "$RUNS"); do
    start=$(now_ns)
    out=$(kubectl run "bench-openssl-$run" -n org1 --rm -i --restart=Never --quiet \
        --image="$TOOLS_IMAGE" --image-pull-policy=IfNotPresent --command -- sh -c "$script" 2>&1) || {
        echo "$out" >&2
        exit 1
    }
    took=$(($(now_ns) - start))
    if ((run == 0)); then
        echo "loop warm-up: ${out:-every name resolved and every handshake completed}"
        continue
    fi
    echo "loop run $run: $(secs "$took") s"
    [[ -z $best || $took -lt $best ]] && best=$took
done
loop_ns=$best

awk -v a="$loop_ns" -v b="$fabcheck_ns" -v n="${#ENDPOINTS[@]}" 'BEGIN {
    printf "ratio: kubectl run + openssl loop / fabcheck = %.2fx (fabcheck %.3f s, loop %.3f s, %d endpoints; best of runs)\n", a / b, b / 1e9, a / 1e9, n
}'
