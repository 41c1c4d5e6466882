#!/usr/bin/env bash
# Guest instructions per request of a hello image under TCG, by function: deterministic, unlike
# req/s or CPU time on a shared machine. Boots IMAGE twice with a counting TCG plugin (insn.c),
# sends 1,000 then 11,000 keep-alive GET / (h2load --h1, 8 connections), and prints the
# difference per request: the total, then the top functions (symbols from SYMBOLS, an unstripped
# ELF with the same layout, e.g. apps/hello/obj/Release/net10.0/guest/hello.pass1.elf).
#   bench/net/insn/profile.sh IMAGE SYMBOLS [top (40)]
# Traffic stays on 127.0.0.1 (slirp hostfwd).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 2 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
IMG=$1 SYMS=$2 TOP=${3:-40}
for t in gcc h2load qemu-system-x86_64 nm; do command -v $t >/dev/null || { echo "profile: $t is missing" >&2; exit 1; }; done
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
gcc -O2 -shared -fPIC -fvisibility=hidden -o "$WORK/libinsn.so" "$HERE/insn.c"
run() { # requests out
  local p log q
  p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'); log="$WORK/console.$1"
  qemu-system-x86_64 -M microvm,x-option-roms=off,isa-serial=on,rtc=off -accel tcg -m 64M -smp 1 -nographic -nodefaults \
    -no-reboot -no-user-config -monitor none -display none -kernel "$IMG" -append "port=80" -serial "file:$log" \
    -plugin "$WORK/libinsn.so,out=$2" \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$p-:80" -device virtio-net-device,netdev=n0 >/dev/null 2>&1 &
  q=$!
  for _ in $(seq 1 1500); do grep -q "summoner: ready" "$log" 2>/dev/null && break; sleep 0.02; done
  h2load --h1 -n "$1" -c 8 -t 1 "http://127.0.0.1:$p/" | grep -q "$1 succeeded" || { echo "profile: not all $1 requests succeeded" >&2; kill $q; exit 1; }
  kill $q; wait $q 2>/dev/null || true
}
run 1000 "$WORK/small"; run 11000 "$WORK/big"
python3 - "$SYMS" "$WORK/small" "$WORK/big" 10000 "$TOP" <<'PY'
import sys, subprocess, bisect, collections
elf, a, b, n, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
syms = []
for line in subprocess.run(["nm", "-n", "--defined-only", elf], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 3 and p[1] in "tTwW": syms.append((int(p[0], 16), p[2]))
addrs = [s[0] for s in syms]
def load(f):
    d = collections.Counter()
    for line in open(f):
        pc, ni, c = line.split(); pc = int(pc, 16)
        i = bisect.bisect_right(addrs, pc) - 1
        d[syms[i][1] if i >= 0 else hex(pc)] += int(ni) * int(c)
    return d
A, B = load(a), load(b)
print(f"guest instructions per request: {(sum(B.values()) - sum(A.values())) / n:.0f}")
for k, v in collections.Counter({k: B[k] - A.get(k, 0) for k in B}).most_common(top):
    print(f"{v / n:9.1f} {k}")
PY
