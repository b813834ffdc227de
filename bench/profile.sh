#!/usr/bin/env bash
# Where Caravan's CPU goes per request: a CPU profile (async-profiler, from Maven Central) of the gateway as
# ./mvnw spring-boot:run starts it (launch JVM options, request log on) at c=64 against nginx's fixed answer,
# after WARM seconds of the same load. Prints the share of CPU by stage of a request and by library.
# Usage: bash bench/profile.sh   (WARM, PROF, JAVA, BASE_PORT; ~1.5 min; writes bench/results/profile.txt)
set -euo pipefail

JAVA=${JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx256m -Xss512k}  # as ./mvnw spring-boot:run (pom.xml)
WARM=${WARM:-60}                 # seconds of load before profiling (the JIT's warm-up)
PROF=${PROF:-20}                 # seconds profiled
BASE_PORT=${BASE_PORT:-19200}
PROFILER_VERSION=4.1

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
TMP=$(mktemp -d /tmp/caravan-profile.XXXXXX)
UPSTREAM_PORT=$((BASE_PORT + 1)) GATEWAY_PORT=$((BASE_PORT + 5))
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

command -v nginx >/dev/null && command -v wrk >/dev/null || { log "installing nginx-light and wrk";
    sudo=; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y nginx-light wrk >/dev/null; }
JAR=${JAR:-$ROOT/target/caravan.jar}  # or an extracted application's caravan.jar
[ -f "$JAR" ] || (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
PROFILER_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$PROFILER_VERSION/async-profiler-$PROFILER_VERSION.jar
[ -f "$PROFILER_JAR" ] || (cd "$ROOT" && ./mvnw -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$PROFILER_VERSION)
unzip -q -o "$PROFILER_JAR" 'linux-x64/libasyncProfiler.so' -d "$TMP"
AGENT=$TMP/linux-x64/libasyncProfiler.so

# the non-streaming fake of bench/run.sh: nginx's fixed chat.completion
mkdir -p "$TMP/nginx/tmp"
sed -e "s|@PREFIX@|$TMP/nginx|g" -e "s|@WORKERS@|1|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
    -e "s|@PROXY_PORT@|$((BASE_PORT + 2))|g" -e "s|@SSE_PORT@|$((BASE_PORT + 3))|g" \
    -e "s|@SSE_PROXY_PORT@|$((BASE_PORT + 4))|g" "$BENCH/nginx.conf.template" >"$TMP/nginx/nginx.conf"
nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -e "$TMP/nginx/error.log" &
PIDS+=($!)

cd "$ROOT"
CARAVAN_HOST=127.0.0.1 CARAVAN_PORT=$GATEWAY_PORT CARAVAN_API_KEY=bench-key CARAVAN_DEMO_ENABLED=false \
    OPENAI_API_KEY=bench OPENAI_BASE_URL=http://127.0.0.1:$UPSTREAM_PORT/v1 \
    MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 \
    "$JAVA" $JAVA_OPTS -XX:+EnableDynamicAgentLoading -jar "$JAR" >"$TMP/gateway.log" 2>&1 &
GATEWAY=$!
PIDS+=($GATEWAY)
for _ in $(seq 300); do curl -sf "127.0.0.1:$GATEWAY_PORT/ready" >/dev/null && break; sleep 0.1; done
curl -sf "127.0.0.1:$GATEWAY_PORT/ready" >/dev/null || { tail -20 "$TMP/gateway.log"; exit 1; }

load() { BENCH_KEY=bench-key wrk -t2 -c64 -d"$1s" -s "$BENCH/chat.lua" "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions"; }
jcmd_agent() { "$(dirname "$(readlink -f "$JAVA")")/jcmd" "$GATEWAY" JVMTI.agent_load "$AGENT" "\"$1\"" >/dev/null; }
ticks() { awk '{print $14 + $15}' "/proc/$GATEWAY/stat"; }

log "warm-up: ${WARM}s at c=64"
load "$WARM" >/dev/null
jcmd_agent "start,event=cpu,interval=1ms"
before=$(ticks)
log "profiling: ${PROF}s at c=64"
load "$PROF" >"$TMP/wrk.txt"
after=$(ticks)
jcmd_agent "stop,file=$TMP/profile.collapsed,collapsed"
requests=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$TMP/wrk.txt")
rps=$(sed -n 's/^BENCH .* rps=\([0-9.]*\).*/\1/p' "$TMP/wrk.txt")
cpu_us=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')

mkdir -p "$BENCH/results"
{
    echo "Caravan CPU profile  $(date -u '+%F %T') UTC  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "machine: $(nproc) x $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
    echo "$("$JAVA" -version 2>&1 | sed -n 2p); $JAVA_OPTS; request log on"
    echo "wrk c=64 against nginx's fixed answer: ${WARM}s warm-up, then ${PROF}s profiled (async-profiler $PROFILER_VERSION, cpu, 1 ms)"
    echo "profiled run: $rps requests/s, gateway CPU $cpu_us us/request (the profiler's own cost included)"
    echo
    python3 "$BENCH/profile_report.py" "$TMP/profile.collapsed" "$cpu_us"
    mkdir -p "$BENCH/results/logs" && cp "$TMP/profile.collapsed" "$BENCH/results/logs/profile.collapsed"
} | tee "$BENCH/results/profile.txt"
