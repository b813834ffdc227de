#!/usr/bin/env bash
# Caravan benchmark: direct vs nginx vs Caravan against local fake upstreams, in one run.
# Usage: bash bench/run.sh   (see bench/README.md; every setting below can be overridden by env var)
#        ONLY=stream bash bench/run.sh   the sequential streaming part alone (~1-2 min per JDK)
set -euo pipefail

JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx256m -Xss512k}  # as ./mvnw spring-boot:run (pom.xml)
DURATION=${DURATION:-10}            # seconds per measured wrk run
CURVE=${CURVE:-6}                   # 10 s windows of wrk load at c=64 on Caravan right after it is ready (cold start)
WINDOW=${WINDOW:-10}                # seconds per window of that curve
BASELINE_WARMUP=${BASELINE_WARMUP:-3}  # seconds of wrk load on direct/nginx before measuring
ONLY=${ONLY:-all}                   # all | stream: only the sequential streams (no wrk, fat jar, held streams)
STREAM_REQUESTS=${STREAM_REQUESTS:-100}  # sequential streaming requests per target
STREAM_WARMUP=${STREAM_WARMUP:-30}  # unmeasured streaming requests before those, per target and protocol
STREAM_PROTOCOLS=${STREAM_PROTOCOLS:-chat responses messages}  # the gateway's streams; direct/nginx: chat
APP_DIR=${APP_DIR:-}                # an already extracted application (caravan.jar + lib/): no build, no fat jar
STREAMS=${STREAMS:-2000}            # concurrent open streams for the memory test
HOLD_WAIT=${HOLD_WAIT:-20}          # seconds to wait for all of them to get their first event
NGINX_WORKERS=${NGINX_WORKERS:-1}   # 1: nginx (fake upstream + proxy) takes one core, wrk and the gateway the rest
JAVA17=${JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
SKIP_JDK25=${SKIP_JDK25:-0}
BASE_PORT=${BASE_PORT:-19100}
case $ONLY in all | stream) ;; *) echo "ONLY must be all or stream, not '$ONLY'" >&2; exit 2 ;; esac
for protocol in $STREAM_PROTOCOLS; do
    case $protocol in chat | responses | messages) ;; *) echo "unknown protocol '$protocol' in STREAM_PROTOCOLS" >&2; exit 2 ;; esac
done

UPSTREAM_PORT=$((BASE_PORT + 1))   # nginx: fixed chat.completion
PROXY_PORT=$((BASE_PORT + 2))      # nginx: reverse proxy -> UPSTREAM_PORT
SSE_PORT=$((BASE_PORT + 3))        # python: SSE fake
SSE_PROXY_PORT=$((BASE_PORT + 4))  # nginx: reverse proxy -> SSE_PORT, unbuffered
GATEWAY_PORT=$((BASE_PORT + 5))    # Caravan
NODE_PORT=$((BASE_PORT + 6))       # node: a provider-like fake (chat completion built per request, keep-alive)
KEY=bench-key
URL_PATH=/v1/chat/completions

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/results
LOGS=$OUT/logs
TMP=$(mktemp -d /tmp/caravan-bench.XXXXXX)
RESULTS=$LOGS/results.txt           # key=value lines, turned into the report by report.py
REPORT=$OUT/latest.txt              # the full run's report; a partial run writes its own file
[ "$ONLY" = all ] || REPORT=$OUT/stream-protocols.txt
PIDS=()
STARTED=$(date +%s)

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

stop_pid() { # pid [seconds to wait before SIGKILL]; sets STOPPED to how it ended
    local pid=$1 wait=${2:-10} i
    STOPPED="not running"
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < wait * 10; i++)); do
        if ! alive "$pid"; then
            wait "$pid" 2>/dev/null || true
            STOPPED="exited $((i / 10)).$((i % 10)) s after SIGTERM"
            return 0
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    STOPPED="still running ${wait} s after SIGTERM, killed"
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid" 5; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() { echo "$1=$2" >>"$RESULTS"; }

# --- prerequisites --------------------------------------------------------------------------------
export PATH=$PATH:/usr/sbin:/sbin
if ! command -v nginx >/dev/null || { [ "$ONLY" = all ] && ! command -v wrk >/dev/null; }; then
    log "installing nginx-light and wrk"
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y nginx-light wrk >/dev/null
fi
command -v python3 >/dev/null || die "python3 is required"
[ -x "$JAVA17" ] || JAVA17=$(command -v java) || die "no java found"
JAVAS=(17:"$JAVA17")
if [ "$SKIP_JDK25" != 1 ] && [ -x "$JAVA25" ]; then JAVAS+=(25:"$JAVA25"); fi
# the jar must match routes/*.yaml, which are read at run time: (re)build when missing or older than the sources
JAR=$ROOT/target/caravan.jar
if [ -n "$APP_DIR" ]; then
    [ -f "$APP_DIR/caravan.jar" ] && [ -d "$APP_DIR/lib" ] || die "APP_DIR=$APP_DIR has no caravan.jar and lib/"
elif [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]; then
    log "building target/caravan.jar"
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((STREAMS * 3 + 1000)) ] \
    || die "open files limit $(ulimit -n) is too low for $STREAMS streams"
for port in $UPSTREAM_PORT $PROXY_PORT $SSE_PORT $SSE_PROXY_PORT $GATEWAY_PORT; do
    python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null \
        || die "port $port is in use (set BASE_PORT)"
done
mkdir -p "$OUT" "$LOGS" "$TMP/nginx/tmp"
rm -f "$LOGS"/*
# a copy: a build running meanwhile in target/ does not change the jar under this run
[ -n "$APP_DIR" ] || { cp "$JAR" "$TMP/caravan.jar" && JAR=$TMP/caravan.jar; }

{
    echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
    echo "cpu=$(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "java_opts=$JAVA_OPTS"
    echo "window_s=$WINDOW"
    if [ "$ONLY" = all ]; then
        echo "settings=wrk -t2 --latency; Caravan from a cold start: $CURVE windows of ${WINDOW}s at c=64 from ready, then ${DURATION}s runs at c=16 and c=64 (steady state); ${BASELINE_WARMUP}s direct/nginx warm-up; nginx worker_processes $NGINX_WORKERS; $STREAM_REQUESTS sequential streams; $STREAMS held streams"
    else
        echo "settings=ONLY=$ONLY: sequential streams alone, no wrk load or warm-up before them; nginx worker_processes $NGINX_WORKERS; $STREAM_REQUESTS sequential streams"
    fi
    echo "only=$ONLY"
    echo "stream_settings=$STREAM_WARMUP unmeasured + $STREAM_REQUESTS measured sequential streams per target and protocol; gateway protocols: $STREAM_PROTOCOLS"
    [ -z "$APP_DIR" ] || echo "app=APP_DIR $APP_DIR (not built from this tree by run.sh; no fat jar)"
    echo "nginx=$(nginx -v 2>&1 | cut -d/ -f2)"
    echo "wrk=$(wrk --version 2>&1 | head -1 | cut -d' ' -f2)"
} >>"$RESULTS"

# --- fake upstreams and nginx ---------------------------------------------------------------------
sed -e "s|@PREFIX@|$TMP/nginx|g" -e "s|@WORKERS@|$NGINX_WORKERS|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" \
    -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@SSE_PORT@|$SSE_PORT|g" -e "s|@SSE_PROXY_PORT@|$SSE_PROXY_PORT|g" \
    "$BENCH/nginx.conf.template" >"$TMP/nginx/nginx.conf"
nginx -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -e "$TMP/nginx/error.log" || die "nginx config test failed"
nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -e "$TMP/nginx/error.log" 2>>"$LOGS/nginx.log" &
PIDS+=($!)
python3 "$BENCH/sse_upstream.py" --port "$SSE_PORT" --max-seconds 1200 >"$LOGS/sse_upstream.log" 2>&1 &
PIDS+=($!)
NODE_PID=
if [ "$ONLY" = all ]; then
    command -v node >/dev/null || die "node is needed for the Node fake upstream"
    node "$BENCH/node_upstream.js" "$NODE_PORT" >"$LOGS/node_upstream.log" 2>&1 &
    NODE_PID=$!
    PIDS+=($NODE_PID)
fi

for port in $UPSTREAM_PORT $PROXY_PORT $SSE_PORT $SSE_PROXY_PORT ${NODE_PID:+$NODE_PORT}; do
    python3 "$BENCH/stream_client.py" ready --port "$port" --path /stats --timeout 10 >/dev/null \
        || die "nothing answers 200 on port $port"
done

# --- measurements ---------------------------------------------------------------------------------
cpu_ticks() { # utime + stime, in clock ticks
    [ -r "/proc/$1/stat" ] || die "process $1 has gone (a gateway log is in $LOGS)"
    awk '{print $14 + $15}' "/proc/$1/stat"
}
rss_mb() { awk -v f="$2:" '$1 == f {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
status_field() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
CLK_TCK=$(getconf CLK_TCK)

# wrk_run label target connections seconds port [gateway pid]: records rps, p50, p99, errors (and CPU/request)
wrk_run() {
    local label=$1 target=$2 conns=$3 secs=$4 port=$5 pid=${6:-} out before after line
    out="$LOGS/wrk-$target-$label.txt"
    [ -z "$pid" ] || before=$(cpu_ticks "$pid")
    log "wrk $target $label: c=$conns ${secs}s"
    BENCH_KEY=$KEY BENCH_MODEL=${BENCH_MODEL:-gpt-6-luna} wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$BENCH/chat.lua" \
        "http://127.0.0.1:$port$URL_PATH" >"$out" 2>&1 || die "wrk failed, see $out"
    [ -z "$pid" ] || after=$(cpu_ticks "$pid")
    line=$(grep '^BENCH ' "$out") || die "no result in $out"
    local requests rps p50_us p99_us non2xx connect read write timeout duration_us
    eval "${line#BENCH }"
    record "$target.$label.requests" "$requests"
    record "$target.$label.rps" "$rps"
    record "$target.$label.p50_ms" "$(awk -v v="$p50_us" 'BEGIN {printf "%.3f", v / 1000}')"
    record "$target.$label.p99_ms" "$(awk -v v="$p99_us" 'BEGIN {printf "%.3f", v / 1000}')"
    record "$target.$label.non2xx" "$non2xx"
    record "$target.$label.socket_errors" "$((connect + read + write + timeout))"
    if [ -n "$pid" ]; then
        record "$target.$label.cpu_us_per_req" \
            "$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.1f", n ? t * 1e6 / hz / n : 0}')"
    fi
    if [ "$non2xx" != 0 ] || [ $((connect + read + write + timeout)) != 0 ]; then
        log "WARNING: $target $label: non-2xx=$non2xx socket errors connect=$connect read=$read write=$write timeout=$timeout"
    fi
}

stream_run() { # target port [protocol]: keys <target>.stream.* for chat, <target>.stream-<protocol>.* otherwise
    local protocol=${3:-chat} prefix=$1.stream
    [ "$protocol" = chat ] || prefix=$1.stream-$protocol
    log "streams $1 $protocol: $STREAM_REQUESTS sequential requests"
    python3 "$BENCH/stream_client.py" ttft --port "$2" -n "$STREAM_REQUESTS" --warmup "$STREAM_WARMUP" --key "$KEY" \
        --protocol "$protocol" | sed "s/^/$prefix./" >>"$RESULTS"
}

if [ "$ONLY" = all ]; then
    # nginx's CPU per request: its worker serves the fake upstream and the proxy alike
    nginx_worker=$(pgrep -f "nginx: worker process" | head -1 || true)
    for target in direct:$UPSTREAM_PORT nginx:$PROXY_PORT; do
        name=${target%%:*} port=${target#*:}
        wrk_run warmup "$name" 64 "$BASELINE_WARMUP" "$port"
        wrk_run c16 "$name" 16 "$DURATION" "$port" "$nginx_worker"
        wrk_run c64 "$name" 64 "$DURATION" "$port" "$nginx_worker"
    done
    # the Node fake, direct: the baseline of the gateway's runs against it
    wrk_run node-warmup direct 64 "$BASELINE_WARMUP" "$NODE_PORT"
    wrk_run node64 direct 64 "$DURATION" "$NODE_PORT" "$NODE_PID"
fi
# the upstreams speak chat: the baselines are chat streams; each protocol's overhead is measured against them
stream_run direct "$SSE_PORT"
stream_run nginx "$SSE_PROXY_PORT"

# becomes the gateway, configured for the fakes (exec: run it with & or in a subshell); arguments: the java command
gateway() {
    CARAVAN_HOST=127.0.0.1 CARAVAN_PORT=$GATEWAY_PORT CARAVAN_API_KEY=$KEY CARAVAN_DEMO_ENABLED=false \
        OPENAI_API_KEY=bench OPENAI_BASE_URL=http://127.0.0.1:$UPSTREAM_PORT/v1 \
        DEEPSEEK_API_KEY=bench DEEPSEEK_BASE_URL=http://127.0.0.1:$SSE_PORT \
        MOONSHOT_API_KEY=bench MOONSHOT_BASE_URL=http://127.0.0.1:$NODE_PORT/v1 \
        MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576 \
        exec "$@"  # the defaults a user gets: the request log stays on
}
APP=$TMP/app
if [ -n "$APP_DIR" ]; then
    cp -r "$APP_DIR" "$APP"  # the CDS archives go next to it
else
    "$JAVA17" -Djarmode=tools -jar "$JAR" extract --destination "$APP" >/dev/null || die "cannot extract $JAR"
fi

for entry in "${JAVAS[@]}"; do
    version=${entry%%:*} java=${entry#*:} target=caravan-${entry%%:*}
    log "$target: starting $java $JAVA_OPTS"
    record "$target.java" "$("$java" -version 2>&1 | sed -n 2p)"
    cd "$ROOT"
    if [ "$ONLY" = all ] && [ -z "$APP_DIR" ]; then
        # time to ready of the plain fat jar, for reference
        start_ns=$(date +%s%N)
        # shellcheck disable=SC2086
        gateway "$java" $JAVA_OPTS -jar "$JAR" >"$LOGS/gateway-$version-fatjar.log" 2>&1 &
        gw=$!
        PIDS+=($gw)
        ready_ns=$(python3 "$BENCH/stream_client.py" ready --port "$GATEWAY_PORT" --timeout 60) \
            || die "$target (fat jar) not ready within 60 s, see $LOGS/gateway-$version-fatjar.log"
        record "$target.ready_fatjar_ms" $(((ready_ns - start_ns) / 1000000))
        stop_pid "$gw" 15
    fi
    # the way the container image runs it: the extracted jar and, on JDK 25, the ahead-of-time cache of a training
    # run that drives requests through the gateway (docker/aot-training.sh); on 17, a class-data-sharing archive
    if [ "$version" -ge 25 ]; then
        cache=$APP/caravan-$version.aot
        bash "$ROOT/docker/aot-training.sh" "$java" "$APP/caravan.jar" "$cache" \
            >"$LOGS/gateway-$version-training.log" 2>&1 || die "$target: AOT training run failed"
        startup="-XX:AOTCache=$cache"
    else
        archive=$APP/caravan-$version.jsa
        (gateway "$java" -XX:ArchiveClassesAtExit="$archive" -Dspring.context.exit=onRefresh -jar "$APP/caravan.jar") \
            >"$LOGS/gateway-$version-training.log" 2>&1 || die "$target: CDS training run failed"
        startup="-XX:SharedArchiveFile=$archive"
    fi
    start_ns=$(date +%s%N)
    # shellcheck disable=SC2086
    gateway "$java" $JAVA_OPTS $startup -jar "$APP/caravan.jar" >"$LOGS/gateway-$version.log" 2>&1 &
    gw=$!
    PIDS+=($gw)
    ready_ns=$(python3 "$BENCH/stream_client.py" ready --port "$GATEWAY_PORT" --timeout 60) \
        || die "$target not ready within 60 s, see $LOGS/gateway-$version.log"
    record "$target.ready_ms" $(((ready_ns - start_ns) / 1000000))
    sleep 1
    record "$target.rss_idle_mb" "$(rss_mb "$gw" VmRSS)"
    record "$target.threads_idle" "$(status_field "$gw" Threads)"

    if [ "$ONLY" = all ]; then
        for ((w = 1; w <= CURVE; w++)); do wrk_run "w$w" "$target" 64 "$WINDOW" "$GATEWAY_PORT" "$gw"; done
        wrk_run c16 "$target" 16 "$DURATION" "$GATEWAY_PORT" "$gw"
        wrk_run c64 "$target" 64 "$DURATION" "$GATEWAY_PORT" "$gw"
        BENCH_MODEL=kimi-k3 wrk_run node64 "$target" 64 "$DURATION" "$GATEWAY_PORT" "$gw"
        record "$target.rss_load_mb" "$(rss_mb "$gw" VmRSS)"
        record "$target.rss_load_peak_mb" "$(rss_mb "$gw" VmHWM)"
        record "$target.threads_load" "$(status_field "$gw" Threads)"
    fi

    # every protocol's code runs before any is measured: the first one measured is not the coldest
    for protocol in $STREAM_PROTOCOLS; do
        python3 "$BENCH/stream_client.py" ttft --port "$GATEWAY_PORT" -n 0 --warmup "$STREAM_WARMUP" --key "$KEY" \
            --protocol "$protocol" >/dev/null
    done
    for protocol in $STREAM_PROTOCOLS; do stream_run "$target" "$GATEWAY_PORT" "$protocol"; done

    if [ "$ONLY" = all ]; then
        log "$target: $STREAMS concurrent streams"
        python3 "$BENCH/stream_client.py" hold --port "$GATEWAY_PORT" --pid "$gw" -n "$STREAMS" \
            --upstream-port "$SSE_PORT" --timeout "$HOLD_WAIT" --key "$KEY" | sed "s/^/$target.hold./" >>"$RESULTS"
        record "$target.hold.timeout_s" "$HOLD_WAIT"
    fi
    record "$target.rss_peak_mb" "$(rss_mb "$gw" VmHWM)"
    alive "$gw" || die "$target exited, see $LOGS/gateway-$version.log"
    stop_pid "$gw" 15
    record "$target.stop" "$STOPPED"
    record "$target.log_warnings" "$(grep -cE '^[0-9TZ:.-]+ +(WARN|ERROR) ' "$LOGS/gateway-$version.log" || true)"
    remaining=()
    for pid in "${PIDS[@]}"; do [ "$pid" = "$gw" ] || remaining+=("$pid"); done
    PIDS=("${remaining[@]}")
done

record elapsed_s $(($(date +%s) - STARTED))
record loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$BENCH/report.py" "$RESULTS" | tee "$REPORT"
