#!/usr/bin/env bash
# loopns.sh - a private LAN inside one network namespace, for tests that must really announce and
# discover over mDNS (the extension's discovery, terminal peers) without sending anything outside.
#
# Usage (as root):
#   test/lab/loopns.sh up NS              # create NS (rebuilds it if present)
#   test/lab/loopns.sh down NS            # stop the processes inside NS (only those), delete it
#   test/lab/loopns.sh run NS -- CMD...   # up, run CMD inside NS (exit status of CMD), always down
#
# Inside NS: `lo` up with multicast on, and a veth pair lan0/lan1 whose two ends both stay in NS;
# lan0 has 10.80.0.1/24 and fd00:80::1/64 (nodad) and carries the route 224.0.0.0/4. Every process
# in NS shares that one address (distinct UDP ports), mDNS (5353, shared with SO_REUSEADDR) reaches
# them all through multicast loopback, and nothing leaves NS: no link to the root namespace, no
# default route.
#
# Why not `lo` alone: mDNS works on lo (multicast on, route 224.0.0.0/4 dev lo), but the only
# addresses a peer can then announce are 127.0.0.1 and ::1, and discovery drops loopback addresses
# (src/net/discoveryRecord.ts usableAddresses): peers are found with no address to write to.
# Use interface `lan0` (udpChat.discoveryInterface, the CLI's --interface).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

down() {
  local ns="${1:?usage: loopns.sh down NS}" pid
  ns_exists "$ns" || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}

up() {
  local ns="${1:?usage: loopns.sh up NS}"
  down "$ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link set lo multicast on
  ip -n "$ns" link add lan0 type veth peer name lan1
  ip -n "$ns" addr add 10.80.0.1/24 dev lan0
  ip -n "$ns" addr add fd00:80::1/64 dev lan0 nodad
  ip -n "$ns" link set lan1 up
  ip -n "$ns" link set lan0 up
  ip -n "$ns" route add 224.0.0.0/4 dev lan0
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down "${2:-}" ;;
  run)
    ns="${2:?usage: loopns.sh run NS -- CMD...}"
    shift 2
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { echo "loopns.sh: no command" >&2; exit 2; }
    up "$ns"
    trap 'down "$ns"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # In the background with wait: a signal interrupts wait (it would not interrupt a foreground
    # command), and the EXIT trap then stops everything inside the namespace.
    set +e
    ip netns exec "$ns" "$@" &
    wait "$!"
    status=$?
    set -e
    exit "$status"
    ;;
  *) sed -n '2,19p' "$0"; exit 2 ;;
esac
