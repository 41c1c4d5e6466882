#!/usr/bin/env bash
# hello, two builds side by side, hosted (dotnet) or as guests (QEMU, TCG, slirp): the CPU time each
# serving process spends per request over a fixed number of requests (h2load --h1, keep-alive),
# rounds alternating A and B, medians of the per-round B/A ratios. A fixed count, not a fixed time
# (as bench/net/http-ab.sh), so CPU per request does not depend on how many requests a busy machine
# let through; throughput is printed too, but follows the machine.
#   bench/net/count-ab.sh hosted BASE_HOSTED_DLL [rounds (8)] [requests per round (40000)] [connections (8)]
#   bench/net/count-ab.sh guest BASE_IMAGE [rounds (8)] [requests per round (10000)] [connections (8)]
# B is this tree's build (apps/hello/Hosted, artifacts/images/hello.elf). Traffic stays on 127.0.0.1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 2 ] || usage
KIND=$1 A_BUILD=$2 ROUNDS=${3:-8} CONNS=${5:-8}
case "$KIND" in
  hosted) B_BUILD="$ROOT/apps/hello/Hosted/bin/Release/net10.0/hello-hosted.dll" N=${4:-40000} ;;
  guest) B_BUILD="$ROOT/artifacts/images/hello.elf" N=${4:-10000} ;;
  *) usage ;;
esac
die() { echo "count-ab: $*" >&2; exit 1; }
for f in "$A_BUILD" "$B_BUILD"; do [ -f "$f" ] || die "missing $f"; done
command -v h2load >/dev/null || die "h2load is not installed: apt-get install nghttp2-client"
TCK=$(getconf CLK_TCK)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
start() { # build port -> pid in PIDS
  if [ "$KIND" = hosted ]; then dotnet "$1" "port=$2" >/dev/null 2>&1 &
  else qemu-system-x86_64 -M microvm,x-option-roms=off,isa-serial=on,rtc=on -accel tcg -m 64M -smp 1 -nographic -nodefaults \
         -no-reboot -no-user-config -monitor none -display none -kernel "$1" -append "port=80" -serial null \
         -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$2-:80" -device virtio-net-device,netdev=n0 >/dev/null 2>&1 &
  fi
  PIDS+=($!)
  local i; for ((i = 0; i < 500; i++)); do curl -s -o /dev/null "http://127.0.0.1:$2/" && break; sleep 0.02; done
}
PA_PORT=$(free_port); start "$A_BUILD" "$PA_PORT"; PA=${PIDS[-1]}
PB_PORT=$(free_port); start "$B_BUILD" "$PB_PORT"; PB=${PIDS[-1]}
# Warm-up: the JIT's tiers (hosted), TCG's translations (guest).
for port in "$PA_PORT" "$PB_PORT"; do h2load --h1 -n $((N / 2)) -c "$CONNS" -t 1 "http://127.0.0.1:$port/" >/dev/null; done
echo "== $KIND hello A/B: h2load --h1 -n $N -c $CONNS, $ROUNDS rounds (req/s, CPU us/request)"
RESULTS=$(mktemp)
for ((r = 1; r <= ROUNDS; r++)); do
  line="round $r:"
  for v in A B; do
    if [ $v = A ]; then pid=$PA port=$PA_PORT; else pid=$PB port=$PB_PORT; fi
    t0=$(ticks "$pid"); out=$(h2load --h1 -n "$N" -c "$CONNS" -t 1 "http://127.0.0.1:$port/"); t1=$(ticks "$pid")
    echo "$out" | grep -q "$N succeeded" || die "not all $N requests to $v succeeded"
    rps=$(echo "$out" | awk '/^finished in/ {print $4}')
    cpu=$(python3 -c "print(round(($t1 - $t0) * 1e6 / $TCK / $N, 2))")
    echo "$r $v $rps $cpu" >>"$RESULTS"
    line="$line $v $rps $cpu "
  done
  echo "$line"
done
python3 - "$RESULTS" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
a = {r[0]: r for r in rows if r[1] == "A"}; b = {r[0]: r for r in rows if r[1] == "B"}
rps = [float(b[k][2]) / float(a[k][2]) for k in a]; cpu = [float(b[k][3]) / float(a[k][3]) for k in a]
print(f"B/A, medians of per-round ratios: req/s {statistics.median(rps):.3f}, CPU per request {statistics.median(cpu):.3f}")
PY
rm -f "$RESULTS"
