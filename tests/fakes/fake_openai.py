#!/usr/bin/env python3
"""A fake OpenAI-compatible HTTP server for AutoGrader's tests and benchmarks.

It speaks the OpenAI wire protocol for chat completions, embeddings and the model list, answers
deterministically, and can be scripted over HTTP to inject failures (error statuses, delays,
hangs, malformed bodies, dropped connections). Python 3 standard library only.

    python3 tests/fakes/fake_openai.py --port 0 --port-file /tmp/fake.port --latency-ms 200

The server runs on asyncio with a small HTTP/1.1 parser (keep-alive, Content-Length and chunked
bodies, `Expect: 100-continue`), so hundreds of requests can wait out --latency-ms at once.
The control API (/_fake/...) is described in tests/fakes/README.md.
"""
import argparse
import asyncio
import base64
import collections
import functools
import hashlib
import itertools
import json
import math
import os
import random
import re
import signal
import socket
import struct
import sys
import time

kMaxBodyBytes = 64 * 1024 * 1024  # requests larger than this get 413
kMaxHeaderLine = 1024 * 1024  # longest request or header line accepted
kMaxHeaders = 200  # most header lines in one request
kMaxSchemaDepth = 32  # recursion limit when walking a (possibly recursive) JSON schema

kReasons = {
    100: "Continue", 200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    408: "Request Timeout", 409: "Conflict", 413: "Payload Too Large",
    422: "Unprocessable Entity", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}

# Default error body per status, as (type, code), in the shape OpenAI uses.
kErrorKinds = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout_error", "timeout"),
    409: ("invalid_request_error", "conflict"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "timeout"),
}

kStepKeys = {"status", "headers", "body", "delay_ms", "hang", "content", "json", "raw_body",
             "close", "finish_reason"}
kChatOnlyStepKeys = {"content", "json", "finish_reason"}
kEndpoints = ("chat", "embeddings")
kModels = ("fake-chat", "fake-embedding")


class HttpError(Exception):
    """A request that cannot be parsed; answered with `status` and the connection closed."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method = method
        self.target = target
        self.path = target.split("?", 1)[0]
        self.version = version
        self.headers = headers  # dict, lowercased names, repeated headers joined by ", "
        self.body = body  # bytes

    def keep_alive(self):
        conn = self.headers.get("connection", "").lower()
        tokens = {t.strip() for t in conn.split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


class Response:
    """What to send back. `action` is None (send it), "close" (drop the connection without
    answering) or "hang" (never answer; wait until the client disconnects)."""

    def __init__(self, status=200, body=b"", headers=None, content_type="application/json",
                 action=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type
        self.action = action


def json_response(status, obj, headers=None):
    return Response(status, json.dumps(obj).encode(), headers)


def error_body(status, message=None, type_=None, code=None, param=None):
    default_type, default_code = kErrorKinds.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None))
    return {"error": {
        "message": message or f"Fake OpenAI server: injected HTTP {status}.",
        "type": type_ or default_type,
        "param": param,
        "code": code if code is not None else default_code,
    }}


def error_response(status, message=None, type_=None, code=None, param=None, headers=None):
    return json_response(status, error_body(status, message, type_, code, param), headers)


def approx_tokens(text):
    return math.ceil(len(text) / 4)


# ---------------------------------------------------------------------------------------------
# Deterministic instances of JSON schemas.


class SchemaFaker:
    """Builds one deterministic value that satisfies a JSON schema (the subset structured
    outputs use: object/array/string/number/integer/boolean/null, enum, const, anyOf/oneOf
    (first branch), allOf (merged), local $ref into $defs/definitions)."""

    def __init__(self, root):
        self.root = root
        self.active_refs = collections.Counter()  # $refs being expanded, to spot recursion

    def _recursing(self):
        """Inside a $ref that is already being expanded: keep the value minimal (required
        properties only, minItems items) so recursive schemas end."""
        return any(n > 1 for n in self.active_refs.values())

    def make(self):
        return self._value(self.root, "value", 0)

    def _resolve(self, ref):
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref are supported, got {ref!r}")
        node = self.root
        for part in ref[1:].split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            else:
                node = node[part]
        return node

    def _value(self, schema, name, depth):
        if depth > kMaxSchemaDepth:
            return None
        if schema is True or schema is None:
            return f"sample {name}"
        if not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            ref = schema["$ref"]
            target = self._resolve(ref)
            self.active_refs[ref] += 1
            try:
                return self._value(target, name, depth + 1)
            finally:
                self.active_refs[ref] -= 1
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                branches = schema[key]
                if self._recursing():  # prefer a branch that does not recurse again
                    branches = [b for b in branches if not (
                        isinstance(b, dict) and self.active_refs.get(b.get("$ref"), 0))] or branches
                return self._value(branches[0], name, depth + 1)
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for sub in schema["allOf"]:
                if isinstance(sub, dict) and "$ref" in sub:
                    sub = self._resolve(sub["$ref"])
                if not isinstance(sub, dict):
                    continue
                for k, v in sub.items():
                    if k in ("properties",) and isinstance(v, dict):
                        merged.setdefault("properties", {})
                        merged["properties"] = {**merged["properties"], **v}
                    elif k == "required" and isinstance(v, list):
                        merged["required"] = list(merged.get("required", [])) + v
                    else:
                        merged.setdefault(k, v)
            return self._value(merged, name, depth + 1)

        type_ = schema.get("type")
        if isinstance(type_, list):
            non_null = [t for t in type_ if t != "null"]
            type_ = non_null[0] if non_null else "null"
        if type_ is None:
            if "properties" in schema or "required" in schema:
                type_ = "object"
            elif "items" in schema or "prefixItems" in schema:
                type_ = "array"
            else:
                type_ = "string"

        if type_ == "object":
            return self._object(schema, depth)
        if type_ == "array":
            return self._array(schema, name, depth)
        if type_ == "string":
            return self._string(schema, name)
        if type_ == "integer":
            return self._integer(schema)
        if type_ == "number":
            return self._number(schema)
        if type_ == "boolean":
            return True
        return None

    def _object(self, schema, depth):
        out = {}
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = schema.get("required", []) or []
        minimal = self._recursing()
        for key, sub in props.items():
            if not minimal or key in required:
                out[key] = self._value(sub, key, depth + 1)
        extra = schema.get("additionalProperties")
        for key in required:
            if key not in out:
                sub = extra if isinstance(extra, dict) else {"type": "string"}
                out[key] = self._value(sub, key, depth + 1)
        return out

    def _array(self, schema, name, depth):
        out = []
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        for i, sub in enumerate(prefix):
            out.append(self._value(sub, f"{name} {i + 1}", depth + 1))
        min_items = int(schema.get("minItems", 0) or 0)
        count = max(min_items, len(out) if self._recursing() else max(1, len(out)))
        if isinstance(schema.get("maxItems"), int):
            count = min(count, schema["maxItems"])
        items = schema.get("items")
        if items is False:
            count = len(out)
        while len(out) < count:
            sub = items if isinstance(items, dict) else {"type": "string"}
            out.append(self._value(sub, f"{name} {len(out) + 1}", depth + 1))
        return out[:max(count, 0)]

    @staticmethod
    def _string(schema, name):
        fmt = schema.get("format")
        if fmt == "date-time":
            text = "2024-01-01T00:00:00Z"
        elif fmt == "date":
            text = "2024-01-01"
        elif fmt == "time":
            text = "00:00:00Z"
        elif fmt == "email":
            text = "sample@example.com"
        elif fmt in ("uri", "url"):
            text = "https://example.com/sample"
        elif fmt == "uuid":
            text = "00000000-0000-4000-8000-000000000000"
        else:
            text = f"sample {name}"
        min_len = int(schema.get("minLength", 0) or 0)
        if len(text) < min_len:
            text += "x" * (min_len - len(text))
        if isinstance(schema.get("maxLength"), int):
            text = text[:schema["maxLength"]]
        return text

    @staticmethod
    def _bounds(schema):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        ex_lo, ex_hi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        # Draft-4 style booleans
        if ex_lo is True:
            ex_lo, lo = lo, None
        if ex_hi is True:
            ex_hi, hi = hi, None
        ex_lo = ex_lo if isinstance(ex_lo, (int, float)) and ex_lo is not True else None
        ex_hi = ex_hi if isinstance(ex_hi, (int, float)) and ex_hi is not True else None
        return lo, hi, ex_lo, ex_hi

    @staticmethod
    def _ok(v, lo, hi, ex_lo, ex_hi):
        return ((lo is None or v >= lo) and (hi is None or v <= hi) and
                (ex_lo is None or v > ex_lo) and (ex_hi is None or v < ex_hi))

    def _number(self, schema):
        lo, hi, ex_lo, ex_hi = self._bounds(schema)
        low = lo if lo is not None else ex_lo
        high = hi if hi is not None else ex_hi
        if low is not None and high is not None:
            candidates = [round(high * 0.75, 2), round((low + high) / 2, 2), (low + high) / 2]
        elif high is not None:
            candidates = [min(0, high), high - 1]
        elif low is not None:
            candidates = [max(0, low), low + 1]
        else:
            candidates = [0.5]
        for v in candidates:
            if self._ok(v, lo, hi, ex_lo, ex_hi):
                return v
        return candidates[-1]

    def _integer(self, schema):
        lo, hi, ex_lo, ex_hi = self._bounds(schema)
        low = lo if lo is not None else (math.floor(ex_lo) + 1 if ex_lo is not None else None)
        high = hi if hi is not None else (math.ceil(ex_hi) - 1 if ex_hi is not None else None)
        if low is not None and high is not None:
            candidates = [math.floor(high * 0.75), (low + high) // 2, low]
        elif high is not None:
            candidates = [min(0, high)]
        elif low is not None:
            candidates = [max(0, low)]
        else:
            candidates = [1]
        step = schema.get("multipleOf")
        for v in candidates:
            if isinstance(step, int) and step > 0:
                v = v - v % step
            if self._ok(v, lo, hi, ex_lo, ex_hi):
                return int(v)
        return int(candidates[-1])


kSchemaBlock = re.compile(
    r"^[ \t]*BEGIN OUTPUT SCHEMA[ \t]*\r?$\n?(.*?)^[ \t]*END OUTPUT SCHEMA[ \t]*\r?$",
    re.MULTILINE | re.DOTALL)


def message_text(message):
    """The text of one chat message: a string content, or the text parts of a list content."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts)
    return ""


def schema_from_prompt(messages):
    """The schema embedded between BEGIN/END OUTPUT SCHEMA lines, searching the last message
    first. Returns (schema or None, problem or None)."""
    for message in reversed(messages):
        match = kSchemaBlock.search(message_text(message))
        if not match:
            continue
        try:
            schema = json.loads(match.group(1))
        except ValueError:
            return None, "invalid schema in prompt"
        # Accept the json_schema wrapper {"name", "schema", "strict"} as well as a bare schema.
        if (isinstance(schema, dict) and isinstance(schema.get("schema"), dict) and
                "type" not in schema and "properties" not in schema):
            schema = schema["schema"]
        return schema, None
    return None, None


# ---------------------------------------------------------------------------------------------
# Deterministic embeddings.

kWord = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=1 << 16)
def word_vector(word, dim):
    seed = int.from_bytes(hashlib.sha256(f"{dim}\0{word}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    return tuple(rng.gauss(0.0, 1.0) for _ in range(dim))


def embed(text, dim):
    """Unit vector: normalized sum of per-word pseudo-random vectors of the lowercase words, so
    texts sharing words are similar. A text without words hashes as a whole."""
    words = kWord.findall(text.lower()) or ["\0" + text]
    vecs = [word_vector(w, dim) for w in words]
    acc = vecs[0] if len(vecs) == 1 else list(map(sum, zip(*vecs)))
    norm = math.hypot(*acc) or 1.0
    return [x / norm for x in acc]


@functools.lru_cache(maxsize=1 << 13)
def embedding_json(text, dim, fmt):
    """The JSON text of one embedding: an array of floats with 7 decimals (formatting them is
    the server's main cost under load, hence the fixed precision and the cache), or a base64
    string of little-endian float32 values."""
    vec = embed(text, dim)
    if fmt == "base64":
        return json.dumps(base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode())
    return "[" + ",".join(["%.7f" % x for x in vec]) + "]"


# ---------------------------------------------------------------------------------------------
# The server.


def validate_step(endpoint, step):
    if not isinstance(step, dict):
        return "each step must be a JSON object"
    unknown = set(step) - kStepKeys
    if unknown:
        return f"unknown step keys {sorted(unknown)}; known: {sorted(kStepKeys)}"
    if endpoint != "chat" and set(step) & kChatOnlyStepKeys:
        return f"keys {sorted(set(step) & kChatOnlyStepKeys)} apply to chat steps only"
    if "status" in step and not (isinstance(step["status"], int) and
                                 not isinstance(step["status"], bool) and
                                 100 <= step["status"] <= 599):
        return "status must be an integer 100..599"
    if "headers" in step and not isinstance(step["headers"], dict):
        return "headers must be an object"
    if "delay_ms" in step and not (isinstance(step["delay_ms"], (int, float)) and
                                   not isinstance(step["delay_ms"], bool) and
                                   step["delay_ms"] >= 0):
        return "delay_ms must be a non-negative number"
    for key in ("hang", "close"):
        if key in step and not isinstance(step[key], bool):
            return f"{key} must be a boolean"
    if "content" in step and not isinstance(step["content"], str):
        return "content must be a string"
    if "raw_body" in step and not isinstance(step["raw_body"], str):
        return "raw_body must be a string"
    if "content" in step and "json" in step:
        return "content and json are mutually exclusive"
    if "finish_reason" in step and not isinstance(step["finish_reason"], str):
        return "finish_reason must be a string"
    return None


class FakeOpenAI:
    def __init__(self, latency_ms=0.0, api_key=None, embedding_dim=64, schema_support=True,
                 request_log_limit=0):
        self.latency_ms = latency_ms
        self.api_key = api_key
        self.embedding_dim = embedding_dim
        self.schema_support = schema_support
        self.request_log_limit = request_log_limit
        self.scripts = {e: collections.deque() for e in kEndpoints}
        self.ids = itertools.count(1)  # request log ids
        self.completion_ids = itertools.count(1)
        self.conn_tasks = set()
        self.connections_total = 0
        self.reset()

    def reset(self):
        for q in self.scripts.values():
            q.clear()
        self.log = collections.deque(maxlen=self.request_log_limit or None)
        self.log_dropped = 0
        self.counts = collections.Counter()
        self.statuses = collections.Counter()
        self.in_flight = getattr(self, "in_flight", 0)
        self.max_in_flight = self.in_flight

    # --- connection loop ----------------------------------------------------------------------

    async def serve_connection(self, reader, writer):
        task = asyncio.current_task()
        self.conn_tasks.add(task)
        self.connections_total += 1
        try:
            while True:
                try:
                    request = await read_request(reader, writer)
                except HttpError as e:
                    await send(writer, error_response(e.status, e.message), keep_alive=False)
                    return
                if request is None:
                    return
                keep_alive = request.keep_alive()
                response = await self.handle(request, reader)
                if response.action == "close":
                    return
                if response.action == "hang":
                    return  # the client went away
                if not await send(writer, response, keep_alive):
                    return
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # shutdown; ending normally keeps Python 3.11's stream callback quiet
        finally:
            self.conn_tasks.discard(task)
            close_quietly(writer)

    # --- routing ------------------------------------------------------------------------------

    async def handle(self, request, reader):
        path = request.path
        if path.startswith("/_fake/"):
            return self.handle_control(request)
        api = {"/v1/chat/completions": ("POST", "chat"), "/v1/embeddings": ("POST", "embeddings"),
               "/v1/models": ("GET", "models")}
        endpoint = api.get(path)
        if endpoint is None and path.startswith("/v1/models/"):
            endpoint = ("GET", "models")
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            response = await self.handle_api(request, reader, endpoint)
        finally:
            self.in_flight -= 1
        if response.action is None:
            self.statuses[str(response.status)] += 1
        else:
            self.statuses[response.action] += 1
        return response

    async def handle_api(self, request, reader, endpoint):
        name = endpoint[1] if endpoint else "other"
        self.counts[name] += 1
        body, parse_error = None, None
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError as e:
                parse_error = str(e)
        entry = {"id": next(self.ids), "method": request.method, "path": request.target,
                 "headers": request.headers, "body": body, "time": time.time(), "step": None}
        if parse_error is not None:
            entry["body_text"] = request.body.decode("utf-8", "replace")
        if self.log.maxlen is not None and len(self.log) == self.log.maxlen:
            self.log_dropped += 1
        self.log.append(entry)

        if endpoint is None:
            return error_response(404, f"Invalid URL ({request.method} {request.path})",
                                  code="unknown_url")
        method, name = endpoint
        if request.method != method:
            return error_response(405, f"Method {request.method} not allowed on {request.path}",
                                  code="method_not_allowed")
        if self.api_key is not None:
            auth = request.headers.get("authorization", "")
            if auth != f"Bearer {self.api_key}":
                return error_response(
                    401, "Incorrect API key provided." if auth else
                    "You didn't provide an API key. Provide it in the Authorization header "
                    "(Bearer auth).", code="invalid_api_key")
        if name == "models":
            return self.models(request.path)
        if parse_error is not None or not isinstance(body, dict):
            return error_response(
                400, "We could not parse the JSON body of your request. (HINT: This likely "
                "means you aren't using your HTTP library correctly. The OpenAI API expects a "
                f"JSON payload.) Parser said: {parse_error or 'body is not a JSON object'}")

        step = self.scripts[name].popleft() if self.scripts[name] else {}
        entry["step"] = step or None
        delay = self.latency_ms + float(step.get("delay_ms", 0))
        if delay > 0:
            await asyncio.sleep(delay / 1000.0)
        if step.get("close"):
            return Response(action="close")
        if step.get("hang"):
            await wait_for_disconnect(reader)
            return Response(action="hang")
        headers = {str(k): str(v) for k, v in step.get("headers", {}).items()}
        status = step.get("status", 200)
        if "raw_body" in step:
            return Response(status, step["raw_body"].encode(), headers)
        if "body" in step:
            return json_response(status, step["body"], headers)
        if status >= 300:
            return error_response(status, headers=headers)
        if name == "chat":
            response = self.chat(body, step)
        else:
            response = self.embeddings(body)
        if response.status == 200:
            response.status = status
        response.headers.update(headers)
        return response

    # --- API endpoints ------------------------------------------------------------------------

    @staticmethod
    def models(path):
        def model(mid):
            return {"id": mid, "object": "model", "created": 1700000000, "owned_by": "fake"}
        if path.startswith("/v1/models/"):
            mid = path[len("/v1/models/"):]
            if mid not in kModels:
                return error_response(404, f"The model '{mid}' does not exist",
                                      code="model_not_found", param="model")
            return json_response(200, model(mid))
        return json_response(200, {"object": "list", "data": [model(m) for m in kModels]})

    def chat(self, body, step):
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return error_response(400, "'messages' must be a non-empty array", param="messages")
        if not isinstance(body.get("model"), str):
            return error_response(400, "you must provide a model parameter", param="model")
        if body.get("stream"):
            return error_response(400, "stream=true is not supported by the fake server",
                                  param="stream")
        fmt = body.get("response_format")
        fmt_type = fmt.get("type") if isinstance(fmt, dict) else None
        if fmt is not None and fmt_type not in ("text", "json_object", "json_schema"):
            return error_response(400, f"Invalid value for response_format: {fmt!r}",
                                  param="response_format")
        if fmt_type == "json_schema" and not self.schema_support:
            return error_response(400, "response_format json_schema is not supported",
                                  param="response_format")

        if "content" in step:
            content = step["content"]
        elif "json" in step:
            content = json.dumps(step["json"])
        else:
            if fmt_type == "json_schema":
                js = fmt.get("json_schema")
                if not isinstance(js, dict) or not isinstance(js.get("name"), str):
                    return error_response(
                        400, "response_format.json_schema must be an object with a 'name'",
                        param="response_format.json_schema")
                schema, problem = js.get("schema", {}), None
            else:
                schema, problem = schema_from_prompt(messages)
            if problem:
                content = json.dumps({"error": problem})
            elif schema is None:
                content = json.dumps({"error": "no schema"})
            else:
                try:
                    content = json.dumps(SchemaFaker(schema).make())
                except (ValueError, KeyError, IndexError, TypeError) as e:
                    return error_response(400, f"Invalid schema: {e}",
                                          param="response_format.json_schema.schema")

        n = body.get("n", 1)
        n = n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 16 else 1
        prompt = sum(approx_tokens(message_text(m)) for m in messages)
        completion = approx_tokens(content) * n
        return json_response(200, {
            "id": f"chatcmpl-fake{next(self.completion_ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
            "choices": [{
                "index": i,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": step.get("finish_reason", "stop"),
            } for i in range(n)],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion},
        })

    def embeddings(self, body):
        if not isinstance(body.get("model"), str):
            return error_response(400, "you must provide a model parameter", param="model")
        raw = body.get("input")
        if isinstance(raw, str):
            items = [raw]
        elif isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw):
            items = [raw]  # one token array
        elif isinstance(raw, list) and raw:
            items = raw
        else:
            return error_response(400, "'input' must be a non-empty string or array",
                                  param="input")
        texts, tokens = [], 0
        for item in items:
            if isinstance(item, str):
                if not item:
                    return error_response(400, "'input' cannot contain an empty string",
                                          param="input")
                texts.append(item)
                tokens += approx_tokens(item)
            elif (isinstance(item, list) and item and
                  all(isinstance(x, int) and not isinstance(x, bool) for x in item)):
                texts.append(" ".join(str(x) for x in item))
                tokens += len(item)
            else:
                return error_response(400, "'input' items must be strings or token arrays",
                                      param="input")
        dim = body.get("dimensions", self.embedding_dim)
        if not isinstance(dim, int) or isinstance(dim, bool) or not 1 <= dim <= 8192:
            return error_response(400, "'dimensions' must be an integer 1..8192",
                                  param="dimensions")
        fmt = body.get("encoding_format", "float")
        if fmt not in ("float", "base64"):
            return error_response(400, "'encoding_format' must be 'float' or 'base64'",
                                  param="encoding_format")
        data = ", ".join(
            f'{{"object": "embedding", "index": {i}, "embedding": {embedding_json(t, dim, fmt)}}}'
            for i, t in enumerate(texts))
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        body = (f'{{"object": "list", "data": [{data}], "model": {json.dumps(body["model"])}, '
                f'"usage": {json.dumps(usage)}}}')
        return Response(200, body.encode())

    # --- control API --------------------------------------------------------------------------

    def handle_control(self, request):
        path, method = request.path, request.method
        if path == "/_fake/script" and method == "POST":
            try:
                body = json.loads(request.body or b"null")
            except ValueError as e:
                return error_response(400, f"script body is not JSON: {e}")
            if not isinstance(body, dict):
                return error_response(400, "script body must be an object")
            unknown = set(body) - set(kEndpoints)
            if unknown:
                return error_response(400, f"unknown script endpoints {sorted(unknown)}; "
                                      f"known: {list(kEndpoints)}")
            for endpoint, steps in body.items():
                if not isinstance(steps, list):
                    return error_response(400, f"{endpoint} must be an array of steps")
                for i, step in enumerate(steps):
                    problem = validate_step(endpoint, step)
                    if problem:
                        return error_response(400, f"{endpoint}[{i}]: {problem}")
            for endpoint, steps in body.items():
                self.scripts[endpoint].extend(steps)
            return json_response(200, {"pending": self.pending()})
        if path == "/_fake/reset" and method == "POST":
            self.reset()
            return json_response(200, {"ok": True})
        if path == "/_fake/requests" and method == "GET":
            return json_response(200, list(self.log))
        if path == "/_fake/stats" and method == "GET":
            return json_response(200, self.stats())
        return error_response(404, f"no control route {method} {path}", code="unknown_url")

    def pending(self):
        return {e: len(q) for e, q in self.scripts.items()}

    def stats(self):
        return {
            "requests": {k: self.counts.get(k, 0) for k in ("chat", "embeddings", "models",
                                                            "other")},
            "responses": dict(self.statuses),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "pending_steps": self.pending(),
            "logged_requests": len(self.log),
            "log_dropped": self.log_dropped,
            "connections": {"open": len(self.conn_tasks), "total": self.connections_total},
        }


# ---------------------------------------------------------------------------------------------
# HTTP/1.1 framing.


async def read_line(reader):
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise HttpError(431, "request line or header too long")
    except asyncio.IncompleteReadError as e:
        if e.partial:
            raise HttpError(400, "connection closed inside the request head")
        return None
    return line.rstrip(b"\r\n")


async def read_request(reader, writer):
    """Reads one request; None on a clean end of stream before it."""
    line = b""
    while not line:  # tolerate blank lines between requests
        line = await read_line(reader)
        if line is None:
            return None
    try:
        method, target, version = line.decode("latin-1").split(" ")
    except ValueError:
        raise HttpError(400, "malformed request line")
    if not version.startswith("HTTP/1."):
        raise HttpError(505 if version.startswith("HTTP/") else 400, "unsupported HTTP version")
    headers = {}
    while True:
        hline = await read_line(reader)
        if hline is None:
            raise HttpError(400, "connection closed inside the headers")
        if not hline:
            break
        if len(headers) >= kMaxHeaders:
            raise HttpError(431, "too many headers")
        name, sep, value = hline.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, "malformed header line")
        name, value = name.lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value

    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    length = headers.get("content-length")
    if length is not None and not chunked:
        if not length.isdigit():
            raise HttpError(400, "bad Content-Length")
        length = int(length)
        if length > kMaxBodyBytes:
            raise HttpError(413, "request body too large")
    has_body = chunked or bool(length)
    if has_body and headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    body = b""
    if chunked:
        body = await read_chunked(reader)
    elif length:
        body = await reader.readexactly(length)
    return Request(method, target, version, headers, body)


async def read_chunked(reader):
    parts, total = [], 0
    while True:
        size_line = await read_line(reader)
        if size_line is None:
            raise HttpError(400, "connection closed inside a chunked body")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "bad chunk size")
        if size == 0:
            while True:  # trailers
                trailer = await read_line(reader)
                if not trailer:
                    return b"".join(parts)
        total += size
        if total > kMaxBodyBytes:
            raise HttpError(413, "request body too large")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)  # CRLF after the chunk


async def send(writer, response, keep_alive):
    """Writes the response; False if the client is gone."""
    head = [f"HTTP/1.1 {response.status} {kReasons.get(response.status, 'Status')}",
            f"Content-Length: {len(response.body)}",
            f"Connection: {'keep-alive' if keep_alive else 'close'}"]
    custom = {name.lower() for name in response.headers}
    if "content-type" not in custom:
        head.append(f"Content-Type: {response.content_type}")
    for name, value in response.headers.items():
        if name.lower() not in ("content-length", "connection"):
            head.append(f"{name}: {value}")
    data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
    if writer.is_closing():
        return False
    try:
        writer.write(data)
        await writer.drain()
    except (ConnectionError, OSError):
        return False
    return True


async def wait_for_disconnect(reader):
    """Discards whatever the client sends until it closes the connection."""
    try:
        while await reader.read(65536):
            pass
    except (ConnectionError, OSError):
        pass


def close_quietly(writer):
    try:
        writer.close()
    except (ConnectionError, OSError, RuntimeError):
        pass


# ---------------------------------------------------------------------------------------------
# Process entry point.


def write_port_file(path, port):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


async def run(args):
    fake = FakeOpenAI(latency_ms=args.latency_ms, api_key=args.api_key,
                      embedding_dim=args.embedding_dim, schema_support=not args.no_schema_support,
                      request_log_limit=args.request_log_limit)
    info = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM,
                              flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(info[0], info[1], info[2])
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(info[4])
    sock.listen(args.backlog)
    server = await asyncio.start_server(fake.serve_connection, sock=sock, limit=kMaxHeaderLine,
                                        backlog=args.backlog)
    port = sock.getsockname()[1]

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"listening on {args.host}:{port}", flush=True)

    await stop.wait()
    server.close()
    tasks = list(fake.conn_tasks)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--port-file", help="write the chosen port here (atomically) once listening")
    p.add_argument("--latency-ms", type=float, default=0.0,
                   help="delay before every chat/embeddings answer (default 0)")
    p.add_argument("--api-key", help="require 'Authorization: Bearer KEY' on /v1 routes")
    p.add_argument("--embedding-dim", type=int, default=64,
                   help="embedding size when the request has no 'dimensions' (default 64)")
    p.add_argument("--no-schema-support", action="store_true",
                   help="reject response_format json_schema with 400, like some servers")
    p.add_argument("--request-log-limit", type=int, default=0,
                   help="keep only the newest N requests in /_fake/requests (default 0: all)")
    p.add_argument("--backlog", type=int, default=1024, help="listen backlog (default 1024)")
    args = p.parse_args(argv)
    if args.embedding_dim < 1:
        p.error("--embedding-dim must be positive")
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
