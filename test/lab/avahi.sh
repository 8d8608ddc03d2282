#!/usr/bin/env bash
# avahi.sh - Debian's avahi-daemon inside one LAN lab host (test/lab/lan.sh), with a private D-Bus
# system bus, so that avahi-browse / avahi-publish work there (no systemd, no host D-Bus needed).
#
# Usage (as root; needs: apt-get install -y avahi-daemon avahi-utils):
#   test/lab/avahi.sh start NS            # prints DBUS_SYSTEM_BUS_ADDRESS=… once the daemon is up
#   test/lab/avahi.sh run NS CMD [ARG…]   # CMD inside NS, talking to that daemon (e.g. avahi-browse -rpt _udpchat._udp)
#   test/lab/avahi.sh stop NS
# Env: UCL_LAB_STATE (default /tmp/ucl-lab): where each namespace's bus socket, config and log live.
#
# Both processes run inside NS, so `lan.sh down` stops them too. avahi-daemon keeps its pid file in
# /run/avahi-daemon, one per machine; each daemon here gets a private /run/avahi-daemon (a tmpfs in
# its own mount namespace), so several lab hosts, or a machine's own avahi, do not collide.
set -euo pipefail
CMD="${1:-}"
NS="${2:-}"
[ -n "$NS" ] || { sed -n '2,14p' "$0"; exit 2; }
D="${UCL_LAB_STATE:-/tmp/ucl-lab}/avahi-$NS"
BUS="unix:path=$D/bus"

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
  local f
  for f in avahi.pid dbus.pid; do
    if pid_alive "$D/$f"; then kill "$(cat "$D/$f")" 2>/dev/null || true; fi
    rm -f "$D/$f"
  done
}

case "$CMD" in
  start)
    ip netns list | awk '{print $1}' | grep -qx "$NS" || { echo "avahi.sh: no namespace $NS" >&2; exit 1; }
    command -v avahi-daemon >/dev/null || { echo "avahi.sh: avahi-daemon is not installed (apt-get install -y avahi-daemon avahi-utils)" >&2; exit 1; }
    stop
    mkdir -p "$D"
    cat >"$D/avahi-daemon.conf" <<CONF
[server]
host-name=$NS
use-ipv4=yes
use-ipv6=yes
allow-interfaces=eth0
enable-dbus=yes
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
CONF
    rm -f "$D/bus" "$D/avahi.log"
    ip netns exec "$NS" dbus-daemon --config-file=/usr/share/dbus-1/system.conf --address="$BUS" \
      --fork --nopidfile --print-pid=1 >"$D/dbus.pid"
    for _ in $(seq 50); do [ -S "$D/bus" ] && break; sleep 0.1; done
    [ -S "$D/bus" ] || { echo "avahi.sh: the private D-Bus did not start" >&2; stop; exit 1; }
    # The daemon's own mount namespace: a private, empty /run/avahi-daemon for its pid file and socket.
    DBUS_SYSTEM_BUS_ADDRESS="$BUS" ip netns exec "$NS" unshare --mount --propagation private sh -c \
      'mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && exec avahi-daemon -f "$1" --no-drop-root --no-chroot --no-rlimits' \
      sh "$D/avahi-daemon.conf" >"$D/avahi.log" 2>&1 &
    echo $! >"$D/avahi.pid"
    for _ in $(seq 100); do
      grep -q 'Server startup complete' "$D/avahi.log" 2>/dev/null && break
      pid_alive "$D/avahi.pid" || break
      sleep 0.1
    done
    if ! grep -q 'Server startup complete' "$D/avahi.log" 2>/dev/null; then
      echo "avahi.sh: avahi-daemon did not start in $NS:" >&2; tail -20 "$D/avahi.log" >&2; stop; exit 1
    fi
    echo "DBUS_SYSTEM_BUS_ADDRESS=$BUS" ;;
  run)
    shift 2
    DBUS_SYSTEM_BUS_ADDRESS="$BUS" exec ip netns exec "$NS" "$@" ;;
  stop)
    stop
    echo "avahi stopped in $NS" ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
