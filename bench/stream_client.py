#!/usr/bin/env python3
"""Streaming measurements for bench/run.sh (standard library only; 127.0.0.1 only).

  ttft   --port P [-n 100]        N sequential streaming requests, one at a time on a fresh connection:
                                  TTFB (request sent -> first response byte) and TTFT (-> first data: event
                                  carrying content). Prints key=value lines (milliseconds).
  hold   --port P --pid PID [-n 2000]
                                  N concurrent long streams (model deepseek/hold); once every one has its
                                  first event, samples VmRSS/Threads of PID, closes all, and checks the fake
                                  upstream (--upstream-port) sees its streams end. Prints key=value lines.
  ready  --port P [--path /ready] polls GET every 20 ms (at most --timeout s); prints the epoch
                                  nanoseconds of the first 200.
"""
import argparse
import asyncio
import json
import socket
import statistics
import sys
import time

HOST = "127.0.0.1"


def request_bytes(port, model, key):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}],
                       "stream": True}).encode()
    return (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Accept: text/event-stream\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s"
            % (port, key.encode(), len(body), body))


class Response:
    """Incremental HTTP/1.1 response reader: status, chunked decoding, SSE events."""

    def __init__(self):
        self.buf = b""
        self.status = None
        self.chunked = False
        self.body = b""      # decoded body not yet split into events
        self.chunk_left = 0  # data bytes left in the current chunk
        self.crlf_due = False
        self.events = []     # data: payloads, in order
        self.ended = False   # data: [DONE] or the last chunk seen

    def feed(self, data):
        self.buf += data
        if self.status is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            self.status = int(head.split(" ", 2)[1])
            self.chunked = "transfer-encoding: chunked" in head.lower()
        if self.chunked:
            while self.buf:
                if self.crlf_due:  # after a chunk's data
                    if len(self.buf) < 2:
                        break
                    self.buf, self.crlf_due = self.buf[2:], False
                    continue
                if self.chunk_left == 0:
                    line_end = self.buf.find(b"\r\n")
                    if line_end < 0:
                        break
                    size = int(self.buf[:line_end].split(b";")[0], 16)
                    self.buf = self.buf[line_end + 2:]
                    if size == 0:
                        self.ended = True
                        break
                    self.chunk_left = size
                take = self.buf[:self.chunk_left]
                self.buf = self.buf[len(take):]
                self.chunk_left -= len(take)
                self.body += take
                self.crlf_due = self.chunk_left == 0
        else:
            self.body, self.buf = self.body + self.buf, b""
        while b"\n\n" in self.body:
            event, self.body = self.body.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    payload = line[5:].strip()
                    self.events.append(payload)
                    if payload == b"[DONE]":
                        self.ended = True


def has_content(payload):
    if payload == b"[DONE]":
        return False
    try:
        choices = json.loads(payload).get("choices") or []
    except ValueError:
        return False
    return any((c.get("delta") or {}).get("content") for c in choices)


def one_stream(port, model, key, timeout=10.0):
    """One request on a fresh connection; (ttfb_s, ttft_s, events, status)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = request_bytes(port, model, key)
        response = Response()
        ttfb = ttft = None
        start = time.perf_counter()
        s.sendall(request)
        deadline = start + timeout
        while not response.ended and time.perf_counter() < deadline:
            data = s.recv(65536)
            now = time.perf_counter()
            if not data:
                break
            if ttfb is None:
                ttfb = now - start
            response.feed(data)
            if ttft is None and any(has_content(e) for e in response.events):
                ttft = now - start
        return ttfb, ttft, response.events, response.status


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def cmd_ttft(args):
    for _ in range(args.warmup):
        one_stream(args.port, args.model, args.key)
    ttfbs, ttfts, failures, usage_leaks = [], [], 0, 0
    for _ in range(args.n):
        ttfb, ttft, events, status = one_stream(args.port, args.model, args.key)
        if status != 200 or ttfb is None or ttft is None or not events or events[-1] != b"[DONE]":
            failures += 1
            continue
        usage_leaks += any(b'"choices":[]' in e for e in events)
        ttfbs.append(ttfb * 1000)
        ttfts.append(ttft * 1000)
    print("n=%d" % args.n)
    print("failures=%d" % failures)
    print("usage_chunks_seen=%d" % usage_leaks)
    if ttfbs:
        print("ttfb_p50=%.3f" % statistics.median(ttfbs))
        print("ttfb_p90=%.3f" % pct(ttfbs, 90))
        print("ttft_p50=%.3f" % statistics.median(ttfts))
        print("ttft_p90=%.3f" % pct(ttfts, 90))


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.split()[0] if value.split() else ""
    return fields


async def upstream_active(port):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 2)
        writer.write(b"GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 2)
        writer.close()
        return json.loads(data.split(b"\r\n\r\n", 1)[1])["active"]
    except (OSError, ValueError, KeyError, asyncio.TimeoutError):
        return -1


async def hold_one(port, request, first, ready, release, errors):
    writer = None
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request)
        response = Response()
        while not response.events:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("closed before the first event (status %s)" % response.status)
            response.feed(data)
            if response.status not in (None, 200):
                raise ConnectionError("status %s: %s" % (response.status, (response.body + response.buf)[:150]))
        first.append(time.monotonic())
        if len(first) == ready[0]:
            ready[1].set()
        released = asyncio.ensure_future(release.wait())
        while True:  # keep reading so nothing backs up, until released
            read = asyncio.ensure_future(reader.read(65536))
            await asyncio.wait([read, released], return_when=asyncio.FIRST_COMPLETED)
            if not read.done():
                read.cancel()
                break
            if not read.result():
                break
        released.cancel()
    except (OSError, ConnectionError, asyncio.IncompleteReadError) as e:
        errors.append(str(e) or type(e).__name__)
    finally:
        if writer is not None:
            writer.close()


async def cmd_hold_async(args):
    request = request_bytes(args.port, "deepseek/hold", args.key)
    first, errors, release = [], [], asyncio.Event()
    all_first = asyncio.Event()
    ready = [args.n, all_first]
    rss_before = int(proc_status(args.pid)["VmRSS"])
    start = time.monotonic()
    tasks = [asyncio.ensure_future(hold_one(args.port, request, first, ready, release, errors))
             for _ in range(args.n)]
    try:
        await asyncio.wait_for(all_first.wait(), args.timeout)
    except asyncio.TimeoutError:
        pass
    open_s = (max(first) - start) if first else None  # until the last first event that came
    status = proc_status(args.pid)
    upstream_open = await upstream_active(args.upstream_port)
    release.set()
    await asyncio.wait(tasks, timeout=10)
    for task in tasks:
        task.cancel()
    # the gateway should close its upstream streams once its clients have gone
    closed_s = None
    close_start = time.monotonic()
    while time.monotonic() - close_start < 15:
        if await upstream_active(args.upstream_port) == 0:
            closed_s = time.monotonic() - close_start
            break
        await asyncio.sleep(0.1)
    print("n=%d" % args.n)
    print("first_events=%d" % len(first))
    print("errors=%d" % len(errors))
    if errors:
        print("first_error=%s" % errors[0].replace("\n", " ")[:200])
    print("open_s=%s" % ("%.2f" % open_s if open_s is not None else "NA"))
    print("rss_before_mb=%.1f" % (rss_before / 1024))
    print("rss_mb=%.1f" % (int(status["VmRSS"]) / 1024))
    print("threads=%s" % status["Threads"])
    print("upstream_open=%d" % upstream_open)
    print("upstream_closed_s=%s" % ("%.2f" % closed_s if closed_s is not None else "NA"))


def cmd_ready(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, args.port), timeout=1) as s:
                s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % args.path.encode())
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    print(time.time_ns())
                    return 0
        except OSError:
            pass
        time.sleep(0.02)
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["ttft", "hold", "ready"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--model", default="deepseek-chat")
    parser.add_argument("--key", default="bench-key")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--upstream-port", type=int)
    parser.add_argument("--path", default="/ready")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    if args.mode == "ttft":
        cmd_ttft(args)
    elif args.mode == "hold":
        asyncio.run(cmd_hold_async(args))
    else:
        sys.exit(cmd_ready(args))


if __name__ == "__main__":
    main()
