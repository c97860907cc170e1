#!/usr/bin/env bash
# TLS + gRPC probe benchmark: `fabcheck check --endpoints FILE --select TLS` against N healthy
# TLS endpoints (each its own listener on 127.0.0.1, one shared certificate and CA, ALPN h2,
# answering gRPC), run by `examples/tls-fleet.rs` in a separate process, versus the loop an
# operator would write:
#   for ep: openssl s_client -connect 127.0.0.1:PORT -servername NAME -CAfile CA </dev/null
#
# Usage: bench/tls.sh [N]                      (default 1000 endpoints)
# Env:   CARGO_TARGET_DIR  cargo's target dir (default: <repo>/target)
#        RUNS              timed fabcheck runs, best taken (default 3)
#        OPENSSL_BUDGET    seconds the full openssl loop may take before it is sampled (60)
#        OPENSSL_SAMPLE    endpoints in the sampled loop (default 100)
# Needs: openssl. Builds offline. The last line of output is:
#   ratio: openssl loop / fabcheck = <X>x (fabcheck <T1> s, openssl <T2> s, <N> endpoints)
set -euo pipefail
export LC_ALL=C

N=${1:-${N:-1000}}
RUNS=${RUNS:-3}
OPENSSL_BUDGET=${OPENSSL_BUDGET:-60}
OPENSSL_SAMPLE=${OPENSSL_SAMPLE:-100}

die() { echo "tls.sh: $*" >&2; exit 1; }
for n in "$N" "$RUNS" "$OPENSSL_BUDGET" "$OPENSSL_SAMPLE"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive integer, got '$n'"
done
command -v openssl >/dev/null || die "openssl is not installed: apt-get install -y openssl"

# Every endpoint is a listening socket in the fleet, plus one accepted connection per probe in
# flight on each side; leave room for both processes.
want_fds=$((2 * N + 512))
if (($(ulimit -n) < want_fds)); then
    hard=$(ulimit -Hn)
    if [[ $hard == unlimited ]] || ((hard >= want_fds)); then
        ulimit -n "$want_fds"
    else
        ulimit -n "$hard"
        (($(ulimit -n) >= want_fds)) || die "need $want_fds open files, the hard limit is $hard"
    fi
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FABCHECK=$TARGET_DIR/release/fabcheck
FLEET=$TARGET_DIR/release/examples/tls-fleet

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench-tls.XXXXXX")
FLEET_PID=""
cleanup() {
    # Closing the control pipe ends tls-fleet's input: it stops every listener and exits.
    exec 3>&- 2>/dev/null || true
    if [[ -n $FLEET_PID ]]; then
        for _ in $(seq 50); do kill -0 "$FLEET_PID" 2>/dev/null || break; sleep 0.1; done
        kill "$FLEET_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

echo "== build (release, offline)"
(cd "$ROOT" && cargo build --offline --release --quiet --bin fabcheck --example tls-fleet)

echo "== start $N TLS endpoints on 127.0.0.1 (examples/tls-fleet, separate process)"
mkfifo "$WORK/control"
"$FLEET" "$WORK/fleet" "$N" <"$WORK/control" >"$WORK/fleet.out" 2>"$WORK/fleet.log" &
FLEET_PID=$!
exec 3>"$WORK/control"
for _ in $(seq 300); do
    grep -q '^ready' "$WORK/fleet.out" 2>/dev/null && break
    kill -0 "$FLEET_PID" 2>/dev/null || { cat "$WORK/fleet.log" >&2; die "tls-fleet did not start"; }
    sleep 0.1
done
grep -q '^ready' "$WORK/fleet.out" || die "tls-fleet was not ready within 30 s"
ENDPOINTS=$WORK/fleet/endpoints.yaml
CA=$WORK/fleet/tlsca.pem
mapfile -t LINES <"$WORK/fleet/endpoints.txt"
((${#LINES[@]} == N)) || die "tls-fleet listed ${#LINES[@]} endpoints, expected $N"
echo "$(head -1 "$WORK/fleet.out"), CA $CA"

fabcheck_run() {
    "$FABCHECK" check --endpoints "$ENDPOINTS" -o json=/dev/null --select TLS
}
s_client() {
    openssl s_client -connect "$1" -servername "$2" -CAfile "$CA" </dev/null
}

echo "== warm-up"
status=0
"$FABCHECK" check --endpoints "$ENDPOINTS" --select TLS -o "json=$WORK/report.json" \
    2>"$WORK/fabcheck.err" || status=$?
((status <= 1)) || { cat "$WORK/fabcheck.err" >&2; die "fabcheck failed with exit code $status"; }
summary=$(grep -o '"summary": *{[^}]*}' "$WORK/report.json" | sed 's/^"summary": *//')
echo "fabcheck exit code $status, findings $summary"
read -r addr name <<<"${LINES[0]}"
verify=$(s_client "$addr" "$name" 2>&1 | grep -m1 'Verify return code' || true)
echo "openssl s_client on ${LINES[0]}: ${verify:-no verify result}"
[[ $verify == *"0 (ok)"* ]] || die "openssl could not verify the fleet's certificate"

# Loopback TIME_WAIT sockets (60 s each), such as a previous run's openssl loop leaves by the
# thousand, make every new connect() search longer for a free port and slow fabcheck by a
# quarter; let them expire first.
if command -v ss >/dev/null; then
    for _ in $(seq 70); do
        tw=$(ss -Htan state time-wait | wc -l)
        ((tw < 100)) && break
        [[ -n ${said_tw:-} ]] || { echo "waiting for $tw TIME_WAIT sockets from an earlier run to expire"; said_tw=1; }
        sleep 1
    done
fi

echo "== (a) fabcheck check --endpoints FILE -o json=/dev/null --select TLS, best of $RUNS"
best=""
for i in $(seq "$RUNS"); do
    t0=$(now_ns); fabcheck_run || true; t1=$(now_ns)
    d=$((t1 - t0))
    echo "run $i: $(secs "$d") s"
    if [[ -z $best ]] || ((d < best)); then best=$d; fi
done
fab_s=$(secs "$best")

echo "== (b) openssl s_client loop, one endpoint at a time"
# Calibrate on 10 endpoints; sample when the full loop would blow the budget.
t0=$(now_ns)
for line in "${LINES[@]:0:10}"; do
    read -r addr name <<<"$line"
    s_client "$addr" "$name" >/dev/null 2>&1 || true
done
t1=$(now_ns)
calib=$((t1 - t0))
estimate_ns=$((calib * N / 10))
step=1
if ((estimate_ns > OPENSSL_BUDGET * 1000000000)) && ((N > OPENSSL_SAMPLE)); then
    step=$(((N + OPENSSL_SAMPLE - 1) / OPENSSL_SAMPLE))
fi
picked=0
t0=$(now_ns)
for ((i = 0; i < N; i += step)); do
    read -r addr name <<<"${LINES[$i]}"
    s_client "$addr" "$name" >/dev/null 2>&1 || true
    picked=$((picked + 1))
done
t1=$(now_ns)
loop_ns=$((t1 - t0))
if ((step > 1)); then
    scaled_ns=$((loop_ns * N / picked))
    echo "SAMPLED: the full loop was estimated at $(secs "$estimate_ns") s (over ${OPENSSL_BUDGET} s);" \
        "ran every ${step}th endpoint, $picked in $(secs "$loop_ns") s, scaled to $N: $(secs "$scaled_ns") s"
else
    scaled_ns=$loop_ns
    echo "full loop: $picked endpoints in $(secs "$loop_ns") s"
fi
ssl_s=$(secs "$scaled_ns")

printf '%-40s %10s s\n' "fabcheck (best of $RUNS, $N endpoints)" "$fab_s"
printf '%-40s %10s s\n' "openssl loop ($N endpoints)" "$ssl_s"
ratio=$(awk -v a="$scaled_ns" -v b="$best" 'BEGIN { printf "%.1f", a / b }')
echo "ratio: openssl loop / fabcheck = ${ratio}x (fabcheck $fab_s s, openssl $ssl_s s, $N endpoints)"
