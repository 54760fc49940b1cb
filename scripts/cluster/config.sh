#!/usr/bin/env bash
# Writes the local cluster's configuration files into $CT_STATE/etc (and the kubeconfigs into $CT_STATE):
# containerd, CNI, kubelet, kube-proxy, the kubeconfigs of every component and of the admin. Cheap and
# idempotent: cluster.sh runs it on every `up`, so a changed script takes effect at the next start.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"

mkdir -p "$ETC/cni" "$CT_STATE/cni-ipam" "$CT_STATE/kubelet" "$CT_STATE/volumes"

# write FILE: stdin to FILE, replaced atomically
write() { cat > "$1.tmp" && mv "$1.tmp" "$1"; }

# kubeconfig FILE USER CERT_NAME: a kubeconfig with the CA and the client certificate embedded
kubeconfig() {
  local file="$1" user="$2" cert="$3"
  write "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: chart-testware-local
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: chart-testware-local
  context:
    cluster: chart-testware-local
    user: $user
current-context: chart-testware-local
EOF
  chmod 600 "$file"
}

kubeconfig "$KUBECONFIG_ADMIN" chart-testware-admin admin
kubeconfig "$ETC/kube-controller-manager.kubeconfig" system:kube-controller-manager kube-controller-manager
kubeconfig "$ETC/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler
kubeconfig "$ETC/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
kubeconfig "$ETC/kubelet.kubeconfig" "system:node:$NODE_NAME" kubelet-client

# The upstream resolver of pods with dnsPolicy Default (and of CoreDNS): loopback inside the pod, so no name
# lookup leaves the host through the machine's own resolver.
write "$ETC/resolv.conf" <<EOF
nameserver 127.0.0.1
EOF

# containerd: its own root and state (so it never meets another containerd's data), the default socket (so
# `ctr` finds it), the CRI fixes this kind of VM needs, and a proxy on a dead loopback port so that an image
# pull (a pod naming an image that was never imported) fails at once instead of leaving the host.
write "$ETC/containerd.toml" <<EOF
version = 2
root = "$CT_CONTAINERD_ROOT"
state = "$CT_CONTAINERD_STATE"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$CT_CONTAINERD_SOCK"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$ETC/cni"
    max_conf_num = 1
EOF

write "$ETC/cni/10-chart-testware.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "chart-testware",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CT_STATE/cni-ipam",
        "ranges": [[{ "subnet": "$POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF

write "$ETC/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
containerRuntimeEndpoint: unix://$CT_CONTAINERD_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
oomScoreAdj: 0
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$DNS_IP]
resolvConf: $ETC/resolv.conf
# images come from local imports only: image garbage collection would delete what cannot be pulled back
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  imagefs.available: 2%
  nodefs.inodesFree: 2%
nodeStatusReportFrequency: 10s
syncFrequency: 10s
serializeImagePulls: false
EOF

write "$ETC/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $ETC/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
oomScoreAdj: 0
nodePortAddresses: ["$NODE_IP/32"]
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  masqueradeAll: false
  localhostNodePorts: false
EOF
