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
# The same rules go into ip6tables when the host has IPv6 (the API server listens on both families).
# Their counters (IPv4 + IPv6) are what `cluster.sh egress-counters` reports: 0 while nothing tries to get out.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/cluster/common.sh
. "$root/scripts/cluster/common.sh"

ipt() { iptables -w 10 "$@"; }
ip6t() { ip6tables -w 10 "$@"; }

# The API server listens on both address families (*:6443), so IPv6 gets the same rules when the host has it.
have_ip6() { [ -e /proc/net/if_inet6 ] && command -v ip6tables > /dev/null 2>&1 && ip6tables -t mangle -L -n > /dev/null 2>&1; }

# rules_ok TOOL: the chains hold exactly the wanted drop rules and each jump is there once, first
rules_ok() {
  local t="$1"
  [ "$($t -t mangle -S "$FW_FORWARD_CHAIN" 2>/dev/null | grep -c '^-A')" = 1 ] &&
    $t -t mangle -C "$FW_FORWARD_CHAIN" "${fwd_rule[@]}" 2>/dev/null &&
    [ "$($t -t mangle -S "$FW_INPUT_CHAIN" 2>/dev/null | grep -c '^-A')" = 1 ] &&
    $t -t mangle -C "$FW_INPUT_CHAIN" "${in_rule[@]}" 2>/dev/null &&
    [ "$($t -t mangle -S FORWARD | grep -c -- "-j $FW_FORWARD_CHAIN\$")" = 1 ] &&
    [ "$($t -t mangle -S INPUT | grep -c -- "-j $FW_INPUT_CHAIN\$")" = 1 ] &&
    jumps_first "$t"
}

# install_rules TOOL: (re)writes the chains unless they are already right, so that the counters of rules in
# place keep counting across `up`s
install_rules() {
  local t="$1"
  rules_ok "$t" && return 0
  $t -t mangle -N "$FW_FORWARD_CHAIN" 2>/dev/null || true
  $t -t mangle -N "$FW_INPUT_CHAIN" 2>/dev/null || true
  $t -t mangle -F "$FW_FORWARD_CHAIN"
  $t -t mangle -F "$FW_INPUT_CHAIN"
  $t -t mangle -A "$FW_FORWARD_CHAIN" "${fwd_rule[@]}"
  $t -t mangle -A "$FW_INPUT_CHAIN" "${in_rule[@]}"
  while $t -t mangle -D FORWARD -j "$FW_FORWARD_CHAIN" 2>/dev/null; do :; done
  while $t -t mangle -D INPUT -j "$FW_INPUT_CHAIN" 2>/dev/null; do :; done
  $t -t mangle -I FORWARD 1 -j "$FW_FORWARD_CHAIN"
  $t -t mangle -I INPUT 1 -j "$FW_INPUT_CHAIN"
}

firewall() {
  local ext
  ext="$(external_interface)"
  if [ -n "$ext" ]; then
    fwd_rule=(-o "$ext" -m comment --comment "chart-testware: no egress via $ext" -j DROP)
    in_rule=(-i "$ext" -p tcp -m multiport --dports "$PROTECTED_PORTS" -m comment --comment "chart-testware: no cluster ports via $ext" -j DROP)
  else
    # no default route: nothing can leave anyway; drop everything forwarded off the cluster's bridges
    fwd_rule=(! -o "$CNI_BRIDGE" -m comment --comment "chart-testware: no egress" -j DROP)
    in_rule=(! -i lo -p tcp -m multiport --dports "$PROTECTED_PORTS" ! -d "$NODE_IP" -m comment --comment "chart-testware: no cluster ports from outside" -j DROP)
  fi
  install_rules ipt
  if [ -n "$ext" ] && have_ip6; then install_rules ip6t; fi
}

firewall_down() {
  local t
  for t in ipt ip6t; do
    [ "$t" = ip6t ] && ! have_ip6 && continue
    while $t -t mangle -D FORWARD -j "$FW_FORWARD_CHAIN" 2>/dev/null; do :; done
    while $t -t mangle -D INPUT -j "$FW_INPUT_CHAIN" 2>/dev/null; do :; done
    for chain in "$FW_FORWARD_CHAIN" "$FW_INPUT_CHAIN"; do
      $t -t mangle -F "$chain" 2>/dev/null || true
      $t -t mangle -X "$chain" 2>/dev/null || true
    done
  done
}

# drop_count TOOL CHAIN: packets dropped by CHAIN's drop rule (-x: exact), empty when the rule is missing
drop_count() { $1 -t mangle -L "$2" -v -x -n 2>/dev/null | awk '$3 == "DROP" {print $1; exit}'; }
# jumps_first TOOL: whether both jumps are rule 1 of mangle FORWARD and INPUT
jumps_first() {
  [ "$($1 -t mangle -L FORWARD -n --line-numbers 2>/dev/null | awk -v c="$FW_FORWARD_CHAIN" '$2 == c {print $1; exit}')" = 1 ] &&
    [ "$($1 -t mangle -L INPUT -n --line-numbers 2>/dev/null | awk -v c="$FW_INPUT_CHAIN" '$2 == c {print $1; exit}')" = 1 ]
}

counters() {
  local ext fwd inp fwd6=0 inp6=0 installed=true ipv6=false
  ext="$(external_interface)"
  fwd="$(drop_count ipt "$FW_FORWARD_CHAIN")"
  inp="$(drop_count ipt "$FW_INPUT_CHAIN")"
  if [ -z "$fwd" ] || [ -z "$inp" ] || ! jumps_first ipt; then installed=false; fi
  if have_ip6 && [ -n "$ext" ]; then
    ipv6=true
    fwd6="$(drop_count ip6t "$FW_FORWARD_CHAIN")"
    inp6="$(drop_count ip6t "$FW_INPUT_CHAIN")"
    if [ -z "$fwd6" ] || [ -z "$inp6" ] || ! jumps_first ip6t; then installed=false; fi
  fi
  printf '{"interface":"%s","installed":%s,"ipv6":%s,"forwardDropped":%s,"inboundDropped":%s,"protectedPorts":"%s"}\n' \
    "$ext" "$installed" "$ipv6" "$(( ${fwd:-0} + ${fwd6:-0} ))" "$(( ${inp:-0} + ${inp6:-0} ))" "$PROTECTED_PORTS"
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
