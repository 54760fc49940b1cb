#!/usr/bin/env bash
# The local cluster's host networking and firewall.
#
#   network.sh up         sysctls, the node bridge with the node IP, the Service CIDR route, the firewall
#   network.sh firewall   (re)install only the firewall rules
#   network.sh counters   packet counts of the firewall's drop rules, as JSON
#   network.sh down       remove the firewall rules, the node bridge and the CNI bridge
#
# Firewall: two chains in the mangle table (mangle runs before the filter and nat chains that kube-proxy
# writes, so nothing of kube-proxy's can precede them), jumped to first from FORWARD and INPUT:
#   CT-FW-FORWARD drops every forwarded packet that would leave through the external interface (pods reach
#                 nothing outside the host);
#   CT-FW-INPUT   drops packets arriving on the external interface for the cluster's ports.
# Their counters are what `cluster.sh egress-counters` reports: they stay 0 while nothing tries to get out.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"

ipt() { iptables -w 10 "$@"; }

firewall() {
  local ext
  ext="$(external_interface)"
  ipt -t mangle -N "$FW_FORWARD_CHAIN" 2>/dev/null || true
  ipt -t mangle -N "$FW_INPUT_CHAIN" 2>/dev/null || true
  ipt -t mangle -F "$FW_FORWARD_CHAIN"
  ipt -t mangle -F "$FW_INPUT_CHAIN"
  if [ -n "$ext" ]; then
    ipt -t mangle -A "$FW_FORWARD_CHAIN" -o "$ext" -m comment --comment "chart-testware: no egress via $ext" -j DROP
    ipt -t mangle -A "$FW_INPUT_CHAIN" -i "$ext" -p tcp -m multiport --dports "$PROTECTED_PORTS" \
      -m comment --comment "chart-testware: no cluster ports via $ext" -j DROP
  else
    # no default route: nothing can leave anyway; drop everything forwarded off the cluster's bridges
    ipt -t mangle -A "$FW_FORWARD_CHAIN" ! -o "$CNI_BRIDGE" -m comment --comment "chart-testware: no egress" -j DROP
    ipt -t mangle -A "$FW_INPUT_CHAIN" ! -i lo -p tcp -m multiport --dports "$PROTECTED_PORTS" \
      ! -d "$NODE_IP" -m comment --comment "chart-testware: no cluster ports from outside" -j DROP
  fi
  # the jumps go first, exactly once
  while ipt -t mangle -D FORWARD -j "$FW_FORWARD_CHAIN" 2>/dev/null; do :; done
  while ipt -t mangle -D INPUT -j "$FW_INPUT_CHAIN" 2>/dev/null; do :; done
  ipt -t mangle -I FORWARD 1 -j "$FW_FORWARD_CHAIN"
  ipt -t mangle -I INPUT 1 -j "$FW_INPUT_CHAIN"
}

firewall_down() {
  while ipt -t mangle -D FORWARD -j "$FW_FORWARD_CHAIN" 2>/dev/null; do :; done
  while ipt -t mangle -D INPUT -j "$FW_INPUT_CHAIN" 2>/dev/null; do :; done
  for chain in "$FW_FORWARD_CHAIN" "$FW_INPUT_CHAIN"; do
    ipt -t mangle -F "$chain" 2>/dev/null || true
    ipt -t mangle -X "$chain" 2>/dev/null || true
  done
}

counters() {
  local ext fwd inp installed=true
  ext="$(external_interface)"
  # -x: exact counts; -v: counters; first rule of each chain is the drop rule
  fwd="$(ipt -t mangle -L "$FW_FORWARD_CHAIN" -v -x -n 2>/dev/null | awk '$3 == "DROP" {print $1; exit}')"
  inp="$(ipt -t mangle -L "$FW_INPUT_CHAIN" -v -x -n 2>/dev/null | awk '$3 == "DROP" {print $1; exit}')"
  local jf ji
  jf="$(ipt -t mangle -L FORWARD -n --line-numbers 2>/dev/null | awk -v c="$FW_FORWARD_CHAIN" '$2 == c {print $1; exit}')"
  ji="$(ipt -t mangle -L INPUT -n --line-numbers 2>/dev/null | awk -v c="$FW_INPUT_CHAIN" '$2 == c {print $1; exit}')"
  if [ -z "$fwd" ] || [ -z "$inp" ] || [ "$jf" != 1 ] || [ "$ji" != 1 ]; then installed=false; fi
  printf '{"interface":"%s","installed":%s,"forwardDropped":%s,"inboundDropped":%s,"protectedPorts":"%s"}\n' \
    "$ext" "$installed" "${fwd:-null}" "${inp:-null}" "$PROTECTED_PORTS"
}

up() {
  sysctl -qw net.ipv4.ip_forward=1
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || modprobe br_netfilter 2>/dev/null || true
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ||
    die "net.bridge.bridge-nf-call-iptables is missing (no br_netfilter): Services cannot reach pods on the bridge"
  sysctl -qw net.bridge.bridge-nf-call-iptables=1
  # the firewall goes in before anything of the cluster runs
  firewall
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
  fi
  sysctl -qw "net.ipv6.conf.$NODE_BRIDGE.disable_ipv6=1" 2>/dev/null || true
  ip link set "$NODE_BRIDGE" up
  ip addr replace "$NODE_IP/32" dev "$NODE_BRIDGE"
  ip route replace "$SERVICE_CIDR" dev "$NODE_BRIDGE" src "$NODE_IP"
}

down() {
  firewall_down
  ip route del "$SERVICE_CIDR" dev "$NODE_BRIDGE" 2>/dev/null || true
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  ip link del "$CNI_BRIDGE" 2>/dev/null || true
}

case "${1:-}" in
  up) up ;;
  firewall) firewall ;;
  counters) counters ;;
  down) down ;;
  *) die "usage: network.sh up|firewall|counters|down" ;;
esac
