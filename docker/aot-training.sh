#!/usr/bin/env bash
# Trains and writes the JDK 25 ahead-of-time cache (classes loaded and linked, method profiles) for Caravan:
# the smoke suite drives real requests through the gateway, on the demo model in-process and through the
# upstream HTTP client (the openai preset pointed at the gateway's own port), then the JVM writes the cache.
# Usage: docker/aot-training.sh <java> <extracted caravan.jar> <cache file>
# Used by docker/Dockerfile and bench/run.sh; run from the directory with application.yaml and routes/.
set -euo pipefail
java=$1 jar=$2 cache=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
OPENAI_API_KEY=caravan-training OPENAI_BASE_URL='http://127.0.0.1:{{caravan.port}}/v1' CARAVAN_DEMO_ENABLED=true \
    "$java" -XX:AOTCacheOutput="$cache" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -Xlog:aot=error \
    -XX:+UseSerialGC -Xmx256m \
    -Dspring.datasource.url="jdbc:h2:mem:training;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE" \
    -Dcaravan.ledger.spool-dir="$scratch/spool" -Dcaravan.dead-letters.dir="$scratch/dead-letters" \
    -jar "$jar" smoke --models demo,openai/demo --caravan.api-key=caravan-training --report "$scratch/report" \
    >"$scratch/training.log" 2>&1 || { cat "$scratch/training.log" >&2; exit 1; }
[ -s "$cache" ] || { cat "$scratch/training.log" >&2; echo "no AOT cache written to $cache" >&2; exit 1; }
