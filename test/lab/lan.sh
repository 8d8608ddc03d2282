#!/usr/bin/env bash
# lan.sh - the project's LAN lab: N hosts on one Ethernet bridge, each in its own network namespace.
#
# Usage (as root):
#   test/lab/lan.sh up N        # hosts $P-h1..$P-hN on bridge namespace $P-br (rebuilds if present)
#   test/lab/lan.sh down        # stops the processes inside the lab's namespaces, deletes them
#   test/lab/lan.sh loss PCT    # random loss of PCT % of the frames crossing the bridge (0 removes it)
#   test/lab/lan.sh list        # the lab's host namespaces, one a line
# Env: UCL_LAB_PREFIX (default ucl-lan): namespace prefix P, so that labs never clash.
#
# Host i (1..250): eth0 10.79.0.i/24 and fd00:79::i/64 (nodad, usable at once), lo up, the route
# 224.0.0.0/4 dev eth0 (multicast needs it: there is no default route), and no route out of the
# lab: nothing is created in the root namespace. Idempotent: `up` first removes what it owns.
# Needs: iproute2; nftables for `loss`.
set -euo pipefail

P="${UCL_LAB_PREFIX:-ucl-lan}"
BR="$P-br"

lab_namespaces() { ip netns list | awk '{print $1}' | grep -E "^$P-(br|h[0-9]+)\$" || true; }

ns_del() { # stop processes living in the namespace (only those), then delete it
  local ns="$1" pid
  ip netns list | awk '{print $1}' | grep -qx "$ns" || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}

down() {
  local ns
  for ns in $(lab_namespaces); do ns_del "$ns"; done
}

up() {
  local n="${1:?usage: lan.sh up N}" i h
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 250 ] || { echo "lan.sh: N must be 1..250" >&2; exit 2; }
  down
  ip netns add "$BR"
  ip -n "$BR" link set lo up
  ip -n "$BR" link add br0 type bridge
  # No STP delay and no multicast snooping: every frame reaches every host at once.
  ip -n "$BR" link set br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 2>/dev/null || true
  ip -n "$BR" link set br0 up
  for i in $(seq 1 "$n"); do
    h="$P-h$i"
    ip netns add "$h"
    ip -n "$h" link set lo up
    ip link add eth0 netns "$h" type veth peer name "h$i" netns "$BR"
    ip -n "$BR" link set "h$i" master br0 up
    ip -n "$h" addr add "10.79.0.$i/24" dev eth0
    ip -n "$h" addr add "fd00:79::$i/64" dev eth0 nodad
    ip -n "$h" link set eth0 up
    ip -n "$h" route add 224.0.0.0/4 dev eth0
  done
  echo "lan lab up: $n hosts ($P-h1..$P-h$n), bridge namespace $BR"
}

loss() {
  local pct="${1:?usage: lan.sh loss PCT}"
  [[ "$pct" =~ ^[0-9]+$ ]] && [ "$pct" -le 100 ] || { echo "lan.sh: PCT must be 0..100" >&2; exit 2; }
  ip netns list | awk '{print $1}' | grep -qx "$BR" || { echo "lan.sh: the lab is not up" >&2; exit 1; }
  ip netns exec "$BR" nft delete table bridge ucl_loss 2>/dev/null || true
  if [ "$pct" -gt 0 ]; then
    ip netns exec "$BR" nft -f - <<NFT
table bridge ucl_loss {
  chain forward { type filter hook forward priority 0; policy accept;
    numgen random mod 100 < $pct drop
  }
}
NFT
  fi
  echo "lan lab loss: $pct %"
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down; echo "lan lab down ($P)" ;;
  loss) loss "${2:-}" ;;
  list) lab_namespaces | grep -E -- "-h[0-9]+\$" | sort -t h -k2 -n || true ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
