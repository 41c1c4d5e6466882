#!/usr/bin/env bash
# apps/hello under attack, a baseline image against the current one in the same run:
#   bench/net/attacks.sh BASELINE.elf [wrk-seconds (5)] [wrk-connections (50)] [wrk-rounds (3)]
# BASELINE.elf is a hello image built from the commit to compare with (check it out in a git
# worktree, ./summoner build, copy artifacts/images/hello.elf). For each image it prints:
#   - wrk req/s and QEMU CPU time per request through slirp and through a tap (both guests up,
#     wrk alternating between them; medians of the per-round ratios),
#   - a spoofed SYN flood at the guest's own stack (tap): hping3, 20,000 SYNs at 1,000/s; the
#     fraction of curls (one a second, 5 s each) served during it, and a curl right after it (1 s),
#   - slowloris (slowhttptest, 500 connections, a header line every 10 s, 30 s) in both network
#     modes: the fraction of curls (one a second, 5 s each) served during it.
# WRK_ONLY=1 skips the attacks (for more wrk rounds). Traffic stays on loopback or inside a network
# namespace this script creates and removes. Needs root.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASELINE="${1:-}"
DURATION="${2:-5}"
CONNS="${3:-50}"
ROUNDS="${4:-3}"
CURRENT="$ROOT/artifacts/images/hello.elf"
NS="knetattack$$"
GUESTS=$(mktemp) # QEMU pids, written from the subshells that boot guests
die() { echo "attacks: $*" >&2; exit 1; }
cleanup() {
  local p
  for p in $(cat "$GUESTS"); do kill "$p" 2>/dev/null || true; done
  rm -f "$GUESTS"
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
[ -n "$BASELINE" ] && [ -f "$BASELINE" ] || die "usage: bench/net/attacks.sh BASELINE.elf [wrk-seconds] [wrk-connections] [rounds] (a hello image to compare with)"
[ -f "$CURRENT" ] || die "missing $CURRENT: run ./summoner build"
[ "$(id -u)" -eq 0 ] || die "needs root (ip netns, hping3)"
for t in wrk hping3 slowhttptest curl; do command -v "$t" >/dev/null || die "$t is not installed: ./summoner setup"; done

# shellcheck source=bench/net/guest.sh
. "$ROOT/bench/net/guest.sh"
QEMU=("${GUEST_QEMU[@]}" -m 128M)
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
in_ns ip link set lo up
in_ns ip link add br0 type bridge
in_ns ip addr add 10.77.0.1/24 dev br0
in_ns ip link set br0 up

# Sets GUEST (QEMU's pid) and URL; MODE is slirp or tap; SLOT (0, 1) picks the tap and address.
boot() { # image mode [slot]
  local log; log=$(mktemp)
  local slot="${3:-0}"
  local tap="katap$slot" ip="10.77.0.$((2 + slot))"
  if [ "$2" = slirp ]; then
    local port; port=$(free_port)
    "${QEMU[@]}" -kernel "$1" -append "port=80" -serial "file:$log" \
      -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80" -device virtio-net-device,netdev=n0 >/dev/null 2>&1 &
    GUEST=$!
    URL="http://127.0.0.1:$port/"
  else
    # ip netns exec execs QEMU, so $! is QEMU itself (a shell function would put a subshell in between).
    ip netns exec "$NS" "${QEMU[@]}" -kernel "$1" -append "ip=$ip/24 gw=10.77.0.1 port=80" -serial "file:$log" \
      -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "virtio-net-device,netdev=n0,mac=52:54:00:77:00:0$((2 + slot))" >/dev/null 2>&1 &
    GUEST=$!
    local i
    for ((i = 0; i < 500; i++)); do in_ns ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.02; done
    in_ns ip link set "$tap" master br0
    in_ns ip link set "$tap" up
    URL="http://$ip/"
  fi
  echo "$GUEST" >>"$GUESTS"
  wait_line "$log" "summoner: ready" 60 || die "guest not ready: $(cat "$log")"
  rm -f "$log"
}
halt() { kill "$GUEST" 2>/dev/null || true; wait "$GUEST" 2>/dev/null || true; sleep 0.3; }
run() { if [ "$1" = tap ]; then shift; in_ns "$@"; else shift; "$@"; fi; }

# Curls once a second while process $2 lives; prints "served/total".
served_while() { # mode pid
  local out; out=$(mktemp)
  while kill -0 "$2" 2>/dev/null; do
    (run "$1" curl -s -o /dev/null --max-time 5 -w '%{http_code}\n' "$URL" >>"$out" || true) &
    sleep 1
  done
  wait
  echo "$(grep -c '^200$' "$out" || true)/$(wc -l <"$out")"
  rm -f "$out"
}

syn_flood() { # image
  boot "$1" tap
  in_ns timeout 40 hping3 -q -S -p 80 --rand-source -i u1000 -c 20000 10.77.0.2 >/dev/null 2>&1 &
  local flood=$!
  sleep 2
  local during; during=$(served_while tap "$flood")
  local after; after=$(in_ns curl -s -o /dev/null --max-time 1 -w '%{http_code}' "$URL" || true)
  echo "during $during, right after: ${after:-none}"
  halt
}

slowloris() { # image mode
  boot "$1" "$2"
  run "$2" timeout 45 slowhttptest -H -c 500 -i 10 -r 100 -l 30 -x 24 -p 3 -u "$URL" >/dev/null 2>&1 &
  local attack=$!
  sleep 5
  echo "during $(served_while "$2" "$attack")"
  halt
}

echo "== apps/hello under attack: baseline $(basename "$BASELINE") ($(stat -c %s "$BASELINE") bytes) vs current ($(stat -c %s "$CURRENT") bytes)"
echo "host load average at start: $(cut -d" " -f1-3 /proc/loadavg); wrk -t1 -c$CONNS -d${DURATION}s, $ROUNDS rounds"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time of a process, in clock ticks
# One wrk run against guest $2 (QEMU pid $3); prints "req/s QEMU-CPU-microseconds-per-request".
measure() { # mode url pid
  local before after out
  before=$(cpu_ticks "$3")
  out=$(run "$1" wrk -t1 -c"$CONNS" -d"${DURATION}s" "$2")
  after=$(cpu_ticks "$3")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
    / requests in / {n = $1} /Requests\/sec/ {r = $2}
    END {printf "%s %.1f\n", r, ticks * 1e6 / hz / n}' <<<"$out"
}

# Both guests run side by side and wrk alternates between them. On a shared, loaded host req/s
# swings by 2-3x from one run to the next; the CPU time QEMU spends per request (TCG runs the
# guest on one host thread) is the steadier cost measure, so both are printed, each as the median
# over the rounds of the current/baseline ratio.
for mode in slirp tap; do
  boot "$BASELINE" "$mode" 0; base_pid=$GUEST; base_url=$URL
  boot "$CURRENT" "$mode" 1; cur_pid=$GUEST; cur_url=$URL
  base=(); cur=()
  for ((r = 0; r < ROUNDS; r++)); do
    base+=("$(measure "$mode" "$base_url" "$base_pid")")
    cur+=("$(measure "$mode" "$cur_url" "$cur_pid")")
  done
  GUEST=$base_pid; halt
  GUEST=$cur_pid; halt
  python3 - "$mode" "$(printf '%s\n' "${base[@]}")" "$(printf '%s\n' "${cur[@]}")" <<'PY'
import statistics, sys
mode = sys.argv[1]
b = [tuple(map(float, l.split())) for l in sys.argv[2].splitlines()]
c = [tuple(map(float, l.split())) for l in sys.argv[3].splitlines()]
rps = statistics.median([y[0] / x[0] for x, y in zip(b, c)])
cpu = statistics.median([y[1] / x[1] for x, y in zip(b, c)])
print("wrk %-5s req/s baseline %s; current %s" % (mode, " ".join("%.0f" % x[0] for x in b), " ".join("%.0f" % x[0] for x in c)))
print("          QEMU CPU us/request baseline %s; current %s" % (" ".join("%.1f" % x[1] for x in b), " ".join("%.1f" % x[1] for x in c)))
print("          current/baseline (median of per-round ratios): req/s %.3f, CPU per request %.3f" % (rps, cpu))
PY
done
[ "${WRK_ONLY:-0}" = 1 ] && exit 0
echo "SYN flood (tap)        baseline: $(syn_flood "$BASELINE")"
echo "SYN flood (tap)        current:  $(syn_flood "$CURRENT")"
for mode in slirp tap; do
  echo "slowloris ($mode)$( [ $mode = tap ] && echo '  ' || echo '')  baseline: $(slowloris "$BASELINE" "$mode")"
  echo "slowloris ($mode)$( [ $mode = tap ] && echo '  ' || echo '')  current:  $(slowloris "$CURRENT" "$mode")"
done
