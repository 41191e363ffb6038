"""`promptkit test` against a scripted OpenAI-compatible server on 127.0.0.1: retries with
Retry-After, timeouts, truncated and malformed bodies, fallback models, the circuit breaker
tripping and resetting, the cost budget, and the response cache."""
import subprocess
import xml.etree.ElementTree as ET

from evalutil import BIN, cases_yaml, server, ws  # noqa: F401  (fixtures)


def test_retries_429_with_retry_after_then_500_then_answers(ws, server):
    ws.prompt(cases_yaml(["one"]))
    server.script["gpt-4o-mini"] = [{"status": 429, "retry_after": 1}, {"status": 500}, {"content": "ok then"}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", expect=0)
    t = report["tests"][0]
    assert t["status"] == "passed" and t["attempts"] == 3 and t["model"] == "gpt-4o-mini"
    assert len(t["retries"]) == 2 and "HTTP 429" in t["retries"][0] and "HTTP 500" in t["retries"][1]
    times = [r[0] for r in server.requests]
    assert times[1] - times[0] >= 0.95, "Retry-After: 1 was not honoured"
    assert times[2] - times[1] < 0.9, "a 500 without Retry-After waits only the (10 ms based) backoff"


def test_timeout_truncated_and_malformed_bodies_are_retried(ws, server):
    ws.config(timeout="1s", max_retries=4)
    ws.prompt(cases_yaml(["one"]))
    server.script["gpt-4o-mini"] = [{"delay": 2.5, "content": "too late"}, {"truncated": True}, {"malformed": True}, {"content": "ok"}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", expect=0)
    t = report["tests"][0]
    assert t["attempts"] == 4 and t["output"] == "ok"
    kinds = " | ".join(t["retries"])
    assert "no response within 1 s" in kinds or "timed out" in kinds.lower(), kinds
    assert "malformed response" in kinds


def test_client_errors_are_not_retried(ws, server):
    ws.prompt(cases_yaml(["one"]), fallbacks=())
    server.script["gpt-4o-mini"] = [{"status": 400, "message": "bad request: unknown parameter"}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", expect=2)
    t = report["tests"][0]
    assert t["status"] == "error" and t["attempts"] == 1 and "HTTP 400" in t["error"]
    assert len(server.requests) == 1


def test_falls_back_to_the_files_fallback_models(ws, server):
    ws.config(max_retries=1)
    ws.prompt(cases_yaml(["one"]))
    server.script["gpt-4o-mini"] = [{"status": 503}, {"status": 503}]
    server.script["gpt-4.1-mini"] = [{"content": "ok from the fallback"}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", expect=0)
    t = report["tests"][0]
    assert t["model"] == "gpt-4.1-mini" and t["output"] == "ok from the fallback"
    assert len(t["fallbacks"]) == 1 and "gpt-4o-mini: HTTP 503" in t["fallbacks"][0]
    assert server.models_asked() == ["gpt-4o-mini", "gpt-4o-mini", "gpt-4.1-mini"]


def test_breaker_trips_fails_fast_and_resets_after_cooldown(ws, server):
    ws.config(max_retries=0, breaker_failures=3, breaker_cooldown="1s", timeout="5s")
    # Run in order: three failures open the breaker; two tests fail fast without a request; a slow
    # test on another provider lets the cooldown pass; the next request is the half-open probe,
    # which succeeds and closes the breaker.
    tests = "".join(f"  - name: t{i}\n    provider: fake\n    model: gpt-4o-mini\n    vars: {{question: q{i}}}\n    assert:\n      - contains: ok\n" for i in range(1, 6))
    tests += "  - name: t6 slow elsewhere\n    provider: slowpoke\n    model: slow-model\n    vars: {question: q6}\n    assert:\n      - contains: ok\n"
    tests += "".join(f"  - name: t{i}\n    provider: fake\n    model: gpt-4o-mini\n    vars: {{question: q{i}}}\n    assert:\n      - contains: ok\n" for i in (7, 8))
    ws.prompt(tests)
    server.script["gpt-4o-mini"] = [{"status": 500}, {"status": 500}, {"status": 500}]
    server.script["slow-model"] = [{"delay": 1.3, "content": "ok slowly"}]
    code, report, _ = ws.run("--no-cache", "--parallel", "1", expect=2)
    by = {t["name"]: t for t in report["tests"]}
    for n in ("t1", "t2", "t3"):
        assert by[n]["status"] == "error" and "HTTP 500" in by[n]["error"], by[n]
    for n in ("t4", "t5"):
        assert by[n]["status"] == "error" and "circuit breaker is open" in by[n]["error"] and by[n]["attempts"] == 0, by[n]
    assert by["t6 slow elsewhere"]["status"] == "passed"
    assert by["t7"]["status"] == "passed" and by["t8"]["status"] == "passed"
    assert server.models_asked().count("gpt-4o-mini") == 5  # 3 failures, the probe, one normal call
    assert report["summary"]["breaker_trips"] == {"fake": 1}


def test_budget_stops_the_run(ws, server):
    ws.config()
    (ws.root / "promptkit.yaml").write_text((ws.root / "promptkit.yaml").read_text() + "  budget_usd: 0.05\n")
    ws.prompt(cases_yaml(["a", "b", "c"]))
    # 1M prompt tokens on gpt-4o-mini cost $0.15: the first answer spends the whole budget.
    server.script["*"] = [{"content": "ok", "usage": (1_000_000, 10)}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", "--parallel", "1", expect=2)
    statuses = [t["status"] for t in report["tests"]]
    assert statuses == ["passed", "error", "error"]
    assert all("budget" in t["error"] for t in report["tests"][1:])
    assert len(server.requests) == 1
    assert report["summary"]["spent_usd"] >= 0.15 and report["summary"]["budget_usd"] == 0.05


def test_second_run_is_served_from_the_cache(ws, server):
    ws.prompt(cases_yaml(["a", "b", "c"]))
    server.responder = lambda body: "ok " + body["messages"][-1]["content"]
    _, first, _ = ws.run("--provider", "fake", expect=0)
    assert len(server.requests) == 3 and first["summary"]["cache_hits"] == 0
    _, second, _ = ws.run("--provider", "fake", expect=0)
    assert len(server.requests) == 3, "the second run reached the server"
    assert second["summary"]["cache_hits"] == 3 and second["summary"]["requests"] == 0
    assert all(t["cached"] for t in second["tests"])
    assert [t["output"] for t in second["tests"]] == [t["output"] for t in first["tests"]]
    # A changed prompt is a different request: it misses.
    p = next(ws.root.glob("*.prompt.yaml"))
    p.write_text(p.read_text().replace("briefly", "very briefly"))
    _, third, _ = ws.run("--provider", "fake", expect=0)
    assert third["summary"]["cache_hits"] == 0 and len(server.requests) == 6
    _, _, _ = ws.run("--provider", "fake", "--refresh", expect=0)
    assert len(server.requests) == 9
    _, fourth, _ = ws.run("--provider", "fake", "--no-cache", expect=0)
    assert len(server.requests) == 12 and fourth["summary"]["cache_hits"] == 0


def test_record_then_replay_offline_and_notice_a_stale_recording(ws, server):
    ws.prompt(cases_yaml(["a", "b"]))
    server.responder = lambda body: "ok recorded"
    ws.run("--provider", "fake", "--record", "--no-cache", expect=0)
    recorded = next(ws.root.glob("*.recorded.json"))
    assert '"ok recorded"' in recorded.read_text()
    before = len(server.requests)
    _, replay, _ = ws.run(expect=0)  # default provider: recorded
    assert len(server.requests) == before
    assert all(t["provider"] == "recorded" and not t["stale_recording"] for t in replay["tests"])
    p = next(ws.root.glob("*.prompt.yaml"))
    p.write_text(p.read_text().replace("briefly", "in one line"))
    _, stale, _ = ws.run(expect=0)
    assert all(t["stale_recording"] for t in stale["tests"])


def test_failures_exit_1_and_min_pass_rate(ws, server):
    ws.prompt(cases_yaml(["a", "b", "c", "d"]))
    server.script["*"] = [{"content": "ok"}, {"content": "ok"}, {"content": "ok"}, {"content": "nope"}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", "--parallel", "1", expect=1)
    assert report["summary"]["passed"] == 3 and report["summary"]["failed"] == 1
    failing = [t for t in report["tests"] if t["status"] == "failed"][0]
    assert failing["assertions"][0]["passed"] is False and failing["assertions"][0]["value"] is False
    server.script["*"] = [{"content": "ok"}, {"content": "ok"}, {"content": "ok"}, {"content": "nope"}]
    ws.run("--provider", "fake", "--no-cache", "--parallel", "1", "--min-pass-rate", "0.75", expect=0)
    server.script["*"] = [{"content": "ok"}, {"content": "ok"}, {"content": "ok"}, {"content": "nope"}]
    ws.run("--provider", "fake", "--no-cache", "--parallel", "1", "--min-pass-rate", "0.8", expect=1)

def test_junit_output_is_valid_xml_with_failures_and_errors(ws, server):
    ws.prompt(cases_yaml(["passes", "fails", "errors"]), fallbacks=())
    server.script["*"] = [{"content": "ok"}, {"content": "nope"}, {"status": 401, "message": "bad key"}]
    p = subprocess.run([BIN, "test", "--provider", "fake", "--no-cache", "--parallel", "1",
                                      "--format", "junit"], cwd=ws.root, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    root = ET.fromstring(p.stdout)
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "1" and root.get("errors") == "1"
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["passes"].find("failure") is None and cases["passes"].find("error") is None
    assert "contains" in cases["fails"].find("failure").get("message")
    assert "HTTP 401" in cases["errors"].find("error").get("message")


def test_llm_rubric_asks_the_judge(ws, server):
    ws.prompt("  - name: graded\n    vars: {question: q}\n    assert:\n      - llm-rubric: The answer is polite.\n"
              "  - name: graded strictly\n    vars: {question: q2}\n    assert:\n      - type: llm-rubric\n        value: The answer cites a document.\n        threshold: 0.8\n")
    server.script["gpt-4o-mini"] = [{"content": "Happy to help!"}, {"content": "Sure."}]
    server.script["judge-model"] = [{"content": '```json\n{"pass": true, "score": 0.9, "reason": "polite"}\n```'},
                                    {"content": '{"pass": true, "score": 0.4, "reason": "no citation"}'}]
    code, report, _ = ws.run("--provider", "fake", "--no-cache", "--parallel", "1", expect=1)
    by = {t["name"]: t for t in report["tests"]}
    assert by["graded"]["status"] == "passed" and by["graded"]["assertions"][0]["value"] == 0.9
    assert by["graded strictly"]["status"] == "failed" and by["graded strictly"]["assertions"][0]["value"] == 0.4
    judge_requests = [b for _, m, b, _ in server.requests if m == "judge-model"]
    assert "The answer is polite." in judge_requests[0]["messages"][-1]["content"]


def test_concurrency_limit_per_provider(ws, server):
    ws.config(concurrency=2)
    ws.prompt(cases_yaml([f"t{i}" for i in range(6)]))
    server.script["*"] = [{"delay": 0.4, "content": "ok"} for _ in range(6)]
    ws.run("--provider", "fake", "--no-cache", "--parallel", "6", expect=0)
    assert len(server.requests) == 6
    assert server.most_in_flight == 2, f"{server.most_in_flight} requests were in flight at once (limit 2)"


def test_record_results_gates_promotion_in_the_registry(ws, server):
    path = ws.prompt(cases_yaml(["a", "b"]))
    db = ws.root / "reg.sqlite"

    def registry(*args, expect=0):
        p = subprocess.run([BIN, "registry", *args, "--db", str(db)], cwd=ws.root, capture_output=True, text=True, timeout=60)
        assert p.returncode == expect, p.stdout + p.stderr
        return p

    registry("publish", str(path))
    registry("protect", "production", "--min-pass-rate", "1.0")
    registry("promote", "demo/answer@1.0.0", "--to", "production", "--reason", "no tests yet", expect=1)
    server.script["*"] = [{"content": "ok"}, {"content": "nope"}]
    p = subprocess.run([BIN, "test", "--provider", "fake", "--no-cache", "--parallel", "1", "--record-results", "--db", str(db)],
                       cwd=ws.root, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "demo/answer@1.0.0: recorded 1/2 passed in the registry" in p.stdout, p.stdout + p.stderr
    registry("promote", "demo/answer@1.0.0", "--to", "production", "--reason", "half pass", expect=1)
    server.script["*"] = [{"content": "ok"}, {"content": "ok"}]
    p = subprocess.run([BIN, "test", "--provider", "fake", "--no-cache", "--record-results", "--db", str(db)],
                       cwd=ws.root, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "recorded 2/2 passed" in p.stdout, p.stdout + p.stderr
    registry("promote", "demo/answer@1.0.0", "--to", "production", "--reason", "all pass")
    # An edited file is not the published version: its results are not recorded against it.
    path.write_text(path.read_text().replace("briefly", "tersely"))
    server.script["*"] = [{"content": "ok"}, {"content": "ok"}]
    p = subprocess.run([BIN, "test", "--provider", "fake", "--no-cache", "--record-results", "--db", str(db)],
                       cwd=ws.root, capture_output=True, text=True, timeout=60)
    assert "differs from the published 1.0.0" in p.stdout, p.stdout
