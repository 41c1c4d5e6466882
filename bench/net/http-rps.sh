#!/usr/bin/env bash
# HTTP requests/s of apps/hello as a unikernel (TCG, virtio-net) and as a hosted process, measured
# in the same run with the same wrk settings, plus the image size and boot-to-ready times.
#   bench/net/http-rps.sh [seconds-per-wrk-run (default 5)] [connections (default 8)]
# Traffic stays on loopback (hosted, slirp hostfwd) or inside a network namespace this script
# creates and removes (tap + bridge). Needs root for the namespace part; prints what it skips.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${1:-5}"
CONNS="${2:-8}"
IMAGE="$ROOT/artifacts/images/hello.elf"
HOSTED="$ROOT/apps/hello/Hosted/bin/Release/net10.0/hello-hosted.dll"
NS="knetbench$$"
PIDS=()
die() { echo "http-rps: $*" >&2; exit 1; }
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
[ -f "$IMAGE" ] || die "missing $IMAGE: run ./summoner build"
[ -f "$HOSTED" ] || die "missing $HOSTED: run dotnet build apps/hello/Hosted -c Release"
command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"

# shellcheck source=bench/net/guest.sh
. "$ROOT/bench/net/guest.sh"
rps() { "$@" | awk '/Requests\/sec/ {print $2}'; }
QEMU=("${GUEST_QEMU[@]}" -m 64M -kernel "$IMAGE")

echo "== apps/hello: image $(stat -c %s "$IMAGE") bytes ($(basename "$IMAGE")), wrk -t1 -c$CONNS -d${DURATION}s"

# Boot to ready: launch of QEMU to the readiness line (wall clock) and the guest's own figure.
boots=()
for i in 1 2 3 4 5; do
  log=$(mktemp)
  port=$(free_port)
  start=$(date +%s%N)
  "${QEMU[@]}" -append "port=80" -serial "file:$log" -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-device,netdev=n0 &
  qpid=$!
  wait_line "$log" "summoner: ready" 30 || die "guest not ready: $(cat "$log")"
  end=$(date +%s%N)
  boots+=("$(( (end - start) / 1000 ))us $(grep -o 'ready tcp/80 in [0-9.]* ms' "$log" | awk '{print $4}')ms")
  kill "$qpid"; wait "$qpid" 2>/dev/null || true
  rm -f "$log"
done
echo "boot (launch->ready line, wall clock / guest's own kernel-entry->ready):"
printf '  %s\n' "${boots[@]}"

# Hosted process on 127.0.0.1.
port=$(free_port)
log=$(mktemp)
dotnet "$HOSTED" "port=$port" >"$log" 2>&1 &
PIDS+=($!)
wait_line "$log" "summoner: ready" 30 || die "hosted hello not ready: $(cat "$log")"
hosted=$(rps wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port/")
echo "hosted (System.Net.Sockets, 127.0.0.1):      ${hosted} req/s"

# Guest through slirp (QEMU user networking, hostfwd on 127.0.0.1).
port=$(free_port)
log=$(mktemp)
"${QEMU[@]}" -append "port=80" -serial "file:$log" -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-device,netdev=n0 &
PIDS+=($!)
wait_line "$log" "summoner: ready" 30 || die "guest not ready: $(cat "$log")"
slirp=$(rps wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port/")
echo "guest via slirp (TCG, 127.0.0.1 hostfwd):     ${slirp} req/s"

# Guest on a tap in a namespace of our own, wrk inside it.
tap="n/a"
if [ "$(id -u)" -eq 0 ]; then
  ip netns add "$NS"
  ip netns exec "$NS" ip link set lo up
  ip netns exec "$NS" ip link add br0 type bridge
  ip netns exec "$NS" ip addr add 10.79.0.1/24 dev br0
  ip netns exec "$NS" ip link set br0 up
  log=$(mktemp)
  ip netns exec "$NS" "${QEMU[@]}" -append "ip=10.79.0.2/24 gw=10.79.0.1 port=80" -serial "file:$log" -netdev tap,id=n0,ifname=kbtap0,script=no,downscript=no -device virtio-net-device,netdev=n0 &
  PIDS+=($!)
  for ((i = 0; i < 500; i++)); do ip netns exec "$NS" ip link show kbtap0 >/dev/null 2>&1 && break; sleep 0.02; done
  ip netns exec "$NS" ip link set kbtap0 master br0
  ip netns exec "$NS" ip link set kbtap0 up
  wait_line "$log" "summoner: ready" 30 || die "guest not ready: $(cat "$log")"
  tap=$(rps ip netns exec "$NS" wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://10.79.0.2/")
  echo "guest via tap+bridge (TCG, in netns):         ${tap} req/s"
else
  echo "guest via tap+bridge: skipped (needs root for ip netns)"
fi
python3 - "$hosted" "$slirp" "$tap" <<'PY'
import sys
h, s, t = sys.argv[1:]
print("ratio guest/hosted: slirp %.2f" % (float(s) / float(h)) + ("" if t == "n/a" else ", tap %.2f" % (float(t) / float(h))))
PY
