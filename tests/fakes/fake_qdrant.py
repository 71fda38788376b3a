#!/usr/bin/env python3
"""A fake Qdrant server for AutoGrader's tests: the REST calls the Qdrant adapter makes.

No Qdrant binary can be installed on the project's machines, so the adapter is tested against
this. It keeps collections in memory and answers in Qdrant's response shape
({"result": ..., "status": "ok", "time": ...}; errors {"status": {"error": ...}, "time": ...}).
Every request body is checked against the schema Qdrant documents for the call (OpenAPI of
Qdrant 1.x: CreateCollection, CreateFieldIndex, PointInsertOperations, SearchRequest,
PointsSelector with Filter): an unknown field, a wrong type or a vector of the wrong size is a
400 naming it, as Qdrant answers, so a request the real server would refuse fails the tests.
Python 3 standard library only.

    python3 tests/fakes/fake_qdrant.py --port 0 --port-file /tmp/qdrant.port [--api-key KEY]

Control routes: GET /_fake/requests (every request: method, path, body), POST /_fake/reset.
"""
import argparse
import json
import math
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs


class BadRequest(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def expect_object(value, where, allowed, required=()):
    if not isinstance(value, dict):
        raise BadRequest(f"Format error in JSON body: {where}: expected an object")
    for key in value:
        if key not in allowed:
            raise BadRequest(f"Format error in JSON body: {where}: unknown field `{key}`, "
                             f"expected one of {', '.join(sorted(allowed))}")
    for key in required:
        if key not in value:
            raise BadRequest(f"Format error in JSON body: {where}: missing field `{key}`")


def expect_int(value, where, minimum=None):
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"Format error in JSON body: {where}: expected an integer")
    if minimum is not None and value < minimum:
        raise BadRequest(f"Format error in JSON body: {where}: must be at least {minimum}")


def expect_bool(value, where):
    if not isinstance(value, bool):
        raise BadRequest(f"Format error in JSON body: {where}: expected a boolean")


def expect_point_id(value, where):
    # ExtendedPointId: an unsigned integer or a UUID string.
    if isinstance(value, bool):
        raise BadRequest(f"Format error in JSON body: {where}: expected an unsigned integer or UUID")
    if isinstance(value, int):
        if value < 0:
            raise BadRequest(f"Format error in JSON body: {where}: expected an unsigned integer")
        return
    if isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F-]{32,36}", value):
        return
    raise BadRequest(f"Format error in JSON body: {where}: expected an unsigned integer or UUID")


def expect_vector(value, where, size):
    if not isinstance(value, list) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        raise BadRequest(f"Format error in JSON body: {where}: expected an array of numbers")
    if not all(math.isfinite(x) for x in value):
        raise BadRequest(f"Format error in JSON body: {where}: numbers must be finite")
    if len(value) != size:
        raise BadRequest(f"Wrong input: Vector dimension error: expected dim: {size}, "
                         f"got {len(value)}")


def check_filter(value, where):
    expect_object(value, where, {"must", "should", "must_not", "min_should"})
    for clause in ("must", "should", "must_not"):
        if clause not in value or value[clause] is None:
            continue
        conditions = value[clause]
        if isinstance(conditions, dict):
            conditions = [conditions]
        if not isinstance(conditions, list):
            raise BadRequest(f"Format error in JSON body: {where}.{clause}: expected an array")
        for i, c in enumerate(conditions):
            at = f"{where}.{clause}[{i}]"
            expect_object(c, at, {"key", "match", "range"}, required=("key",))
            if not isinstance(c["key"], str):
                raise BadRequest(f"Format error in JSON body: {at}.key: expected a string")
            if "match" in c:
                expect_object(c["match"], f"{at}.match", {"value", "any", "text"})
                v = c["match"].get("value")
                if not isinstance(v, (int, str, bool)):
                    raise BadRequest(f"Format error in JSON body: {at}.match.value: "
                                     "expected an integer, string or boolean")


def matches(payload, flt):
    def cond(c):
        v = payload.get(c["key"])
        if "match" in c and "value" in c["match"]:
            return v == c["match"]["value"]
        return False
    must = flt.get("must") or []
    should = flt.get("should") or []
    must_not = flt.get("must_not") or []
    if isinstance(must, dict):
        must = [must]
    if isinstance(should, dict):
        should = [should]
    if isinstance(must_not, dict):
        must_not = [must_not]
    return (all(cond(c) for c in must) and (not should or any(cond(c) for c in should))
            and not any(cond(c) for c in must_not))


def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v] if n > 0 else list(v)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.collections = {}  # name -> {"size", "distance", "points": {id: (vector, payload)}}
        self.requests = []
        self.operation = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-qdrant"
    disable_nagle_algorithm = True  # else each keep-alive answer waits out a delayed ACK

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def ok(self, result, started):
        self.send_json(200, {"result": result, "status": "ok", "time": time.time() - started})

    def error(self, status, message, started):
        self.send_json(status, {"status": {"error": message}, "time": time.time() - started})

    def handle_any(self, method):
        started = time.time()
        state = self.server.state
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/_fake/"):
            if url.path == "/_fake/requests":
                with state.lock:
                    return self.send_json(200, state.requests)
            if url.path == "/_fake/reset":
                with state.lock:
                    state.collections.clear()
                    state.requests.clear()
                return self.send_json(200, {"ok": True})
            return self.error(404, "no such control route", started)
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError as e:
                return self.error(400, f"Format error in JSON body: {e}", started)
        with state.lock:
            state.requests.append({"method": method, "path": url.path,
                                   "query": url.query, "body": body})
        if self.server.api_key and self.headers.get("api-key") != self.server.api_key:
            return self.error(401, "Must provide an API key or an Authorization bearer token",
                              started)
        try:
            with state.lock:
                result = self.route(method, url.path, parse_qs(url.query), body)
            self.ok(result, started)
        except BadRequest as e:
            self.error(e.status, str(e), started)

    def route(self, method, path, query, body):
        state = self.server.state
        m = re.fullmatch(r"/collections/([A-Za-z0-9_.-]+)(/.*)?", path)
        if not m:
            raise BadRequest(f"Not found: {path}", 404)
        name, rest = m.group(1), m.group(2) or ""
        coll = state.collections.get(name)

        def need():
            if coll is None:
                raise BadRequest(f"Not found: Collection `{name}` doesn't exist!", 404)
            return coll

        for key in query:
            if key not in ("wait", "timeout", "ordering"):
                raise BadRequest(f"Format error in query: unknown parameter `{key}`")

        if rest == "" and method == "GET":
            c = need()
            return {"status": "green", "optimizer_status": "ok",
                    "points_count": len(c["points"]), "indexed_vectors_count": 0,
                    "segments_count": 1,
                    "config": {"params": {"vectors": {"size": c["size"],
                                                      "distance": c["distance"]},
                                          "shard_number": 1, "replication_factor": 1},
                               "hnsw_config": {"m": 16, "ef_construct": 100},
                               "optimizer_config": {}, "wal_config": {}},
                    "payload_schema": c["indexes"]}
        if rest == "" and method == "PUT":
            expect_object(body, "body", {"vectors", "shard_number", "replication_factor",
                                         "write_consistency_factor", "on_disk_payload",
                                         "hnsw_config", "wal_config", "optimizers_config",
                                         "quantization_config", "sparse_vectors"},
                          required=("vectors",))
            v = body["vectors"]
            expect_object(v, "body.vectors", {"size", "distance", "on_disk", "hnsw_config",
                                              "quantization_config", "datatype"},
                          required=("size", "distance"))
            expect_int(v["size"], "body.vectors.size", 1)
            if v["distance"] not in ("Cosine", "Euclid", "Dot", "Manhattan"):
                raise BadRequest("Format error in JSON body: body.vectors.distance: unknown "
                                 f"variant `{v['distance']}`")
            if coll is not None:
                raise BadRequest(f"Wrong input: Collection `{name}` already exists!", 409)
            state.collections[name] = {"size": v["size"], "distance": v["distance"],
                                       "points": {}, "indexes": {}}
            return True
        if rest == "" and method == "DELETE":
            return state.collections.pop(name, None) is not None
        if rest == "/index" and method == "PUT":
            c = need()
            expect_object(body, "body", {"field_name", "field_schema"}, required=("field_name",))
            if not isinstance(body["field_name"], str):
                raise BadRequest("Format error in JSON body: body.field_name: expected a string")
            if body.get("field_schema") not in (None, "keyword", "integer", "float", "bool",
                                                "geo", "text", "datetime", "uuid"):
                raise BadRequest("Format error in JSON body: body.field_schema: unknown variant")
            c["indexes"][body["field_name"]] = {"data_type": body.get("field_schema"),
                                                "points": len(c["points"])}
            state.operation += 1
            return {"operation_id": state.operation, "status": "completed"}
        if rest == "/points" and method == "PUT":
            c = need()
            expect_object(body, "body", {"points", "batch", "shard_key"})
            if "points" not in body:
                raise BadRequest("Format error in JSON body: body: expected `points` or `batch`")
            if not isinstance(body["points"], list):
                raise BadRequest("Format error in JSON body: body.points: expected an array")
            checked = []
            for i, p in enumerate(body["points"]):
                at = f"body.points[{i}]"
                expect_object(p, at, {"id", "vector", "payload"}, required=("id", "vector"))
                expect_point_id(p["id"], f"{at}.id")
                expect_vector(p["vector"], f"{at}.vector", c["size"])
                payload = p.get("payload") or {}
                if not isinstance(payload, dict):
                    raise BadRequest(f"Format error in JSON body: {at}.payload: expected an object")
                checked.append(p)
            for p in checked:  # all or nothing, as one operation
                vec = unit(p["vector"]) if c["distance"] == "Cosine" else p["vector"]
                c["points"][p["id"]] = (vec, dict(p.get("payload") or {}))
            state.operation += 1
            return {"operation_id": state.operation, "status": "completed"}
        m = re.fullmatch(r"/points/(\d+)", rest)
        if m and method == "GET":
            c = need()
            pid = int(m.group(1))
            if pid not in c["points"]:
                raise BadRequest(f"Not found: Point with id {pid} does not exists!", 404)
            vec, payload = c["points"][pid]
            return {"id": pid, "payload": payload, "vector": None}
        if rest == "/points/search" and method == "POST":
            c = need()
            expect_object(body, "body", {"vector", "filter", "params", "limit", "offset",
                                         "with_payload", "with_vector", "score_threshold",
                                         "shard_key"}, required=("vector", "limit"))
            expect_vector(body["vector"], "body.vector", c["size"])
            expect_int(body["limit"], "body.limit", 1)
            if "offset" in body:
                expect_int(body["offset"], "body.offset", 0)
            for flag in ("with_payload", "with_vector"):
                if flag in body:
                    expect_bool(body[flag], f"body.{flag}")
            flt = body.get("filter")
            if flt is not None:
                check_filter(flt, "body.filter")
            q = unit(body["vector"])
            hits = []
            for pid, (vec, payload) in c["points"].items():
                if flt is not None and not matches(payload, flt):
                    continue
                score = sum(a * b for a, b in zip(q, vec))
                hits.append({"id": pid, "version": 0, "score": score})
            hits.sort(key=lambda h: (-h["score"], h["id"]))
            offset = body.get("offset", 0)
            return hits[offset:offset + body["limit"]]
        if rest == "/points/delete" and method == "POST":
            c = need()
            expect_object(body, "body", {"points", "filter", "shard_key"})
            if ("points" in body) == ("filter" in body):
                raise BadRequest("Format error in JSON body: body: expected `points` or `filter`")
            if "filter" in body:
                check_filter(body["filter"], "body.filter")
                doomed = [pid for pid, (_, payload) in c["points"].items()
                          if matches(payload, body["filter"])]
            else:
                if not isinstance(body["points"], list):
                    raise BadRequest("Format error in JSON body: body.points: expected an array")
                for i, pid in enumerate(body["points"]):
                    expect_point_id(pid, f"body.points[{i}]")
                doomed = list(body["points"])
            for pid in doomed:
                c["points"].pop(pid, None)
            state.operation += 1
            return {"operation_id": state.operation, "status": "completed"}
        raise BadRequest(f"Not found: {method} {path}", 404)

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--port-file", help="write the chosen port here (atomically) once listening")
    p.add_argument("--api-key", help="require the api-key header on every Qdrant route")
    args = p.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State()
    server.api_key = args.api_key
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"listening on {args.host}:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())

    # A test process that dies without stopping its fake must not leave it running.
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(1)
        server.shutdown()
    threading.Thread(target=watch_parent, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
