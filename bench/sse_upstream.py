#!/usr/bin/env python3
"""Fake OpenAI-compatible upstream for the streaming benchmarks (standard library only).

POST <any path> with "stream": true answers an SSE stream (chunked, keep-alive):
  headers at once, the first content chunk after --first-ms, --chunks more chunks --gap-ms apart,
  a finish chunk, a usage chunk and "data: [DONE]".
A model whose name contains "hold" gets a long stream instead: the first content chunk at once, then one
chunk every --hold-gap-s until the client goes away or --hold-max-s have passed.
Without "stream": true it answers one chat.completion JSON.
GET /stats answers {"active": open streams, "streams": streams started, "peak": most open at once}.
Listens on 127.0.0.1 only; stops by itself after --max-seconds.
"""
import argparse
import asyncio
import json
import signal
import time

STATS = {"active": 0, "streams": 0, "peak": 0}


def chunk(model, delta, finish=None, usage=None):
    body = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage:
        body["usage"] = usage
    data = b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


def completion(model):
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there!"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}).encode()


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += data[:-2]
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, path, headers, body


async def respond(writer, status, body, content_type="application/json"):
    writer.write(b"HTTP/1.1 %d OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                 % (status, content_type.encode(), len(body), body))
    await writer.drain()


async def stream(reader, writer, model, args):
    STATS["active"] += 1
    STATS["streams"] += 1
    STATS["peak"] = max(STATS["peak"], STATS["active"])
    try:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        if "hold" in model:
            writer.write(chunk(model, {"role": "assistant", "content": "Hi"}))
            await writer.drain()
            deadline = time.monotonic() + args.hold_max_s
            while time.monotonic() < deadline:
                try:  # waiting on the reader notices a client that has gone at once
                    if await asyncio.wait_for(reader.read(1024), args.hold_gap_s) == b"":
                        return False
                except asyncio.TimeoutError:
                    pass
                writer.write(chunk(model, {"content": " ."}))
                await writer.drain()
        else:
            await asyncio.sleep(args.first_ms / 1000)
            writer.write(chunk(model, {"role": "assistant", "content": "Hello"}))
            await writer.drain()
            for i in range(args.chunks):
                await asyncio.sleep(args.gap_ms / 1000)
                writer.write(chunk(model, {"content": " word%d" % i}))
                await writer.drain()
        writer.write(chunk(model, {}, finish="stop"))
        writer.write(chunk(model, None, usage={"prompt_tokens": 9, "completion_tokens": args.chunks + 1,
                                                "total_tokens": args.chunks + 10}))
        writer.write(b"e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n")
        await writer.drain()
        return True
    finally:
        STATS["active"] -= 1


async def handle(reader, writer, args):
    try:
        while True:
            method, path, headers, body = await read_request(reader)
            if method == "GET" and path.startswith("/stats"):
                await respond(writer, 200, json.dumps(STATS).encode())
            else:
                try:
                    request = json.loads(body or b"{}")
                except ValueError:
                    request = None
                if not isinstance(request, dict):
                    await respond(writer, 400, b'{"error":{"message":"bad json","type":"invalid_request_error"}}')
                elif not request.get("stream"):
                    await respond(writer, 200, completion(str(request.get("model", "fake"))))
                elif not await stream(reader, writer, str(request.get("model", "fake")), args):
                    break
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError,
            asyncio.CancelledError):  # cancelled: the server is stopping
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--first-ms", type=float, default=20)
    parser.add_argument("--gap-ms", type=float, default=10)
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--hold-gap-s", type=float, default=1.5)
    parser.add_argument("--hold-max-s", type=float, default=40)
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop by itself after this long")
    args = parser.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), "127.0.0.1", args.port, backlog=4096)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print("sse_upstream listening on 127.0.0.1:%d" % args.port, flush=True)
    try:
        await asyncio.wait_for(stop.wait(), args.max_seconds)
    except asyncio.TimeoutError:
        pass
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
