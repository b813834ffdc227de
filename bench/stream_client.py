#!/usr/bin/env python3
"""Streaming measurements for bench/run.sh (standard library only; 127.0.0.1 only).

  ttft   --port P [-n 100] [--protocol chat|responses|messages]
                                  N sequential streaming requests, one at a time on a fresh connection:
                                  TTFB (request sent -> first response byte) and TTFT (-> first event
                                  carrying text). Prints key=value lines (milliseconds). The protocol picks
                                  the request and what counts as text and as a complete stream:
                                    chat       POST /v1/chat/completions, Bearer key; choices[0].delta.content;
                                               ends with data: [DONE]
                                    responses  POST /v1/responses, Bearer key, store false;
                                               response.output_text.delta; ends with response.completed
                                    messages   POST /v1/messages, x-api-key and anthropic-version;
                                               content_block_delta with a text_delta; ends with message_stop
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


PROTOCOLS = ("chat", "responses", "messages")


def request_bytes(port, model, key, protocol="chat"):
    if protocol == "chat":
        path, auth = b"/v1/chat/completions", b"Authorization: Bearer %s\r\n" % key.encode()
        body = {"model": model, "messages": [{"role": "user", "content": "hello"}], "stream": True}
    elif protocol == "responses":
        path, auth = b"/v1/responses", b"Authorization: Bearer %s\r\n" % key.encode()
        body = {"model": model, "input": "hello", "stream": True, "store": False}
    elif protocol == "messages":
        path, auth = b"/v1/messages", b"x-api-key: %s\r\nanthropic-version: 2023-06-01\r\n" % key.encode()
        body = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": "hello"}],
                "stream": True}
    else:
        raise ValueError("unknown protocol %r" % protocol)
    body = json.dumps(body).encode()
    return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"Accept: text/event-stream\r\n%sContent-Length: %d\r\n\r\n%s"
            % (path, port, auth, len(body), body))


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
        self.names = []      # each one's event: name ("" when it has none)
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
            name = b""
            for line in event.split(b"\n"):
                if line.startswith(b"event:"):
                    name = line[6:].strip()
                elif line.startswith(b"data:"):
                    payload = line[5:].strip()
                    self.events.append(payload)
                    self.names.append(name.decode("latin-1"))
                    if payload == b"[DONE]":
                        self.ended = True


def event_json(payload):
    if payload == b"[DONE]":
        return None
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def has_content(payload, protocol="chat"):
    """Whether this data: payload carries text, in the protocol's terms."""
    event = event_json(payload)
    if event is None:
        return False
    if protocol == "chat":
        return any((c.get("delta") or {}).get("content") for c in event.get("choices") or [])
    if protocol == "responses":
        return event.get("type") == "response.output_text.delta" and bool(event.get("delta"))
    delta = event.get("delta") or {}
    return (event.get("type") == "content_block_delta" and delta.get("type") == "text_delta"
            and bool(delta.get("text")))


FINAL_EVENT = {"responses": "response.completed", "messages": "message_stop"}


def is_final(payload, protocol="chat"):
    """Whether this data: payload is the protocol's last event of a stream that went well."""
    if protocol == "chat":
        return payload == b"[DONE]"
    event = event_json(payload)
    return event is not None and event.get("type") == FINAL_EVENT[protocol]


def one_stream(port, model, key, timeout=10.0, protocol="chat"):
    """One request on a fresh connection; (ttfb_s, ttft_s, response)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = request_bytes(port, model, key, protocol)
        response = Response()
        ttfb = ttft = None
        seen = 0  # events already looked at
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
            for payload in response.events[seen:]:
                if ttft is None and has_content(payload, protocol):
                    ttft = now - start
                if is_final(payload, protocol):
                    response.ended = True  # the Responses and Messages APIs send no [DONE]
            seen = len(response.events)
        return ttfb, ttft, response


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def describe_failure(ttfb, ttft, response, protocol):
    if response.status is None:
        return "no response" if ttfb is None else "no complete response head"
    if response.status != 200:
        return "status %d: %s" % (response.status, (response.body + response.buf)[:150].decode("latin-1"))
    if ttft is None:
        return "no event with text (events: %s)" % " ".join(
            (n or (event_json(e) or {}).get("type") or e[:20].decode("latin-1")) for n, e in
            zip(response.names[:8], response.events[:8]))
    last = response.events[-1][:80].decode("latin-1") if response.events else "none"
    return "stream did not end with %s (last event: %s)" % (FINAL_EVENT.get(protocol, "[DONE]"), last)


def cmd_ttft(args):
    protocol = args.protocol
    for _ in range(args.warmup):
        one_stream(args.port, args.model, args.key, protocol=protocol)
    ttfbs, ttfts, failures, usage_leaks, first_failure = [], [], 0, 0, None
    name_mismatches = 0
    for _ in range(args.n):
        ttfb, ttft, response = one_stream(args.port, args.model, args.key, protocol=protocol)
        events = response.events
        # chat: [DONE] is the last event; responses, messages: their last event came (a [DONE] may follow)
        complete = bool(events) and (is_final(events[-1]) if protocol == "chat"
                                     else any(is_final(e, protocol) for e in events))
        if response.status != 200 or ttfb is None or ttft is None or not complete:
            failures += 1
            if first_failure is None:
                first_failure = describe_failure(ttfb, ttft, response, protocol)
            continue
        if protocol == "chat":
            usage_leaks += any(b'"choices":[]' in e for e in events)
        else:  # named events: the event: line should name the data's type
            name_mismatches += any(n != (event_json(e) or {}).get("type")
                                   for n, e in zip(response.names, events) if e != b"[DONE]")
        ttfbs.append(ttfb * 1000)
        ttfts.append(ttft * 1000)
    print("protocol=%s" % protocol)
    print("n=%d" % args.n)
    print("failures=%d" % failures)
    if first_failure is not None:
        print("first_failure=%s" % first_failure.replace("\n", " ").replace("\r", " ")[:200])
    if protocol == "chat":
        print("usage_chunks_seen=%d" % usage_leaks)
    else:
        print("event_name_mismatches=%d" % name_mismatches)
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
    parser.add_argument("--model", default="deepseek-flash")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="chat", help="ttft: which API to call")
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
