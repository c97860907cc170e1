#!/usr/bin/env bash
# Chaincode DNS benchmark: `fabcheck check --select DNS-008 --dns-server 127.0.0.1:PORT` on a
# generated 1,000-peer Kubernetes network (examples/gen-dns-bench.rs: 2,000 names, 10,000 A
# queries with the Docker daemon's search list, ndots, timeout and attempts) against a local
# dnsmasq, versus the loop an operator would write with glibc's own resolver and the same
# settings:
#   for name: getent ahostsv4 "$name"
# run inside a private network and mount namespace (`unshare --net --mount`), where a second
# dnsmasq with the same zone listens on 127.0.0.1:53 and the generated resolv.conf is
# bind-mounted over /etc/resolv.conf (glibc asks nothing but port 53 of /etc/resolv.conf).
#
# Usage: bench/dns.sh [ORGS [PEERS]]           (default 100 orgs x 10 peers)
# Env:   CARGO_TARGET_DIR  cargo's target dir (default: <repo>/target)
#        RUNS              timed fabcheck runs, best taken (default 5)
#        LOOP_BUDGET       seconds the full getent loop may take before it is sampled (60)
#        LOOP_SAMPLE       peers in the sampled loop (default 100)
#        ORGS_PER_FILE     orgs per generated manifest file (default 10: 10 files of 200 documents)
# Needs: root (unshare, mount, ip), dnsmasq (dnsmasq-base), getent (libc-bin), iproute2,
#        python3. Builds offline. The last line of output is:
#   ratio: getent loop / fabcheck = <X>x (fabcheck <T1> s, getent loop <T2> s, <Q> queries)
set -euo pipefail
export LC_ALL=C

ORGS=${1:-${ORGS:-100}}
PEERS=${2:-${PEERS:-10}}
RUNS=${RUNS:-5}
LOOP_BUDGET=${LOOP_BUDGET:-60}
LOOP_SAMPLE=${LOOP_SAMPLE:-100}
ORGS_PER_FILE=${ORGS_PER_FILE:-10}

die() { echo "dns.sh: $*" >&2; exit 1; }
for n in "$ORGS" "$PEERS" "$RUNS" "$LOOP_BUDGET" "$LOOP_SAMPLE" "$ORGS_PER_FILE"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive integer, got '$n'"
done
DNSMASQ=""
for d in /usr/sbin/dnsmasq /usr/bin/dnsmasq; do [[ -x $d ]] && DNSMASQ=$d && break; done
[[ -n $DNSMASQ ]] || die "dnsmasq is not installed: apt-get install -y dnsmasq-base"
for tool in getent unshare setsid ip mount python3; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
(($(id -u) == 0)) || die "needs root: the getent loop runs in its own network and mount namespace"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FABCHECK=$TARGET_DIR/release/fabcheck
GEN=$TARGET_DIR/release/examples/gen-dns-bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-dns.XXXXXX")
NET=$WORK/net
DNSMASQ_PID=""
NS_PID=""
cleanup() {
    local pid
    [[ -n $DNSMASQ_PID ]] && kill "$DNSMASQ_PID" 2>/dev/null || true
    # The namespace side runs in its own process group (setsid): its runner, the loop's
    # subshells, getent and its dnsmasq (another network namespace, same PID space).
    [[ -n $NS_PID ]] && kill -- -"$NS_PID" 2>/dev/null || true
    if [[ -s $WORK/ns-dnsmasq.pid ]]; then
        pid=$(cat "$WORK/ns-dnsmasq.pid")
        kill "$pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

# The dnsmasq flags both servers get: only the generated zone, NXDOMAIN for every other name
# (`--local=/#/`: no upstream, nothing forwarded), no query log (it would cost the server more
# than the lookups). As root dnsmasq would switch to `nobody`, which cannot write the log here.
dnsmasq_args() { # PORT LOG
    echo --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
        --bind-interfaces --listen-address=127.0.0.1 "--port=$1" "--log-facility=$2" \
        --user=root "--addn-hosts=$NET/zone.hosts" --local=/#/
}

echo "== build (release, offline)"
(cd "$ROOT" && cargo build --offline --release --quiet --bin fabcheck --example gen-dns-bench)

echo "== generate ${ORGS} orgs x ${PEERS} peers, ${ORGS_PER_FILE} orgs per manifest file"
"$GEN" "$NET" "$ORGS" "$PEERS" "$ORGS_PER_FILE"
expect() { awk -v k="$1" '$1 == k { print $2 }' "$NET/expected.txt"; }
E_PEERS=$(expect peers); E_NAMES=$(expect names); E_QUERIES=$(expect queries)
E_RESOLVED=$(expect resolved)
echo "resolver: $(grep -v '^#' "$NET/resolv.conf" | grep -v nameserver | tr '\n' ';' | sed 's/;$//')"

# --- shared helpers, also used inside the namespace (exported through the inner script) ---
cat >"$WORK/lib.sh" <<'EOF'
# stats LOG PID -> dnsmasq's "queries answered locally" counter (SIGUSR1 writes it to the log)
stats() {
    local log=$1 pid=$2 before after
    before=$(grep -c 'queries answered locally' "$log" || true)
    kill -USR1 "$pid"
    for _ in $(seq 100); do
        after=$(grep -c 'queries answered locally' "$log" || true)
        ((after > before)) && break
        sleep 0.02
    done
    grep 'queries answered locally' "$log" | tail -1 | sed 's/.*queries answered locally //'
}
EOF
# shellcheck source=/dev/null
source "$WORK/lib.sh"

echo "== start dnsmasq on 127.0.0.1 (for fabcheck)"
PORT=""
for _ in 1 2 3 4 5; do
    PORT=$(python3 -c '
import socket
for _ in range(50):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
')
    # shellcheck disable=SC2046
    "$DNSMASQ" $(dnsmasq_args "$PORT" "$WORK/dnsmasq.log") >"$WORK/dnsmasq.out" 2>&1 &
    DNSMASQ_PID=$!
    for _ in $(seq 100); do
        kill -0 "$DNSMASQ_PID" 2>/dev/null || break
        grep -q "read $NET/zone.hosts" "$WORK/dnsmasq.log" 2>/dev/null && break
        sleep 0.05
    done
    kill -0 "$DNSMASQ_PID" 2>/dev/null && break
    DNSMASQ_PID=""
    grep -q 'Address already in use' "$WORK/dnsmasq.out" || { cat "$WORK/dnsmasq.out" >&2; die "dnsmasq did not start"; }
done
[[ -n $DNSMASQ_PID ]] || die "no free port for dnsmasq"
grep -m1 "read $NET/zone.hosts" "$WORK/dnsmasq.log" | sed 's/^.*: /dnsmasq: /'
SERVER=127.0.0.1:$PORT

fabcheck_run() {
    "$FABCHECK" check --artifacts "$NET/artifacts" --select DNS-008 --dns-server "$SERVER" "$@"
}

echo "== warm-up: fabcheck with a JSON report"
q0=$(stats "$WORK/dnsmasq.log" "$DNSMASQ_PID")
status=0
fabcheck_run -o "json=$WORK/report.json" 2>"$WORK/fabcheck.err" || status=$?
q1=$(stats "$WORK/dnsmasq.log" "$DNSMASQ_PID")
((status <= 1)) || { cat "$WORK/fabcheck.err" >&2; die "fabcheck failed with exit code $status"; }
read -r F_NAMES F_RESOLVED F_UNRESOLVED F_QUERIES F_OTHER < <(python3 - "$WORK/report.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
names = resolved = unresolved = queries = other = 0
for f in report["findings"]:
    if f["check_id"] != "DNS-008":
        continue
    ev = f.get("evidence") or {}
    if "queries_sent" not in ev:
        other += 1
        continue
    names += 1
    queries += ev["queries_sent"]
    if f["status"] == "pass":
        resolved += 1
    else:
        unresolved += 1
print(names, resolved, unresolved, queries, other)
EOF
)
F_SERVER=$((q1 - q0))
summary=$(grep -o '"summary": *{[^}]*}' "$WORK/report.json" | sed 's/^"summary": *//')
echo "fabcheck exit code $status, findings $summary"
echo "fabcheck: $F_NAMES names, $F_RESOLVED resolved, $F_UNRESOLVED not; $F_QUERIES queries by" \
    "its report, $F_SERVER answered by dnsmasq (expected $E_NAMES names, $E_RESOLVED resolved," \
    "$E_QUERIES queries)"
((F_OTHER == 0)) || die "fabcheck reported $F_OTHER DNS-008 findings without lookups (see $WORK/report.json)"
((F_NAMES == E_NAMES && F_RESOLVED == E_RESOLVED && F_QUERIES == E_QUERIES)) \
    || die "fabcheck did not resolve what the generator expects"
((F_SERVER == E_QUERIES)) || echo "NOTE: dnsmasq counted $F_SERVER queries, not $E_QUERIES"

echo "== (a) fabcheck check --artifacts NET --select DNS-008 --dns-server $SERVER -o json=/dev/null, best of $RUNS"
best=""
all=()
for i in $(seq "$RUNS"); do
    t0=$(now_ns); fabcheck_run -o json=/dev/null 2>/dev/null || true; t1=$(now_ns)
    d=$((t1 - t0))
    all+=("$(secs "$d")")
    echo "run $i: $(secs "$d") s"
    if [[ -z $best ]] || ((d < best)); then best=$d; fi
done
fab_s=$(secs "$best")

# Where fabcheck's time goes, not the ratio: the same command without --dns-server reads and
# parses the manifests and builds every resolver context, but looks nothing up.
echo "== (a') the same without --dns-server (no lookups), best of $RUNS"
static_best=""
for _ in $(seq "$RUNS"); do
    t0=$(now_ns)
    "$FABCHECK" check --artifacts "$NET/artifacts" --select DNS-008 -o json=/dev/null 2>/dev/null || true
    t1=$(now_ns)
    d=$((t1 - t0))
    if [[ -z $static_best ]] || ((d < static_best)); then static_best=$d; fi
done
echo "no lookups: $(secs "$static_best") s; so the lookups cost about $(secs $((best - static_best))) s of the best run"
kill "$DNSMASQ_PID" 2>/dev/null || true
wait "$DNSMASQ_PID" 2>/dev/null || true
DNSMASQ_PID=""

echo "== (b) getent ahostsv4 loop, glibc in its own network namespace (dnsmasq on 127.0.0.1:53)"
# Runs inside `setsid unshare --net --mount`: nothing it binds or mounts is seen outside, the
# namespace (with its dnsmasq) is gone when the runner and dnsmasq exit, and one signal to the
# process group stops all of it.
cat >"$WORK/ns.sh" <<'EOF'
set -euo pipefail
export LC_ALL=C
WORK=$1 NET=$2 DNSMASQ=$3 BUDGET=$4 SAMPLE=$5
source "$WORK/lib.sh"
now_ns() { date +%s%N; }
# getaddrinfo(AF_INET, AI_ADDRCONFIG), which `getent ahostsv4` asks for, returns "not found"
# without sending a query when the host has no IPv4 address but 127.0.0.1: give lo one more.
ip link set lo up
ip addr add 10.255.0.1/32 dev lo
mount --bind "$NET/resolv.conf" /etc/resolv.conf
"$DNSMASQ" $ARGS >"$WORK/ns-dnsmasq.out" 2>&1 &
pid=$!
echo "$pid" >"$WORK/ns-dnsmasq.pid"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do
    getent ahostsv4 kube-dns.kube-system.svc.cluster.local >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/ns-dnsmasq.out" >&2; exit 1; }
    sleep 0.05
done
getent ahostsv4 kube-dns.kube-system.svc.cluster.local >/dev/null || { echo "dnsmasq does not answer on 127.0.0.1:53" >&2; exit 1; }
mapfile -t NAMES <"$NET/names.txt"
peers=$((${#NAMES[@]} / 2))
# One peer is two consecutive names (its chaincode address, then <svc>.<namespace>).
loop() { # STEP [LIMIT] -> "peers resolved unresolved errors"
    local step=$1 limit=${2:-$peers} p n r=0 u=0 e=0 c=0 rc
    for ((p = 0; p < limit; p += step)); do
        for n in "${NAMES[@]:2*p:2}"; do
            rc=0; getent ahostsv4 "$n" >/dev/null || rc=$?
            case $rc in 0) r=$((r + 1)) ;; 2) u=$((u + 1)) ;; *) e=$((e + 1)) ;; esac
        done
        c=$((c + 1))
    done
    echo "$c $r $u $e"
}
# Calibrate on 10 peers; sample when the full loop would blow the budget.
t0=$(now_ns); loop 1 10 >/dev/null; t1=$(now_ns)
estimate=$(((t1 - t0) * peers / 10))
step=1
if ((estimate > BUDGET * 1000000000)) && ((peers > SAMPLE)); then
    step=$(((peers + SAMPLE - 1) / SAMPLE))
fi
q0=$(stats "$WORK/ns-dnsmasq.log" "$pid")
t0=$(now_ns); read -r picked res unres errs < <(loop "$step"); t1=$(now_ns)
q1=$(stats "$WORK/ns-dnsmasq.log" "$pid")
echo "loop_ns=$((t1 - t0)) estimate_ns=$estimate step=$step picked=$picked resolved=$res unresolved=$unres errors=$errs queries=$((q1 - q0))"
# Like for like, not the ratio: one getent process for every name (glibc's resolver alone,
# without a process start per name).
t0=$(now_ns)
one=$(getent ahostsv4 "${NAMES[@]}" | grep -c ' STREAM ' || true)
t1=$(now_ns)
q2=$(stats "$WORK/ns-dnsmasq.log" "$pid")
echo "one_ns=$((t1 - t0)) one_resolved=$one one_queries=$((q2 - q1))"
EOF
ARGS=$(dnsmasq_args 53 "$WORK/ns-dnsmasq.log")
ARGS=$ARGS setsid unshare --net --mount bash "$WORK/ns.sh" "$WORK" "$NET" "$DNSMASQ" "$LOOP_BUDGET" "$LOOP_SAMPLE" \
    >"$WORK/ns.out" 2>"$WORK/ns.err" &
NS_PID=$!
status=0
wait "$NS_PID" || status=$?
NS_PID=""
rm -f "$WORK/ns-dnsmasq.pid" # stopped by the runner; its PID may be reused from here on
((status == 0)) || { cat "$WORK/ns.err" >&2; die "the namespace side failed (exit code $status)"; }
# shellcheck disable=SC2046
declare $(cat "$WORK/ns.out")
# shellcheck disable=SC2154
{
    if ((step > 1)); then
        scaled_ns=$((loop_ns * E_PEERS / picked))
        echo "SAMPLED: the full loop was estimated at $(secs "$estimate_ns") s (over ${LOOP_BUDGET} s);" \
            "ran every ${step}th peer, $picked peers ($((2 * picked)) names) in $(secs "$loop_ns") s," \
            "scaled to $E_PEERS peers: $(secs "$scaled_ns") s"
    else
        scaled_ns=$loop_ns
        echo "full loop: $((2 * picked)) names in $(secs "$loop_ns") s"
    fi
    echo "getent loop: $resolved resolved, $unresolved not, $errors errors; $queries queries answered by dnsmasq"
    ((errors == 0)) || die "getent failed other than 'not found' for $errors names"
    ((resolved == picked && unresolved == picked)) \
        || die "the loop resolved $resolved of $((2 * picked)) names, expected $picked (one per peer)"
    expected_q=$((E_QUERIES * picked / E_PEERS))
    ((queries == expected_q)) || echo "NOTE: dnsmasq counted $queries queries for the loop, expected $expected_q"
    echo "one getent process for all $E_NAMES names: $(secs "$one_ns") s, $one_resolved resolved," \
        "$one_queries queries answered by dnsmasq"
}
loop_s=$(secs "$scaled_ns")

printf '%-52s %9s s  (runs: %s)\n' "fabcheck (best of $RUNS, $F_NAMES names, $F_QUERIES queries)" "$fab_s" "${all[*]}"
printf '%-52s %9s s\n' "getent loop ($E_NAMES names, $E_QUERIES queries)" "$loop_s"
printf '%-52s %9s s\n' "fabcheck without --dns-server (not the ratio)" "$(secs "$static_best")"
printf '%-52s %9s s\n' "one getent process, every name (not the ratio)" "$(secs "$one_ns")"
ratio=$(awk -v a="$scaled_ns" -v b="$best" 'BEGIN { printf "%.1f", a / b }')
echo "ratio: getent loop / fabcheck = ${ratio}x (fabcheck $fab_s s, getent loop $loop_s s, $E_QUERIES queries)"
