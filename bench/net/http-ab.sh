#!/usr/bin/env bash
# Before/after comparison of two builds of apps/hello, in one run: wrk requests/s and the CPU
# time the serving process spent per request (QEMU for the guest, dotnet for the hosted build),
# alternating A and B each round so a shared machine's load hits both alike. CPU per request is
# the steadier figure there: throughput follows whatever else the cores are doing.
#   bench/net/http-ab.sh BASE_IMAGE BASE_HOSTED_DLL [rounds (4)] [seconds (5)] [connections (8)]
# B is this tree's build (artifacts/images/hello.elf, apps/hello/Hosted). Make A with e.g.
#   git worktree add /tmp/base main && (cd /tmp/base && dotnet build apps/hello -c Release && dotnet build apps/hello/Hosted -c Release)
# Traffic stays on 127.0.0.1 (hosted, slirp hostfwd).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -ge 2 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
A_IMAGE=$1 A_HOSTED=$2 ROUNDS=${3:-4} DURATION=${4:-5} CONNS=${5:-8}
B_IMAGE="$ROOT/artifacts/images/hello.elf"
B_HOSTED="$ROOT/apps/hello/Hosted/bin/Release/net10.0/hello-hosted.dll"
die() { echo "http-ab: $*" >&2; exit 1; }
for f in "$A_IMAGE" "$A_HOSTED" "$B_IMAGE" "$B_HOSTED"; do [ -f "$f" ] || die "missing $f"; done
command -v wrk >/dev/null || die "wrk is not installed: apt-get install wrk"
TCK=$(getconf CLK_TCK)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { local i; for ((i = 0; i < 1500; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done; return 1; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
measure() { # pid port -> "req/s cpu-us-per-request"
  wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$2/" >/dev/null # warm-up (JIT tiers, caches)
  local t0 t1 out n rps
  t0=$(ticks "$1"); out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$2/"); t1=$(ticks "$1")
  n=$(echo "$out" | awk '/requests in/ {print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "$rps $(python3 -c "print(round(($t1 - $t0) * 1e6 / $TCK / $n, 1))")"
}
run() { # kind image-or-dll
  local p log pid result
  p=$(free_port); log=$(mktemp)
  if [ "$1" = hosted ]; then dotnet "$2" "port=$p" >"$log" 2>&1 &
  else qemu-system-x86_64 -M microvm,x-option-roms=off,isa-serial=on,rtc=on -accel tcg -m 64M -smp 1 -nographic -nodefaults \
         -no-reboot -no-user-config -monitor none -display none -kernel "$2" -append "port=80" -serial "file:$log" \
         -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$p-:80" -device virtio-net-device,netdev=n0 >/dev/null 2>&1 &
  fi
  pid=$!; PIDS+=("$pid")
  wait_line "$log" "summoner: ready" || die "$2 not ready: $(cat "$log")"
  result=$(measure "$pid" "$p")
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
  echo "$result"
}
echo "== hello A/B: A $(stat -c %s "$A_IMAGE") bytes, B $(stat -c %s "$B_IMAGE") bytes (ratio $(python3 -c "print(round($(stat -c %s "$B_IMAGE") / $(stat -c %s "$A_IMAGE"), 2))")); wrk -t1 -c$CONNS -d${DURATION}s, $ROUNDS rounds"
results=$(mktemp)
for ((r = 1; r <= ROUNDS; r++)); do
  for kind in hosted guest; do
    if [ $kind = hosted ]; then a=$(run hosted "$A_HOSTED"); b=$(run hosted "$B_HOSTED"); else a=$(run guest "$A_IMAGE"); b=$(run guest "$B_IMAGE"); fi
    echo "round $r $kind: A $a  B $b   (req/s cpu-us/req)"
    echo "$kind $a $b" >>"$results"
  done
done
python3 - "$results" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
for kind in ("hosted", "guest"):
    r = [list(map(float, x[1:])) for x in rows if x[0] == kind]
    ra, ca, rb, cb = (st.median(c) for c in zip(*r))
    print(f"{kind}: median req/s A {ra:.0f} B {rb:.0f} (B/A {rb/ra:.2f}); CPU us/request A {ca:.1f} B {cb:.1f} (B/A {cb/ca:.2f})")
PY
rm -f "$results"
