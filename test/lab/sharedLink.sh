#!/usr/bin/env bash
# sharedLink.sh - a shared 10 Mbit/s bottleneck for `npm run bench:shared-link`: two hosts joined
# through a router namespace whose egress toward the receiver is a `tc tbf` token bucket.
#
# Usage (as root):
#   test/lab/sharedLink.sh up               # create the three namespaces (rebuilds them if present)
#   test/lab/sharedLink.sh down             # stop the processes inside them (only those), delete them
#   test/lab/sharedLink.sh run -- CMD...    # up, CMD in the root namespace with the lab's names in
#                                           # its env (UCL_SL_SND, UCL_SL_RCV, UCL_SL_RTR, *_IP), always down
# Env: UCL_SL_PREFIX (default ucl-sl): namespace prefix P; UCL_SL_RATE (default 10mbit).
#
#   $P-snd  eth0 10.81.1.2/24 ── r1 10.81.1.1  $P-rtr  r2 10.81.2.1 ── eth0 10.81.2.2/24  $P-rcv
#                                              (egress of r2: tbf rate 10mbit, 50 ms of queue)
# Each host's default route points at the router; the router forwards between its two legs only.
# Nothing is created in the root namespace and nothing routes out of the lab. `tbf` works in this
# kernel; netem and fq_codel do not (so the path has no added delay: its RTT is the queue's).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

P="${UCL_SL_PREFIX:-ucl-sl}"
RATE="${UCL_SL_RATE:-10mbit}"
SND="$P-snd"; RTR="$P-rtr"; RCV="$P-rcv"
SND_IP=10.81.1.2; RCV_IP=10.81.2.2

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

ns_del() { # stop the processes living in the namespace (only those), then delete it
  local ns="$1" pid
  ns_exists "$ns" || return 0
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 20); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}

down() { ns_del "$SND"; ns_del "$RCV"; ns_del "$RTR"; }

up() {
  down
  ip netns add "$RTR"
  ip netns add "$SND"
  ip netns add "$RCV"
  for ns in "$RTR" "$SND" "$RCV"; do ip -n "$ns" link set lo up; done
  ip link add eth0 netns "$SND" type veth peer name r1 netns "$RTR"
  ip link add eth0 netns "$RCV" type veth peer name r2 netns "$RTR"
  ip -n "$SND" addr add "$SND_IP/24" dev eth0
  ip -n "$RCV" addr add "$RCV_IP/24" dev eth0
  ip -n "$RTR" addr add 10.81.1.1/24 dev r1
  ip -n "$RTR" addr add 10.81.2.1/24 dev r2
  for l in "$SND eth0" "$RCV eth0" "$RTR r1" "$RTR r2"; do set -- $l; ip -n "$1" link set "$2" up; done
  ip -n "$SND" route add default via 10.81.1.1
  ip -n "$RCV" route add default via 10.81.2.1
  ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
  # The bottleneck: 10 Mbit/s toward the receiver, a 15 kB burst, at most 50 ms of queue (62.5 kB).
  ip netns exec "$RTR" tc qdisc add dev r2 root tbf rate "$RATE" burst 15k latency 50ms
}

case "${1:-}" in
  up) up; echo "shared link up: $SND ($SND_IP) → $RTR (tbf $RATE) → $RCV ($RCV_IP)" ;;
  down) down ;;
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { echo "sharedLink.sh: no command" >&2; exit 2; }
    trap 'down' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    up
    export UCL_SL_SND="$SND" UCL_SL_RCV="$RCV" UCL_SL_RTR="$RTR" UCL_SL_SND_IP="$SND_IP" UCL_SL_RCV_IP="$RCV_IP" UCL_SL_RATE="$RATE"
    set +e
    "$@" &
    wait "$!"
    status=$?
    set -e
    exit "$status"
    ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
