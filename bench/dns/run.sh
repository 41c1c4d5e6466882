#!/usr/bin/env bash
# DNS benchmark: dnsperf against Summoner.Dns (bench/dns/DnsBench) and against NSD serving the same
# zone, both on loopback, in the same run. Prints queries/s for both and the ratio.
#   bench/dns/run.sh                 5 alternating rounds of 4 s per server, 4 clients, at most 1,000,000 qps asked
#   ROUNDS=5 DURATION=10 CLIENTS=4 MAX_QPS=500000 NSD_SERVERS=1 bench/dns/run.sh
# Needs: dnsperf, nsd, dig (Debian packages dnsperf nsd dnsutils), the .NET SDK; NSD must run as root here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-4}"
ROUNDS="${ROUNDS:-5}"
CLIENTS="${CLIENTS:-4}"
MAX_QPS="${MAX_QPS:-1000000}"
# A hard cap on queries sent: dnsperf passes over the query file at most this many times.
MAX_PASSES="${MAX_PASSES:-200000}"
# NSD gets as many server processes as we have UDP receive threads (one per core).
NSD_SERVERS="${NSD_SERVERS:-$(nproc)}"
OURS_ADDR=127.0.0.1
NSD_ADDR=127.0.0.2

die() { echo "bench/dns: $*" >&2; exit 1; }
for tool in dnsperf nsd dig dotnet; do
  command -v "$tool" >/dev/null || die "$tool is not installed: apt-get install dnsperf nsd dnsutils (dotnet: the .NET 10 SDK)"
done
[ "$(id -u)" -eq 0 ] || die "NSD is started as root without chroot for this benchmark: run as root"

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Hlnu "sport = :$port" | grep -q . && ! ss -Hlnt "sport = :$port" | grep -q .; then echo "$port"; return; fi
  done
  die "no free port found"
}

WORK="$(mktemp -d /tmp/summoner-dnsbench.XXXXXX)"
OURS_PID=""
NSD_PID=""
cleanup() {
  [ -n "$OURS_PID" ] && kill "$OURS_PID" 2>/dev/null && wait "$OURS_PID" 2>/dev/null || true
  [ -n "$NSD_PID" ] && kill "$NSD_PID" 2>/dev/null && wait "$NSD_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "building bench/dns/DnsBench ..."
dotnet build "$ROOT/bench/dns/DnsBench/DnsBench.csproj" -c Release -nologo -v:q -clp:NoSummary >/dev/null || die "build failed: dotnet build bench/dns/DnsBench -c Release"
BENCH_DLL="$ROOT/bench/dns/DnsBench/bin/Release/net10.0/DnsBench.dll"

dotnet "$BENCH_DLL" --print-zone > "$WORK/bench.test.zone"
OURS_PORT=$(free_port)
NSD_PORT=$(free_port)

cat > "$WORK/nsd.conf" <<CONF
server:
  server-count: $NSD_SERVERS
  ip-address: $NSD_ADDR@$NSD_PORT
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$WORK"
  pidfile: "$WORK/nsd.pid"
  database: ""
  zonelistfile: "$WORK/zone.list"
  xfrdfile: "$WORK/xfrd.state"
  logfile: "$WORK/nsd.log"
  verbosity: 0
  hide-version: yes
  # Response-rate limiting caps one source at ~200 qps: off, or dnsperf measures RRL, not NSD.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
  # Summoner.Dns sends no NS set with positive answers (as Knot); make NSD do the same work.
  minimal-responses: yes
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: "bench.test.zone"
CONF
nsd-checkconf "$WORK/nsd.conf" || die "nsd rejected the generated configuration ($WORK/nsd.conf)"

nsd -d -c "$WORK/nsd.conf" >"$WORK/nsd.out" 2>&1 &
NSD_PID=$!
dotnet "$BENCH_DLL" --listen "$OURS_ADDR:$OURS_PORT" >"$WORK/ours.out" 2>&1 &
OURS_PID=$!

wait_ready() { # addr port name
  for _ in $(seq 1 100); do
    if dig @"$1" -p "$2" www.bench.test A +short +time=1 +tries=1 2>/dev/null | grep -q 127.0.0.10; then return; fi
    sleep 0.1
  done
  die "$3 did not answer on $1:$2 (see $WORK)"
}
wait_ready "$OURS_ADDR" "$OURS_PORT" "Summoner.Dns"
wait_ready "$NSD_ADDR" "$NSD_PORT" "NSD"

# The query mix: 50 hosts, apex SOA/NS, AAAA, TXT, CNAME, a ready service name, NXDOMAIN and NODATA.
{
  for i in $(seq 1 50); do echo "host$i.bench.test A"; done
  printf '%s\n' "www.bench.test A" "www.bench.test AAAA" "hello.bench.test A" "alias.bench.test A" \
    "txt.bench.test TXT" "bench.test SOA" "bench.test NS" "nope.bench.test A" "www.bench.test MX"
} > "$WORK/queries.txt"

# Same answers from both before timing anything.
while read -r name type; do
  a=$(dig @"$OURS_ADDR" -p "$OURS_PORT" "$name" "$type" +noall +answer +authority +time=2 +tries=1 | sort)
  b=$(dig @"$NSD_ADDR" -p "$NSD_PORT" "$name" "$type" +noall +answer +authority +time=2 +tries=1 | sort)
  [ "$a" = "$b" ] || die "answers differ for $name $type:
Summoner.Dns:
$a
NSD:
$b"
done < "$WORK/queries.txt"
echo "both servers give identical answers to all $(wc -l < "$WORK/queries.txt") benchmark queries"

run_dnsperf() { # addr port label round
  local out="$WORK/dnsperf-$3-$4.txt"
  dnsperf -s "$1" -p "$2" -d "$WORK/queries.txt" -c "$CLIENTS" -l "$DURATION" -Q "$MAX_QPS" -n "$MAX_PASSES" -t 2 >"$out" 2>&1 \
    || die "dnsperf against $3 failed: $(cat "$out")"
  local qps lost latency
  qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$out")
  lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$out")
  latency=$(sed -n 's/.*Average Latency (s): *\([0-9.]*\).*/\1/p' "$out")
  awk -v l="$3" -v r="$4" -v q="$qps" -v lost="$lost" -v lat="$latency" \
    'BEGIN { printf "  round %s  %-13s %10.0f queries/s   lost %s   avg latency %.3f ms\n", r, l, q, lost, lat * 1000 }' >&2
  echo "$qps"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Rounds alternate the two servers so background load on a shared machine hits both alike.
echo "NSD server-count: $NSD_SERVERS; dnsperf: $CLIENTS clients, $ROUNDS rounds of ${DURATION} s per server, at most $MAX_QPS qps asked, at most $MAX_PASSES passes over the query file"
: > "$WORK/ours.qps"
: > "$WORK/nsd.qps"
for round in $(seq 1 "$ROUNDS"); do
  run_dnsperf "$OURS_ADDR" "$OURS_PORT" "Summoner.Dns" "$round" >> "$WORK/ours.qps"
  run_dnsperf "$NSD_ADDR" "$NSD_PORT" "NSD" "$round" >> "$WORK/nsd.qps"
done
OURS_QPS=$(median < "$WORK/ours.qps")
NSD_QPS=$(median < "$WORK/nsd.qps")
awk -v o="$OURS_QPS" -v n="$NSD_QPS" 'BEGIN {
  printf "median Summoner.Dns: %.0f queries/s\n", o
  printf "median NSD:          %.0f queries/s\n", n
  printf "ratio Summoner.Dns / NSD: %.2f\n", o / n }'
