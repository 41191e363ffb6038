"""A small OpenAI-compatible chat completions server for end-to-end tests, started on 127.0.0.1
by the test itself. It answers from a script: per model, a queue of behaviours (a completion,
an HTTP error with Retry-After, a slow answer, a truncated or malformed body); when a model's
queue is empty it answers with `responder(request)`. Every request it receives is kept."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, responder=None):
        self.script = {}          # model -> list of behaviours
        self.requests = []        # (time, model, body) of every request received
        self.responder = responder or (lambda req: "ok")
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0   # the most requests being answered at once
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                model = body.get("model", "")
                with server.lock:
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    self.answer(body, model)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def answer(self, body, model):
                with server.lock:
                    server.requests.append((time.monotonic(), model, body, dict(self.headers)))
                    queue = server.script.get(model) or server.script.get("*") or []
                    behaviour = queue.pop(0) if queue else None
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self.reply(404, {"error": {"message": f"no route {self.path}"}})
                if behaviour is None:
                    behaviour = {"content": server.responder(body)}
                if "delay" in behaviour:
                    time.sleep(behaviour["delay"])
                if "status" in behaviour:
                    headers = {}
                    if "retry_after" in behaviour:
                        headers["Retry-After"] = str(behaviour["retry_after"])
                    return self.reply(behaviour["status"], {"error": {"message": behaviour.get("message", "scripted failure")}}, headers)
                if behaviour.get("malformed"):
                    return self.raw(200, b'{"choices": [{"message": {"content": "half')  # not JSON
                if behaviour.get("truncated"):
                    payload = json.dumps(completion(model, "this answer is cut off", 10, 5)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                usage = behaviour.get("usage", (20, 10))
                return self.reply(200, completion(model, behaviour["content"], *usage))

            def reply(self, status, obj, headers=None):
                self.raw(status, json.dumps(obj).encode(), headers)

            def raw(self, status, payload, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def models_asked(self):
        return [m for _, m, _, _ in self.requests]


def completion(model, content, prompt_tokens, completion_tokens):
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }
