// A fake provider in Node, like the providers' own servers: an OpenAI chat completion built per request (id,
// created, the model asked for, usage counted from the prompt), keep-alive, and SSE chunks for stream:true.
// Usage: node bench/node_upstream.js <port>
"use strict";
const http = require("http");
const port = Number(process.argv[2] || 19106);
let served = 0;

function completion(body) {
  const prompt = JSON.stringify(body.messages || []).length >> 2;
  return {
    id: "chatcmpl-node-" + (++served), object: "chat.completion", created: Math.floor(Date.now() / 1000),
    model: body.model || "m", system_fingerprint: "fp_node",
    choices: [{index: 0, message: {role: "assistant", content: "Hello! How can I help you today?"},
               logprobs: null, finish_reason: "stop"}],
    usage: {prompt_tokens: prompt, completion_tokens: 9, total_tokens: prompt + 9,
            prompt_tokens_details: {cached_tokens: 0}, completion_tokens_details: {reasoning_tokens: 0}},
  };
}

function stream(res, body) {
  res.writeHead(200, {"content-type": "text/event-stream", "cache-control": "no-cache"});
  const id = "chatcmpl-node-" + (++served);
  const words = ["Hello", "!", " How", " can", " I", " help", "?"];
  let i = 0;
  const chunk = (delta, finish) => "data: " + JSON.stringify({id, object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000), model: body.model || "m",
    choices: [{index: 0, delta, finish_reason: finish}]}) + "\n\n";
  const next = () => {
    if (i < words.length) {
      res.write(chunk(i === 0 ? {role: "assistant", content: words[i]} : {content: words[i]}, null));
      i++;
      setTimeout(next, 10);
    } else {
      res.write(chunk({}, "stop"));
      res.write("data: " + JSON.stringify({id, object: "chat.completion.chunk", created: 1, model: body.model,
        choices: [], usage: {prompt_tokens: 9, completion_tokens: 7, total_tokens: 16}}) + "\n\n");
      res.end("data: [DONE]\n\n");
    }
  };
  setTimeout(next, 20);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, {"content-type": "application/json"});
    res.end(JSON.stringify({served}));
    return;
  }
  const parts = [];
  req.on("data", (c) => parts.push(c));
  req.on("end", () => {
    let body = {};
    try { body = JSON.parse(Buffer.concat(parts).toString("utf8")); } catch (e) { /* answered anyway */ }
    if (body.stream) {
      stream(res, body);
      return;
    }
    const out = JSON.stringify(completion(body));
    res.writeHead(200, {"content-type": "application/json", "content-length": Buffer.byteLength(out)});
    res.end(out);
  });
});
server.keepAliveTimeout = 65000;
server.listen(port, "127.0.0.1");
