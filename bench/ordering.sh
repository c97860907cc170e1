#!/usr/bin/env bash
# Static ordering-service benchmark: fabcheck parsing and checking 200 compose/manifest files of
# a 50-org network (--select KAFKA,ZK), against the bare YAML parse of the same files with
# Python's PyYAML (the cost any script reading them pays before checking anything).
#
# Usage: bench/ordering.sh [ORGS]     (default 50 orgs -> 200 files)
# Env:   CARGO_TARGET_DIR, RUNS (default 5)
# Last line: ratio: pyyaml parse / fabcheck = <X>x (fabcheck <T1> s, pyyaml <T2> s, <N> files)
set -euo pipefail
export LC_ALL=C

ORGS=${1:-50}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FABCHECK=$TARGET_DIR/release/fabcheck
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fabcheck-ordering-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

command -v python3 >/dev/null || { echo "ordering.sh: python3 is needed for the baseline" >&2; exit 1; }
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
(cd "$ROOT" && cargo build --release --quiet --bin fabcheck)

TREE=$WORK/network
# Per org: a compose file (peers and a CA), a Deployment manifest, a Service manifest and a
# ConfigMap manifest; the first org's folder also holds the Kafka/ZooKeeper services and
# configtx.yaml. 4 files x ORGS.
python3 - "$TREE" "$ORGS" <<'PY'
import os, sys
tree, orgs = sys.argv[1], int(sys.argv[2])
os.makedirs(tree, exist_ok=True)
for i in range(orgs):
    d = os.path.join(tree, f"org{i}")
    os.makedirs(d, exist_ok=True)
    peers = "".join(f"""  peer{p}.org{i}.example.com:
    image: hyperledger/fabric-peer:1.4.12
    environment:
      - CORE_PEER_ID=peer{p}.org{i}.example.com
      - CORE_PEER_ADDRESS=peer{p}.org{i}.example.com:7051
      - CORE_VM_DOCKER_HOSTCONFIG_NETWORKMODE=net_default
      - CORE_PEER_TLS_ENABLED=true
""" for p in range(2))
    ordering = ""
    if i == 0:
        ordering = "".join(f"""  kafka{k}:
    image: hyperledger/fabric-kafka:0.4.22
    environment:
      - KAFKA_BROKER_ID={k}
      - KAFKA_MESSAGE_MAX_BYTES=103809024
      - KAFKA_REPLICA_FETCH_MAX_BYTES=103809024
      - KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE=false
      - KAFKA_MIN_INSYNC_REPLICAS=2
      - KAFKA_DEFAULT_REPLICATION_FACTOR=3
      - KAFKA_LOG_RETENTION_MS=-1
      - KAFKA_ZOOKEEPER_CONNECT=zk0:2181,zk1:2181,zk2:2181
""" for k in range(4)) + "".join(f"""  zk{z}:
    image: hyperledger/fabric-zookeeper:0.4.22
    environment:
      - ZOO_MY_ID={z + 1}
      - ZOO_SERVERS=server.1=zk0:2888:3888 server.2=zk1:2888:3888 server.3=zk2:2888:3888
""" for z in range(3))
        with open(os.path.join(d, "configtx.yaml"), "w") as f:
            f.write("Orderer: &OrdererDefaults\n  OrdererType: kafka\n  BatchSize:\n    AbsoluteMaxBytes: 98 MB\n  Kafka:\n    Brokers: [kafka0:9092, kafka1:9092]\nProfiles:\n  Genesis:\n    Orderer:\n      <<: *OrdererDefaults\n")
    with open(os.path.join(d, "docker-compose.yaml"), "w") as f:
        f.write(f"version: '2'\nservices:\n  ca.org{i}.example.com:\n    image: hyperledger/fabric-ca:1.4.9\n{peers}{ordering}")
    with open(os.path.join(d, "deployment.yaml"), "w") as f:
        f.write("".join(f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: peer{p}
  namespace: org{i}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: peer{p}}}
  template:
    metadata:
      labels: {{app: peer{p}}}
    spec:
      containers:
      - name: peer
        image: hyperledger/fabric-peer:1.4.12
        envFrom:
        - configMapRef: {{name: peer-config}}
        env:
        - name: CORE_PEER_ID
          value: peer{p}.org{i}
        - name: ORDERER_URL
          valueFrom:
            configMapKeyRef: {{name: peer-config, key: orderer}}
""" for p in range(2)))
    with open(os.path.join(d, "service.yaml"), "w") as f:
        f.write("".join(f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: peer{p}\n  namespace: org{i}\nspec:\n  selector: {{app: peer{p}}}\n  ports:\n  - port: 7051\n" for p in range(2)))
    with open(os.path.join(d, "configmap.yaml"), "w") as f:
        f.write(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: peer-config\n  namespace: org{i}\ndata:\n  orderer: orderer0.orgorderer1:7050\n  CORE_PEER_TLS_ENABLED: 'true'\n  CORE_LOGGING_LEVEL: info\n  ORDERER_KAFKA_VERBOSE: 'true'\n")
PY
find "$TREE" -name '*.yaml' | sort > "$WORK/files"
FILES=$(wc -l < "$WORK/files")
echo "== tree: $ORGS orgs, $FILES YAML files under $TREE"

now() { date +%s.%N; }
best() { sort -g | head -1; }

echo "== (a) fabcheck check --artifacts TREE --select KAFKA,ZK -o json=/dev/null"
"$FABCHECK" check --artifacts "$TREE" --select KAFKA,ZK -o json="$WORK/report.json" >/dev/null || true
python3 -c "import json;r=json.load(open('$WORK/report.json'));print('   findings:', r['summary'])"
for _ in $(seq "$RUNS"); do
  s=$(now); "$FABCHECK" check --artifacts "$TREE" --select KAFKA,ZK -o json=/dev/null >/dev/null || true; e=$(now)
  python3 -c "print($e - $s)"
done > "$WORK/fab"
FAB=$(best < "$WORK/fab")
printf '   best of %s: %.4f s\n' "$RUNS" "$FAB"

echo "== (b) python3 + PyYAML (C loader when available): yaml.safe_load_all of every file"
for _ in $(seq "$RUNS"); do
  s=$(now)
  python3 - "$WORK/files" <<'PY'
import sys, yaml
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for path in open(sys.argv[1]).read().split():
    with open(path) as f:
        list(yaml.load_all(f, Loader=Loader))
PY
  e=$(now); python3 -c "print($e - $s)"
done > "$WORK/py"
PYT=$(best < "$WORK/py")
printf '   best of %s: %.4f s\n' "$RUNS" "$PYT"
printf 'ratio: pyyaml parse / fabcheck = %.1fx (fabcheck %.4f s, pyyaml %.4f s, %s files)\n' \
  "$(python3 -c "print($PYT / $FAB)")" "$FAB" "$PYT" "$FILES"
