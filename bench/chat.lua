-- wrk script for bench/run.sh: POST a small chat completion; prints one machine-readable line at the end.
wrk.method = "POST"
-- the model picks the upstream: gpt-6-luna (openai) -> the nginx fake, kimi-k3 (moonshot) -> the Node fake
wrk.body = '{"model":"' .. (os.getenv("BENCH_MODEL") or "gpt-6-luna") .. '","messages":[{"role":"user","content":"hello"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "bench-key")

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout))
end
