#!/usr/bin/env bash
# chart-testware's embedded local Kubernetes cluster: one node, built from the Go module proxy and Debian's
# packages, supervised by these scripts (no systemd, no Docker, no registry). See docs/local-cluster.md.
#
#   bash scripts/cluster.sh up               install, build, start (idempotent: returns at once when up)
#   bash scripts/cluster.sh down             stop what `up` started (by recorded pid); keeps state and caches
#   bash scripts/cluster.sh status           what runs; exit 0 when the cluster is up, 3 when it is not
#   bash scripts/cluster.sh kubeconfig       the admin kubeconfig's path (last line)
#   bash scripts/cluster.sh egress-counters  packet counts of the firewall's drop rules, as JSON
#   bash scripts/cluster.sh logs NAME        the tail of a component's log (containerd, etcd, kube-apiserver, ...)
#   bash scripts/cluster.sh kubectl ARGS...  kubectl with the admin kubeconfig
#   bash scripts/cluster.sh reset            down, then remove the cluster's state, network and firewall
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
here="$root/scripts/cluster"
STARTED=()  # components this invocation started

# One up/down/reset at a time (several helpers and test runs call `up`); the lock is released on exit.
# A caller that holds the lock itself (bench/cluster.sh around down+up) sets CT_CLUSTER_LOCK_HELD=1.
lock() {
  [ "${CT_CLUSTER_LOCK_HELD:-}" = 1 ] || [ -n "${locked:-}" ] && return 0
  locked=1
  mkdir -p "$(dirname "$CT_STATE")"
  exec 8> "$(dirname "$CT_STATE")/cluster.lock"
  if ! flock -n 8; then
    log "waiting for another cluster.sh up/down to finish"
    flock -w 1200 8 || die "another cluster.sh up/down has held $(dirname "$CT_STATE")/cluster.lock for 20 minutes"
  fi
}

# --- processes ---------------------------------------------------------------------------------------------

start() {
  local name="$1"
  shift
  [ -n "$(supervisor_pid "$name")" ] && return 0
  mkdir -p "$RUN" "$LOGS"
  rm -f "$RUN/$name.pid" "$RUN/$name.child.pid"
  # keep one previous log when it has grown past 50 MiB
  if [ "$(stat -c %s "$LOGS/$name.log" 2>/dev/null || echo 0)" -gt $((50 * 1024 * 1024)) ]; then
    mv "$LOGS/$name.log" "$LOGS/$name.log.1"
  fi
  # 8>&-: the cluster lock must not be inherited by the long-running processes
  setsid bash "$here/supervise.sh" "$name" "$RUN" "$LOGS/$name.log" -- "$@" < /dev/null > /dev/null 2>&1 8>&- &
  STARTED+=("$name")
  local i
  for i in $(seq 50); do
    [ -n "$(supervisor_pid "$name")" ] && return 0
    sleep 0.1
  done
  die "$name: its supervisor did not start (see $LOGS/$name.log)"
}

# stop NAME [SECONDS]: SIGTERM to the supervisor (which stops its process), SIGKILL after SECONDS (default 30)
stop() {
  local name="$1" seconds="${2:-30}" pid child i
  pid="$(supervisor_pid "$name")"
  if [ -z "$pid" ]; then
    rm -f "$RUN/$name.pid" "$RUN/$name.child.pid"
    return 0
  fi
  child="$(child_pid "$name")"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq $((seconds * 10))); do
    [ -d "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -d "/proc/$pid" ]; then
    log "$name did not stop in $seconds s: killing pid ${child:-?} and its supervisor $pid"
    if [ -n "$child" ]; then kill -KILL "$child" 2>/dev/null || true; fi
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.child.pid"
}

# wait_for WHAT SECONDS COMMAND...: poll COMMAND until it succeeds
wait_for() {
  local what="$1" seconds="$2" deadline
  shift 2
  deadline=$(($(date +%s) + seconds))
  until "$@" > /dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster: gave up waiting for $what after ${seconds}s" >&2; return 1; }
    sleep 0.3
  done
}

since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ctr_() { ctr --address "$CT_CONTAINERD_SOCK" "$@"; }
api_ready() {
  curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz" > /dev/null
}
node_ready() {
  [ "$(kc get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
# After a restart the API still holds the old Ready conditions for a while: these wait for fresh ones.
epoch_of() { date -d "$1" +%s 2>/dev/null || echo 0; }
node_ready_since() {
  local status beat
  read -r status beat < <(kc get node "$NODE_NAME" \
    -o 'jsonpath={range .status.conditions[?(@.type=="Ready")]}{.status} {.lastHeartbeatTime}{end}' 2>/dev/null)
  [ "$status" = True ] && [ "$(epoch_of "$beat")" -ge "${1%.*}" ]
}
dns_ready_since() {
  local ready started
  while read -r ready started; do
    [ "$ready" = true ] && [ "$(epoch_of "$started")" -ge "${1%.*}" ] && return 0
  done < <(kc -n kube-system get pods -l k8s-app=kube-dns \
    -o 'jsonpath={range .items[*]}{.status.containerStatuses[0].ready} {.status.containerStatuses[0].state.running.startedAt}{"\n"}{end}' 2>/dev/null)
  return 1
}
started_now() { local n; for n in "${STARTED[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }

dns_ready() {
  [ "$(kc -n kube-system get deployment coredns -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" = 1 ]
}

all_running() {
  local c
  for c in "${COMPONENTS[@]}"; do [ -n "$(child_pid "$c")" ] || return 1; done
}

# Mounts left under the cluster's directories by a run that died (kubelet's secret/configMap tmpfs, sandbox
# shm): only when nothing of the cluster runs, deepest first.
unmount_stale() {
  local dirs=("$CT_STATE/kubelet" "$CT_CONTAINERD_STATE" "$CT_CONTAINERD_ROOT")
  local d
  for d in "${dirs[@]}"; do
    # the kubelet bind-mounts its root directory onto itself: that mount goes too
    awk -v d="$d" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
    done
  done
  # after a reboot the pods' network namespace files stay behind, no longer mounted: useless to anyone
  local ns
  for ns in /var/run/netns/cni-*; do
    [ -f "$ns" ] || continue
    awk -v p="$ns" -v q="$(readlink -f "$ns")" '$5 == p || $5 == q {found = 1} END {exit !found}' /proc/self/mountinfo ||
      rm -f "$ns"
  done
}

# A containerd we did not start must not be taken over (or killed): refuse, naming its socket.
check_foreign_containerd() {
  [ -n "$(supervisor_pid containerd)" ] && return 0
  if [ -S "$CT_CONTAINERD_SOCK" ]; then
    if ctr_ version > /dev/null 2>&1; then
      die "a containerd not started by chart-testware serves $CT_CONTAINERD_SOCK; stop it or use its own cluster (KUBECONFIG)"
    fi
    rm -f "$CT_CONTAINERD_SOCK"
  fi
}

# The project's images (scripts/images.sh, when the repository has it): built and imported after the cluster is
# up, and again only when their definitions changed since the last success (so a second `up` stays fast).
# CT_IMAGES_ON_UP=0 skips this.
ensure_images() {
  [ -f "$root/scripts/images.sh" ] && [ "${CT_IMAGES_ON_UP:-1}" != 0 ] || return 0
  local h
  h="$(cd "$root" && find images scripts/images scripts/images.sh -type f ! -name '*.pyc' -print0 | sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-16)"
  [ "$(cat "$CT_STATE/images-ensured" 2>/dev/null)" = "$h" ] && return 0
  lock
  [ "$(cat "$CT_STATE/images-ensured" 2>/dev/null)" = "$h" ] && return 0
  bash "$root/scripts/images.sh" ensure >&2 || die "the cluster is up, but \`bash scripts/images.sh ensure\` failed"
  echo "$h" > "$CT_STATE/images-ensured"
}

# --- up ----------------------------------------------------------------------------------------------------

cmd_up() {
  need_root "cluster up"
  if all_running && [ -f "$KUBECONFIG_ADMIN" ] && api_ready && node_ready && dns_ready; then
    log "already up (node $NODE_NAME Ready)"
    ensure_images
    echo "$KUBECONFIG_ADMIN"
    return 0
  fi
  local t0 kube coredns
  t0=$(date +%s.%N)
  lock
  if all_running && [ -f "$KUBECONFIG_ADMIN" ] && api_ready && node_ready && dns_ready; then
    log "up (started by a concurrent \`up\`)"
    ensure_images
    echo "$KUBECONFIG_ADMIN"
    return 0
  fi
  bash "$here/install-runtime.sh"
  kube="$(bash "$here/build.sh" kube)"
  coredns="$(bash "$here/build.sh" coredns)"
  mkdir -p "$CT_STATE" "$RUN" "$LOGS"
  chmod 700 "$CT_STATE"

  if [ -z "$(child_pid kubelet)" ] && [ -z "$(child_pid containerd)" ]; then unmount_stale; fi
  check_foreign_containerd
  local t_start
  t_start=$(date +%s.%N)
  bash "$here/pki.sh"
  bash "$here/config.sh"
  bash "$here/network.sh" up

  start containerd env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    containerd --config "$ETC/containerd.toml"
  wait_for containerd 60 ctr_ version || die "containerd did not answer on $CT_CONTAINERD_SOCK in 60 s; see $LOGS/containerd.log"
  bash "$here/base-images.sh" "$coredns"

  start etcd etcd --name chart-testware --data-dir "$CT_STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster chart-testware=http://127.0.0.1:2380 --logger zap --log-level warn
  wait_for etcd 60 curl -sf --max-time 2 http://127.0.0.1:2379/health ||
    die "etcd is not healthy after 60 s; see $LOGS/etcd.log"

  start kube-apiserver "$kube/kube-apiserver" \
    --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port="$API_PORT" \
    --etcd-servers=http://127.0.0.1:2379 \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/kube-apiserver.crt" --tls-private-key-file="$PKI/kube-apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true --profiling=false --event-ttl=1h
  wait_for kube-apiserver 90 api_ready || die "kube-apiserver is not ready after 90 s; see $LOGS/kube-apiserver.log"

  start kube-controller-manager "$kube/kube-controller-manager" \
    --kubeconfig="$ETC/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$ETC/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$ETC/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false
  start kube-scheduler "$kube/kube-scheduler" \
    --kubeconfig="$ETC/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$ETC/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$ETC/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false
  start kube-proxy "$kube/kube-proxy" --config="$ETC/kube-proxy.yaml"
  start kubelet "$kube/kubelet" --config="$ETC/kubelet.yaml" --kubeconfig="$ETC/kubelet.kubeconfig" \
    --root-dir="$CT_STATE/kubelet" --node-ip="$NODE_IP" --hostname-override="$NODE_NAME"

  bash "$here/addons.sh" "$(bash "$here/base-images.sh" refs | grep /coredns:)"
  if started_now kubelet; then
    wait_for "node Ready" 120 node_ready_since "$t_start" ||
      die "node $NODE_NAME is not Ready after 120 s; see $LOGS/kubelet.log"
  else
    wait_for "node Ready" 120 node_ready || die "node $NODE_NAME is not Ready after 120 s; see $LOGS/kubelet.log"
  fi
  local t_ready
  t_ready=$(date +%s.%N)
  # containerd started now: the pods' old containers are gone, so wait for a new CoreDNS container
  if started_now containerd; then
    wait_for "CoreDNS" 180 dns_ready_since "$t_start" ||
      die "CoreDNS is not ready after 180 s; try \`bash scripts/cluster.sh kubectl -n kube-system describe pods\`"
  fi
  wait_for "CoreDNS" 180 dns_ready ||
    die "CoreDNS is not ready after 180 s; try \`bash scripts/cluster.sh kubectl -n kube-system describe pods\`"
  local ready_s
  ready_s="$(since "$t_start" "$t_ready")"
  if started_now kubelet; then
    printf '{"upSeconds":%s,"startToNodeReadySeconds":%s,"started":"%s","finished":"%s"}\n' \
      "$(since "$t0" "$(date +%s.%N)")" "$ready_s" "${STARTED[*]}" "$(date -u +%FT%TZ)" > "$CT_STATE/last-up.json"
    log "up: node $NODE_NAME Ready $ready_s s after the start of its processes; kubeconfig $KUBECONFIG_ADMIN"
  else
    log "up: restarted ${STARTED[*]:-nothing}; node $NODE_NAME Ready; kubeconfig $KUBECONFIG_ADMIN"
  fi

  ensure_images
  echo "$KUBECONFIG_ADMIN"
}

# --- down --------------------------------------------------------------------------------------------------

cmd_down() {
  need_root "cluster down"
  local c i
  lock
  stop kubelet
  # the pods' containers were started by this cluster's containerd: stop them while it still runs. Their
  # sandboxes stay in containerd's metadata; the next kubelet tears their networks down and removes them.
  if [ -n "$(child_pid containerd)" ]; then
    # SIGTERM first (databases shut down cleanly), SIGKILL what still runs after 5 s
    for c in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do
      ctr_ -n k8s.io tasks kill -s SIGTERM "$c" > /dev/null 2>&1 || true
    done
    for i in $(seq 25); do
      ctr_ -n k8s.io tasks ls 2>/dev/null | awk 'NR > 1 && $3 == "RUNNING"' | grep -q . || break
      sleep 0.2
    done
    for c in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do
      ctr_ -n k8s.io tasks kill -s SIGKILL "$c" > /dev/null 2>&1 || true
    done
    for c in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do
      for i in 1 2 3 4 5 6 7 8 9 10; do ctr_ -n k8s.io tasks delete "$c" > /dev/null 2>&1 && break; sleep 0.2; done
    done
  fi
  # the API server's graceful shutdown waits for open streams (watches, exec, port-forward) of clients that
  # may never close them; its state is in etcd, so it gets 10 s
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    case "${COMPONENTS[$i]}" in
      kubelet) ;;
      kube-apiserver) stop kube-apiserver 10 ;;
      *) stop "${COMPONENTS[$i]}" ;;
    esac
  done
  unmount_stale
  log "down (state kept in $CT_STATE; caches in $CT_CACHE)"
}

cmd_reset() {
  need_root "cluster reset"
  cmd_down
  local kube
  kube="$(find "$CT_CACHE/bin" -maxdepth 1 -type d -name 'kubernetes-*' 2>/dev/null | head -1)"
  [ -n "$kube" ] && "$kube/kube-proxy" --cleanup > /dev/null 2>&1 || true
  bash "$here/network.sh" down
  for ns in /var/run/netns/cni-*; do
    [ -e "$ns" ] || continue
    # only namespaces our containerd's metadata names; others belong to someone else
    if grep -rqsF "$ns" "$CT_CONTAINERD_ROOT/io.containerd.metadata.v1.bolt" 2>/dev/null; then
      umount "$ns" 2>/dev/null || true
      rm -f "$ns"
    fi
  done
  rm -rf "$CT_STATE" "$CT_CONTAINERD_ROOT" "$CT_CONTAINERD_STATE"
  log "reset: removed $CT_STATE and $CT_CONTAINERD_ROOT (the build and image caches in $CT_CACHE stay)"
}

# --- status ------------------------------------------------------------------------------------------------

cmd_status() {
  local c pid up=1
  for c in "${COMPONENTS[@]}"; do
    pid="$(child_pid "$c")"
    if [ -n "$pid" ]; then
      printf '  %-24s running  pid %-8s rss %s MiB\n' "$c" "$pid" "$(($(awk '/^VmRSS/ {print $2}' "/proc/$pid/status") / 1024))"
    else
      printf '  %-24s stopped\n' "$c"
      up=0
    fi
  done
  if [ "$up" = 1 ] && api_ready; then
    local nodes pods
    nodes="$(kc get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)"
    pods="$(kc get pods -A --no-headers 2>/dev/null | wc -l)"
    echo "  node $NODE_NAME Ready=$nodes, $pods pods, CoreDNS $(dns_ready && echo ready || echo 'not ready')"
    if [ "$nodes" = True ] && dns_ready; then
      echo "cluster: up (kubeconfig $KUBECONFIG_ADMIN)"
      return 0
    fi
    echo "cluster: starting or degraded (run \`npm run cluster:up\`)"
    return 3
  fi
  echo "cluster: down (run \`npm run cluster:up\`)"
  return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kubeconfig)
    [ -f "$KUBECONFIG_ADMIN" ] || die "no kubeconfig yet: run \`npm run cluster:up\` first"
    echo "$KUBECONFIG_ADMIN"
    ;;
  egress-counters) need_root "reading iptables counters"; bash "$here/network.sh" counters ;;
  logs) tail -n "${3:-100}" "$LOGS/${2:?usage: cluster.sh logs NAME [LINES]}.log" ;;
  kubectl) shift; kc "$@" ;;
  reset) cmd_reset ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
