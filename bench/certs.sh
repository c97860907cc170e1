#!/usr/bin/env bash
# Certificate-audit benchmark: `fabcheck check --artifacts` on a generated cryptogen-shaped tree
# versus the shell loop an operator would write (openssl x509 -dates + openssl verify per file).
#
# Usage: bench/certs.sh [ORGS] [NODES]        (defaults 100 x 10; env ORGS/NODES work too)
# Env:   CARGO_TARGET_DIR  cargo's target dir (default: <repo>/target)
#        RUNS              fabcheck runs to take the best of (default 5)
#        BENCH_CACHE_DIR   where the generated tree is cached (default: ${TMPDIR:-/tmp})
#        OPENSSL_BUDGET    seconds the full openssl loop may take before it is sampled (default 60)
#        OPENSSL_SAMPLE    target sample size when sampling (default 1000)
# Works offline (cargo --offline, no network access). The last line of output is:
#   ratio: openssl loop / fabcheck = <X>x (fabcheck <T1> s, openssl <T2> s, <N> certs)
set -euo pipefail
export LC_ALL=C

ORGS=${1:-${ORGS:-100}}
NODES=${2:-${NODES:-10}}
RUNS=${RUNS:-5}
OPENSSL_BUDGET=${OPENSSL_BUDGET:-60}
OPENSSL_SAMPLE=${OPENSSL_SAMPLE:-1000}
CALIBRATION_FILES=25

die() { echo "certs.sh: $*" >&2; exit 1; }
for n in "$ORGS" "$NODES" "$RUNS" "$OPENSSL_BUDGET" "$OPENSSL_SAMPLE"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "expected a positive integer, got '$n'"
done
command -v openssl >/dev/null || die "openssl is not installed"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FABCHECK=$TARGET_DIR/release/fabcheck
GENERATOR=$TARGET_DIR/release/examples/gen-bench-tree
CACHE_DIR=${BENCH_CACHE_DIR:-${TMPDIR:-/tmp}}
TREE=$CACHE_DIR/fabcheck-bench-tree-${ORGS}x${NODES}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-bench.XXXXXX")
PARTIAL=""
cleanup() {
    rm -rf "$WORK"
    if [[ -n $PARTIAL ]]; then rm -rf "$PARTIAL"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
# elapsed START END -> seconds with 3 decimals
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "== build (release, offline)"
(cd "$ROOT" && cargo build --offline --release --quiet --bin fabcheck)

echo "== tree: ${ORGS} orgs x ${NODES} peers"
if [[ -d $TREE ]]; then
    echo "using cached tree $TREE (delete it to regenerate)"
else
    (cd "$ROOT" && cargo build --offline --release --quiet --example gen-bench-tree)
    # Generate beside the cache path and rename, so a cached tree is always a complete one.
    PARTIAL=$(mktemp -d "$CACHE_DIR/fabcheck-bench-tree-${ORGS}x${NODES}.partial.XXXXXX")
    "$GENERATOR" "$PARTIAL/tree" "$ORGS" "$NODES"
    mv -T "$PARTIAL/tree" "$TREE"
    rm -rf "$PARTIAL"
    PARTIAL=""
fi

# Certificate files: every file holding a PEM certificate (keys are not counted).
grep -rlF -e '-----BEGIN CERTIFICATE-----' "$TREE" | sort >"$WORK/certs"
CERTS=$(wc -l <"$WORK/certs")
FILES=$(find "$TREE" -type f | wc -l)
((CERTS > 0)) || die "no certificate files under $TREE"
echo "certificate files: $CERTS (of $FILES files in the tree)"

echo "== (a) fabcheck check --artifacts TREE -o json=/dev/null, best of $RUNS"
# One untimed run first: warms the page cache and shows what fabcheck found.
status=0
"$FABCHECK" check --artifacts "$TREE" -o "json=$WORK/report.json" || status=$?
((status <= 1)) || die "fabcheck failed with exit code $status"
summary=$(sed -n '/"summary"/,/}/p' "$WORK/report.json" | tr -d ' \n' | sed 's/^"summary"://; s/,$//')
echo "fabcheck exit code $status, findings $summary"

best=""
if command -v hyperfine >/dev/null; then
    hyperfine --style basic --warmup 1 --runs "$RUNS" --ignore-failure -n fabcheck \
        --export-csv "$WORK/hyperfine.csv" \
        "$(printf '%q check --artifacts %q -o json=/dev/null' "$FABCHECK" "$TREE")"
    # Columns: command,mean,stddev,median,user,system,min,max
    best=$(awk -F, 'NR == 2 { printf "%.3f", $7 }' "$WORK/hyperfine.csv")
else
    for ((run = 1; run <= RUNS; run++)); do
        start=$(now)
        "$FABCHECK" check --artifacts "$TREE" -o json=/dev/null || true
        t=$(elapsed "$start" "$(now)")
        echo "run $run: $t s"
        if [[ -z $best ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
            best=$t
        fi
    done
fi
[[ -n $best ]] || die "no fabcheck timing"
echo "fabcheck: best of $RUNS = $best s"

echo "== (b) openssl loop: x509 -noout -dates + verify -CAfile <org CA> per certificate"
# Pair every certificate with the CA an operator would verify it against: the org's TLS CA for
# TLS material (tls/, tlsca/, tlscacerts/), the org's signing CA otherwise. A CA certificate
# is thereby verified against itself. Pairs are worked out before timing starts.
while IFS= read -r f; do
    rel=${f#"$TREE"/}
    org=${rel#peerOrganizations/}
    org=${org%%/*}
    case /$rel in
        */tls/* | */tlsca/* | */tlscacerts/*) ca=$TREE/peerOrganizations/$org/tlsca/tlsca.$org-cert.pem ;;
        *) ca=$TREE/peerOrganizations/$org/ca/ca.$org-cert.pem ;;
    esac
    [[ -f $ca ]] || die "no CA certificate for $f (expected $ca)"
    printf '%s\t%s\n' "$f" "$ca"
done <"$WORK/certs" >"$WORK/pairs"

# The loop an operator would write, over a list of "file<TAB>ca" lines; prints failures.
openssl_loop() {
    local f ca failed=0
    while IFS=$'\t' read -r f ca; do
        openssl x509 -noout -dates -in "$f" >/dev/null || failed=$((failed + 1))
        openssl verify -CAfile "$ca" "$f" >/dev/null || failed=$((failed + 1))
    done <"$1"
    echo "$failed"
}

# Calibrate on a small spread-out sample to decide between the full loop and a sample.
step=$(((CERTS + CALIBRATION_FILES - 1) / CALIBRATION_FILES))
awk -v n="$step" 'NR % n == 1 || n == 1' "$WORK/pairs" >"$WORK/calibration"
cal_n=$(wc -l <"$WORK/calibration")
start=$(now)
openssl_loop "$WORK/calibration" >/dev/null
cal_t=$(elapsed "$start" "$(now)")
estimate=$(awk -v t="$cal_t" -v n="$cal_n" -v total="$CERTS" 'BEGIN { printf "%.1f", t / n * total }')
echo "calibration: $cal_n files in $cal_t s -> full loop estimated at $estimate s"

if awk -v e="$estimate" -v b="$OPENSSL_BUDGET" 'BEGIN { exit !(e > b) }'; then
    every=$(((CERTS + OPENSSL_SAMPLE - 1) / OPENSSL_SAMPLE))
    # Deterministic sample: the 1st, (N+1)th, (2N+1)th ... file in sorted path order.
    awk -v n="$every" 'NR % n == 1 || n == 1' "$WORK/pairs" >"$WORK/sample"
    sampled=$(wc -l <"$WORK/sample")
    mode="sampled"
else
    every=1
    cp "$WORK/pairs" "$WORK/sample"
    sampled=$CERTS
    mode="full"
fi
start=$(now)
failed=$(openssl_loop "$WORK/sample")
measured=$(elapsed "$start" "$(now)")
((failed == 0)) || echo "warning: $failed openssl commands failed" >&2
if [[ $mode == sampled ]]; then
    openssl_t=$(awk -v t="$measured" -v s="$sampled" -v n="$CERTS" 'BEGIN { printf "%.2f", t * n / s }')
    echo "openssl: SAMPLED every ${every}th file: $sampled of $CERTS files in $measured s;" \
        "scaled to the whole tree (x $CERTS/$sampled) = $openssl_t s (estimate, not measured)"
else
    openssl_t=$(awk -v t="$measured" 'BEGIN { printf "%.2f", t }')
    echo "openssl: full loop over all $CERTS files in $openssl_t s"
fi

echo "== result"
echo "certificate files: $CERTS"
echo "fabcheck (best of $RUNS, wall): $best s"
echo "openssl loop ($mode, wall):    $openssl_t s"
ratio=$(awk -v o="$openssl_t" -v f="$best" 'BEGIN { printf "%.1f", o / f }')
echo "ratio: openssl loop / fabcheck = ${ratio}x (fabcheck $best s, openssl $openssl_t s, $CERTS certs)"
