#!/usr/bin/env python3
"""Turns the key=value results of bench/run.sh into the report: one table, then PASS/MISS per target."""
import sys

TARGETS = [  # (label, kind of check): ratios to nginx and direct measured in the same run
    ("RPS at c=64 >= 0.5x nginx from the 2nd window after ready", "curve"),
    ("steady RPS at c=64 >= 0.5x nginx", "rps"),
    ("steady gateway CPU/request <= 3x nginx's (c=64)", "cpu"),
    ("p99 overhead <= 5 ms over direct, c=64", "p99_c64"),
    ("stream TTFT overhead <= 1 ms (p50, vs direct)", "ttft"),
    ("peak RSS <= 256 MB (VmHWM, whole run incl. streams)", "rss"),
    ("ready <= 3 s", "ready"),
    ("all held streams got their first event", "hold"),
]

# the gateway's streaming protocols: (name, path, key prefix); the upstreams speak chat, so direct and nginx
# are chat streams and each protocol's overhead is its gateway TTFT minus direct's chat TTFT
PROTOCOLS = [
    ("chat", "/v1/chat/completions", "stream"),
    ("responses", "/v1/responses", "stream-responses"),
    ("messages", "/v1/messages", "stream-messages"),
]


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def main(path):
    r = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                r[key] = value
    gateways = sorted({k.split(".")[0] for k in r if k.startswith("caravan-")}, key=lambda g: int(g.split("-")[1]))
    columns = ["direct", "nginx"] + gateways
    get = lambda target, key: num(r.get("%s.%s" % (target, key)))

    out = []
    p = out.append
    p("Caravan benchmark  %s  commit %s" % (r.get("date"), r.get("commit")))
    p("machine: %s; loadavg start %s, end %s" % (r.get("cpu"), r.get("loadavg_start"), r.get("loadavg_end")))
    p("gateway JVM options: %s" % r.get("java_opts"))
    for g in gateways:
        p("%s: %s" % (g, r.get(g + ".java")))
    p("%s; nginx %s, wrk %s" % (r.get("settings"), r.get("nginx"), r.get("wrk")))
    if r.get("stream_settings"):
        p("streams: %s" % r.get("stream_settings"))
    if r.get("app"):
        p("application: %s" % r.get("app"))
    partial = r.get("only", "all") != "all"
    p("")

    # rows: (label, key, format, how the caravan columns compare: "ratio" | "delta" | None)
    windows = sorted({int(k.split(".")[1][1:]) for k in r if k.startswith("caravan-") and k.split(".")[1][:1] == "w"
                      and k.split(".")[1][1:].isdigit()})
    window_s = r.get("window_s", "10")
    curve = [("RPS c=64, %s-%s s after ready" % ((w - 1) * int(window_s), w * int(window_s)), "w%d.rps" % w, "%.0f",
              "curve") for w in windows]
    curve += [("CPU us/request, %s-%s s" % ((w - 1) * int(window_s), w * int(window_s)), "w%d.cpu_us_per_req" % w,
               "%.1f", None) for w in windows]
    rows = [
        ("-- cold start (wrk c=64 from ready; ratio: to nginx's steady c=64) --", None, None, None)] + curve + [
        ("-- steady state, after that (wrk) --", None, None, None),
        ("RPS c=16", "c16.rps", "%.0f", "ratio"),
        ("p50 ms c=16", "c16.p50_ms", "%.2f", "delta"),
        ("p99 ms c=16", "c16.p99_ms", "%.2f", "delta"),
        ("RPS c=64", "c64.rps", "%.0f", "ratio"),
        ("p50 ms c=64", "c64.p50_ms", "%.2f", "delta"),
        ("p99 ms c=64", "c64.p99_ms", "%.2f", "delta"),
        ("RPS c=64, Node upstream (ratio: to direct Node)", "node64.rps", "%.0f", "ratio"),
        ("p99 ms c=64, Node upstream", "node64.p99_ms", "%.2f", "delta"),
        ("CPU us/request c=64, Node upstream", "node64.cpu_us_per_req", "%.1f", None),
        ("non-2xx (c16+c64)", "non2xx", "%.0f", None),
        ("socket errors (c16+c64)", "socket_errors", "%.0f", None),
        ("-- streaming, sequential --", None, None, None),
        ("TTFB p50 ms", "stream.ttfb_p50", "%.2f", "delta"),
        ("TTFB p90 ms", "stream.ttfb_p90", "%.2f", "delta"),
        ("TTFT p50 ms", "stream.ttft_p50", "%.2f", "delta"),
        ("TTFT p90 ms", "stream.ttft_p90", "%.2f", "delta"),
        ("failed streams", "stream.failures", "%.0f", None),
        ("-- gateway process --", None, None, None),
        ("CPU us/request c=16", "c16.cpu_us_per_req", "%.1f", None),
        ("CPU us/request c=64", "c64.cpu_us_per_req", "%.1f", None),
        ("time to ready ms (extracted + AOT cache on 25, CDS on 17)", "ready_ms", "%.0f", None),
        ("time to ready ms (java -jar)", "ready_fatjar_ms", "%.0f", None),
        ("RSS idle MB", "rss_idle_mb", "%.1f", None),
        ("RSS after load MB", "rss_load_mb", "%.1f", None),
        ("RSS peak under wrk MB", "rss_load_peak_mb", "%.1f", None),
        ("threads idle / after load", "threads", None, None),
        ("-- concurrent open streams --", None, None, None),
        ("streams with first event", "hold.first_events", "%.0f", None),
        ("errors", "hold.errors", "%.0f", None),
        ("time to those first events s", "hold.open_s", "%.2f", None),
        ("RSS with streams open MB", "hold.rss_mb", "%.1f", None),
        ("threads with streams open", "hold.threads", "%.0f", None),
        ("upstream streams closed after s", "hold.upstream_closed_s", "%.2f", None),
        ("RSS peak, whole run MB", "rss_peak_mb", "%.1f", None),
    ]

    def value(target, key):
        if key in ("non2xx", "socket_errors"):
            parts = [get(target, "c16." + key), get(target, "c64." + key)]
            return None if None in parts else sum(parts)
        if key == "threads":
            return None
        return get(target, key)

    def cell(target, key, fmt):
        if key == "threads":
            idle, load = r.get(target + ".threads_idle"), r.get(target + ".threads_load")
            return "%s / %s" % (idle, load or "-") if idle else "-"
        v = value(target, key)
        return fmt % v if v is not None else ("NA" if ("%s.%s" % (target, key)) in r else "-")

    def compare(g, base, key, how):
        a, b = value(g, key), value(base, "c64.rps" if how == "curve" else key)
        if how is None or a is None or b is None:
            return ""
        if how == "curve":
            return "%.2fx" % (a / b) if b else ""
        if how == "ratio":
            return "%.2fx" % (a / b) if b else ""
        return "%+.2f ms" % (a - b)

    header = ["metric"] + columns
    ratio_cols = [(g, base) for g in gateways for base in ("direct", "nginx")]
    header += ["%s/%s" % (g.replace("caravan-", "c"), base) for g, base in ratio_cols]
    table = [header]
    for label, key, fmt, how in rows:
        if key is None:
            table.append([label] + [""] * (len(header) - 1))
            continue
        table.append([label] + [cell(c, key, fmt) for c in columns]
                     + [compare(g, base, key, how) for g, base in ratio_cols])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        p("  ".join(row[0].ljust(widths[0]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(row))).rstrip())
    for g in gateways:
        p("%s stop: %s" % (g, r.get(g + ".stop")))
    p("(cX/direct, cX/nginx: ratio for RPS, difference for latencies. TTFB: the gateway sends its headers with "
      "the first event, so its TTFB is its TTFT; direct and nginx send headers at once.)")
    p("")

    p("First-token time by protocol (the sequential streams; the upstream speaks chat, so overhead = the gateway's "
      "TTFT - direct's chat TTFT, vs chat = the protocol's TTFT - the gateway's chat TTFT)")
    base50, base90 = get("direct", "stream.ttft_p50"), get("direct", "stream.ttft_p90")
    ms = lambda v: "%.2f ms" % v if v is not None else "NA"
    over = lambda v, b: "%+.2f ms" % (v - b) if v is not None and b is not None else "NA"
    proto_rows = [["", "protocol", "path", "TTFT p50", "overhead", "TTFT p90", "overhead", "vs chat p50 / p90",
                   "failed"]]
    for g in gateways:
        chat50, chat90 = get(g, "stream.ttft_p50"), get(g, "stream.ttft_p90")
        for name, path, prefix in PROTOCOLS:
            if ("%s.%s.n" % (g, prefix)) not in r:
                continue
            t50, t90 = get(g, prefix + ".ttft_p50"), get(g, prefix + ".ttft_p90")
            vs_chat = "" if prefix == "stream" else "%s / %s" % (over(t50, chat50), over(t90, chat90))
            failed = "%.0f of %.0f" % (get(g, prefix + ".failures") or 0, get(g, prefix + ".n") or 0)
            proto_rows.append([g, name, "POST " + path, ms(t50), over(t50, base50), ms(t90), over(t90, base90),
                               vs_chat, failed])
    proto_rows.append(["direct", "chat", "(SSE fake)", ms(base50), "", ms(base90), "", "", ""])
    pw = [max(len(row[i]) for row in proto_rows) for i in range(len(proto_rows[0]))]
    for row in proto_rows:
        p("  " + "  ".join(row[i].ljust(pw[i]) if i < 3 else row[i].rjust(pw[i]) for i in range(len(row))).rstrip())
    p("")

    p("Targets")
    for g in gateways:
        checks = {
            "curve": (min([get(g, "w%d.rps" % w) or 0 for w in windows if w >= 2] or [None]) if len(windows) >= 2
                      else None, get("nginx", "c64.rps"), lambda a, b: a / b, "%.2fx", 0.5, ">="),
            "rps": (get(g, "c64.rps"), get("nginx", "c64.rps"), lambda a, b: a / b, "%.2fx", 0.5, ">="),
            "p99_c64": (get(g, "c64.p99_ms"), get("direct", "c64.p99_ms"), lambda a, b: a - b, "%+.2f ms", 5, "<="),
            "cpu": (get(g, "c64.cpu_us_per_req"), get("nginx", "c64.cpu_us_per_req"), lambda a, b: a / b if b else 99,
                    "%.1fx", 3, "<="),
            "ttft": (get(g, "stream.ttft_p50"), get("direct", "stream.ttft_p50"), lambda a, b: a - b, "%+.2f ms",
                     1, "<="),
            "rss": (get(g, "rss_peak_mb"), 0, lambda a, b: a, "%.1f MB", 256, "<="),
            "ready": (get(g, "ready_ms"), 0, lambda a, b: a / 1000, "%.2f s", 3, "<="),
            "hold": (get(g, "hold.first_events"), get(g, "hold.n"), lambda a, b: a / b if b else 0,
                     "%.0f%%", 1, ">="),
        }
        for label, kind in TARGETS:
            a, b, f, fmt, limit, op = checks[kind]
            if a is None or b is None:
                p("  %-11s %-52s %10s  %s" % (g, label, "NA", "not measured (ONLY=%s)" % r.get("only")
                                               if partial else "MISS (no data)"))
                continue
            v = f(a, b)
            ok = v >= limit if op == ">=" else v <= limit
            shown = fmt % (v * 100 if kind == "hold" else v)
            p("  %-11s %-52s %10s  %s" % (g, label, shown, "PASS" if ok else "MISS"))

    problems = []
    for c in columns:
        for label in ["warmup", "c16", "c64", "node64"] + ["w%d" % w for w in windows]:
            n, s = get(c, label + ".non2xx"), get(c, label + ".socket_errors")
            if n or s:
                problems.append("%s wrk %s: %d non-2xx, %d socket errors" % (c, label, n or 0, s or 0))
        for name, path, prefix in PROTOCOLS:
            if get(c, prefix + ".failures"):
                problems.append("%s: %d of %d %sstreams failed, first: %s"
                                % (c, get(c, prefix + ".failures"), get(c, prefix + ".n"),
                                   "" if name == "chat" else path + " ", r.get(c + "." + prefix + ".first_failure")))
            if get(c, prefix + ".event_name_mismatches"):
                problems.append("%s %s: %d streams with an event: name other than the data's type"
                                % (c, path, get(c, prefix + ".event_name_mismatches")))
    for g in gateways:
        if get(g, "stream.usage_chunks_seen"):
            problems.append("%s: usage-only chunk forwarded to a client that did not ask (%d streams)"
                            % (g, get(g, "stream.usage_chunks_seen")))
        if get(g, "hold.first_events") != get(g, "hold.n"):
            problems.append("%s: only %s of %s concurrent streams got their first event within %s s"
                            % (g, r.get(g + ".hold.first_events"), r.get(g + ".hold.n"), r.get(g + ".hold.timeout_s")))
        if get(g, "log_warnings"):
            problems.append("%s: %d WARN/ERROR lines in its log (bench/results/logs/gateway-%s.log)"
                            % (g, get(g, "log_warnings"), g.split("-")[1]))
        if get(g, "hold.errors"):
            problems.append("%s held streams: %d errors, first: %s" % (g, get(g, "hold.errors"),
                                                                       r.get(g + ".hold.first_error")))
        if get(g, "hold.upstream_closed_s") is None and not partial:
            problems.append("%s: upstream streams still open 15 s after the clients left" % g)
    p("")
    p("Problems: " + ("none" if not problems else ""))
    for problem in problems:
        p("  - " + problem)
    p("")
    p("run took %s s; raw wrk outputs and gateway logs in bench/results/logs/" % r.get("elapsed_s"))
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
