#!/usr/bin/env bash
# Soak test of the terminal peer under packet loss: two network namespaces joined by a veth pair
# (10.213.x.1/30 and 10.213.x.2/30), nftables in each dropping SOAK_LOSS % (default 30) of incoming UDP,
# one `udp-chat --json` per namespace exchanging SOAK_N messages (default 1000) each way.
# scripts/soak.mjs drives the peers and checks exactly-once, in-order delivery.
#
# Needs root (namespaces, veth, nftables). As another user it prints SKIPPED and exits 0, so it is
# never mistaken for a pass or a failure; `npm test` does not call it. Run: sudo npm run soak
# Only the two namespace addresses (and loopback) are ever targeted; everything it creates is
# removed on exit, failure or Ctrl-C (trap cleanup EXIT).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "soak: SKIPPED — needs root to create network namespaces, a veth pair and nftables rules (run: sudo npm run soak)."
  exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/dist/cli.js"
if [ ! -f "$cli" ]; then
  echo "soak: $cli is missing; build first (node scripts/build.mjs, or npm run soak which does)." >&2
  exit 1
fi

install_if_missing() { # command package
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "soak: installing $2 (for $1)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
install_if_missing nft nftables
install_if_missing ip iproute2

id=$$
nsA="udpchat-soak-a-$id"
nsB="udpchat-soak-b-$id"
vethA="ucsa$id"   # interface names are limited to 15 characters
vethB="ucsb$id"
octet=$(( id % 250 + 1 ))
ipA="10.213.$octet.1"
ipB="10.213.$octet.2"
loss="${SOAK_LOSS:-30}"
table="udpchat_soak_$id"

cleanup() {
  local ns
  for ns in "$nsA" "$nsB"; do
    ip netns exec "$ns" nft delete table inet "$table" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$vethA" 2>/dev/null || true   # only left in the root namespace if setup failed midway
  echo "soak: cleaned up namespaces $nsA, $nsB"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$nsA"
ip netns add "$nsB"
ip link add "$vethA" type veth peer name "$vethB"
ip link set "$vethA" netns "$nsA"
ip link set "$vethB" netns "$nsB"
ip -n "$nsA" addr add "$ipA/30" dev "$vethA"
ip -n "$nsB" addr add "$ipB/30" dev "$vethB"
for ns in "$nsA" "$nsB"; do
  ip -n "$ns" link set lo up
done
ip -n "$nsA" link set "$vethA" up
ip -n "$nsB" link set "$vethB" up

# Random loss on the input hook, UDP only: each direction loses $loss % of its datagrams (data one way, acks the other).
for ns in "$nsA" "$nsB"; do
  ip netns exec "$ns" nft -f - <<EOF
table inet $table {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto udp numgen random mod 100 < $loss counter drop
  }
}
EOF
done

echo "soak: $nsA ($ipA) <-> $nsB ($ipB), ${loss}% UDP loss on input in each namespace, ${SOAK_N:-1000} messages each way"
status=0
node "$root/scripts/soak.mjs" --cli "$cli" --ns-a "$nsA" --ns-b "$nsB" --ip-a "$ipA" --ip-b "$ipB" || status=$?

for ns in "$nsA" "$nsB"; do
  dropped=$(ip netns exec "$ns" nft list table inet "$table" | grep -o 'packets [0-9]*' | head -1 || true)
  echo "soak: nftables in $ns dropped ${dropped:-packets ?}"
done
exit "$status"
