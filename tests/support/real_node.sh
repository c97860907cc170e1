# The real node's keeper (tests/support/real_node.rs starts it with bash): holds the machine-wide
# node lock, prepares the host (bridge, sysctls), and tears every part of the node down when told
# to (TERM) or when the test process ($1) is gone — also when that process died without running
# destructors. It holds the lock until the host is clean, so the next node waits for it.
#
#   $1 test process id   $2 state folder   $3 lock file   $4 bridge   $5 node address/prefix
#   $6 kube-proxy binary
# Writes "$dir/locked" once it holds the lock and the host is prepared. The node's processes
# record their process group in "$dir/pids/NAME"; folders to delete at the end are listed in
# "$dir/remove" (the control plane's).
parent=$1; dir=$2; lock=$3; bridge=$4; cidr=$5; kube_proxy=$6

exec 9>>"$lock"
if ! flock -w 1800 9; then
  echo "real node: another node held $lock for 30 minutes" >&2
  exit 1
fi

log() { echo "real-node keeper: $*" >&2; }

alive() { # PGID: a process of the group that is not a zombie
  ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'
}

stop_group() { # NAME SECONDS
  local f="$dir/pids/$1" pgid
  [ -f "$f" ] || return 0
  pgid=$(cat "$f")
  kill -TERM -- "-$pgid" 2>/dev/null
  # Zombies count as gone: once the test process is, nobody reaps its children.
  for _ in $(seq 1 $((10 * $2))); do alive "$pgid" || return 0; sleep 0.1; done
  kill -KILL -- "-$pgid" 2>/dev/null
}

# Rules whose text matches $2 in table $1, removed; then the chains named like $3, flushed and
# deleted (a chain still referenced by another of them is retried).
drop_chains() { # TABLE RULE-PATTERN CHAIN-PATTERN
  local t=$1
  iptables -t "$t" -S 2>/dev/null | grep -E '^-A ' | grep -E -- "$2" |
    while read -r rule; do
      eval "iptables -t $t ${rule/-A /-D }" 2>/dev/null
    done
  for _ in 1 2 3; do
    iptables -t "$t" -S 2>/dev/null | awk '$1 == "-N" { print $2 }' | grep -E -- "$3" |
      while read -r c; do iptables -t "$t" -F "$c" 2>/dev/null; done
    iptables -t "$t" -S 2>/dev/null | awk '$1 == "-N" { print $2 }' | grep -E -- "$3" |
      while read -r c; do iptables -t "$t" -X "$c" 2>/dev/null; done
  done
}

kill_cgroup_tree() { # kubelet's pod cgroups (cgroup v1 and v2)
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/kubepods.slice; do
    [ -d "$d" ] || continue
    find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  done
  sleep 0.5
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/kubepods.slice; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
}

teardown() {
  log "tearing down"
  # What would recreate containers or rules first.
  stop_group kubelet 10
  stop_group kube-scheduler 5
  stop_group kube-proxy 5
  # Containers while dockerd runs, so they stop the clean way (their network namespaces go,
  # and the pod veths with them).
  if [ -S "$dir/docker.sock" ]; then
    ids=$(timeout 30 docker -H "unix://$dir/docker.sock" ps -aq 2>/dev/null)
    [ -n "$ids" ] && timeout 60 docker -H "unix://$dir/docker.sock" rm -f $ids >/dev/null 2>&1
  fi
  stop_group dockerd 20
  # containerd-shims outlive dockerd by design; ours name the state folder on their command line.
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [ "$pid" = "$$" ] && continue
    if tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF -- "$dir/"; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  kill_cgroup_tree
  # kube-proxy's and kubelet's chains (KUBE-FIREWALL drops non-loopback traffic to 127.0.0.0/8).
  [ -x "$kube_proxy" ] && timeout 30 "$kube_proxy" --cleanup >/dev/null 2>&1
  for t in filter nat mangle; do drop_chains "$t" 'KUBE-' '^KUBE-'; done
  # The bridge and any veth still on it.
  for v in $(ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link delete "$v" 2>/dev/null
  done
  ip link delete "$bridge" 2>/dev/null
  if [ -f "$dir/sysctl.saved" ]; then
    while read -r key value; do sysctl -qw "$key=$value" 2>/dev/null; done < "$dir/sysctl.saved"
  fi
  # kubelet 1.20 writes container log links to fixed host folders; remove them if it made them.
  for d in /var/log/pods /var/log/containers; do
    [ -f "$dir/made-$(basename "$d")" ] && rm -rf "$d"
  done
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ -f "$dir/remove" ]; then
    while read -r extra; do [ -n "$extra" ] && rm -rf "$extra"; done < "$dir/remove"
  fi
  rm -rf "$dir"
  log "done"
}

# Left by a node whose keeper was killed (SIGKILL) before it could clean: we hold the lock,
# so whatever carries our names is stale.
if ip link show "$bridge" >/dev/null 2>&1; then
  log "removing a stale $bridge and node chains"
  [ -x "$kube_proxy" ] && timeout 30 "$kube_proxy" --cleanup >/dev/null 2>&1
  for t in filter nat mangle; do drop_chains "$t" 'KUBE-' '^KUBE-'; done
  kill_cgroup_tree
  ip link delete "$bridge" 2>/dev/null
fi

mkdir -p "$dir/pids"
for d in /var/log/pods /var/log/containers; do
  [ -e "$d" ] || : > "$dir/made-$(basename "$d")"
done
for key in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.ipv4.conf.all.route_localnet; do
  value=$(sysctl -n "$key" 2>/dev/null) && echo "$key $value" >> "$dir/sysctl.saved"
done
trap 'teardown; exit 0' TERM INT HUP
ip link add "$bridge" type bridge || { log "cannot create bridge $bridge"; teardown; exit 1; }
ip addr add "$cidr" dev "$bridge" && ip link set "$bridge" up || { teardown; exit 1; }
# Routed pod traffic (the Service addresses) and bridged traffic through kube-proxy's rules.
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null ||
  log "net.bridge.bridge-nf-call-iptables cannot be set (br_netfilter missing?)"
: > "$dir/locked"
while kill -0 "$parent" 2>/dev/null; do sleep 1 & wait $!; done
teardown
