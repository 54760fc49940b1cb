#!/usr/bin/env bash
# Installs the local cluster's runtime from Debian's archive when it is missing (idempotent; a no-op in
# well under a second when everything is there). Needs root and apt-get.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"

packages=(
  containerd runc containernetworking-plugins etcd-server  # container runtime, CNI plugins, etcd
  iptables conntrack iproute2 procps util-linux kmod       # networking, process and mount tools
  openssl                                                  # the cluster's PKI
  debootstrap busybox-static gcc libc6-dev python3         # images: Debian rootfs trees, pause, busybox
  ca-certificates curl                                     # health checks of the components
)

installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
[ "${#missing[@]}" -eq 0 ] && exit 0

[ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root (apt-get)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install ${missing[*]} by hand (Debian/Ubuntu packages)"
log "installing from Debian: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold)
apt-get "${apt_opts[@]}" update -qq >&2 || die "apt-get update failed: check the Debian mirror in /etc/apt/sources.list*"
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
  die "apt-get install ${missing[*]} failed (see above)"
log "runtime installed"
