"""The registry commands end to end: exit codes, JSON shapes, the audit log's guarantees, the
documented assignment hash, export/import, and clear errors for unusable database files."""
import hashlib
import json
import os
import sqlite3
import subprocess
import tempfile

from regutil import BIN, REPO, make_file, run, run_json  # noqa: F401 (make_file is a fixture)

def test_publish_promote_resolve_rollback(tmp_path, make_file):
    db = tmp_path / "r.sqlite"
    first = make_file("support/triage", "1.0.0", "First.")
    out = run_json("publish", str(first), "--author", "alice", db=db)
    assert out[0]["status"] == "published" and out[0]["name"] == "support/triage"
    assert out[0]["content_hash"] == hashlib.sha256(first.read_bytes()).hexdigest()
    # Same bytes: a no-op, exit 0.
    assert run_json("publish", str(first), db=db)[0]["status"] == "unchanged"
    # Same name and version, other bytes: refused with both hashes named.
    first.write_text(first.read_text().replace("First.", "Changed."))
    p = run("publish", str(first), db=db, check=1)
    assert hashlib.sha256(first.read_bytes()).hexdigest() in p.stderr
    assert out[0]["content_hash"] in p.stderr

    second = make_file("support/triage", "1.1.0", "Second.")
    run("publish", str(second), "--author", "bob", db=db, check=0)
    # Nothing promoted to production yet: exit 1.
    assert "nothing runs in production" in run("resolve", "support/triage", "--env", "production", db=db, check=1).stderr
    run("promote", "support/triage@1.0.0", "--to", "production", "--reason", "first", "--author", "alice", db=db, check=0)
    run("promote", "support/triage@1.1.0", "--to", "production", "--author", "bob", db=db, check=0)
    r = run_json("resolve", "support/triage", "--env", "production", db=db)
    assert r["version"] == "1.1.0" and r["rule"] == "label" and "Second." in r["content"]
    assert r["hash"] == hashlib.sha256(second.read_bytes()).hexdigest()
    # Plain output is exactly the published file.
    assert run("resolve", "support/triage", "--env", "production", db=db, check=0).stdout == second.read_text()
    back = run_json("rollback", "support/triage", "--env", "production", "--reason", "wrong tone", db=db)
    assert back == {"name": "support/triage", "environment": "production", "from": "1.1.0", "to": "1.0.0"}
    assert run_json("resolve", "support/triage", "--env", "development", db=db)["version"] == "1.1.0"

    log = run_json("history", "support/triage", db=db)
    assert [(e["action"], e["from"], e["to"]) for e in log] == [
        ("publish", None, "1.0.0"), ("publish", None, "1.1.0"), ("promote", None, "1.0.0"),
        ("promote", "1.0.0", "1.1.0"), ("rollback", "1.1.0", "1.0.0")]
    assert log[-1]["reason"] == "wrong tone" and log[1]["actor"] == "bob"
    listed = run_json("list", db=db)
    assert listed == [{"name": "support/triage", "latest": "1.1.0", "versions": 2, "environments": {"production": "1.0.0"}}]
    # Unknown names get a suggestion.
    assert "did you mean `support/triage`" in run("show", "support/triag", db=db, check=1).stderr

def test_publish_refuses_files_with_lint_errors(tmp_path):
    db = tmp_path / "r.sqlite"
    bad = tmp_path / "bad.prompt.yaml"
    bad.write_text("name: p\nversion: 1.0.0\ntemplate: Hello {{#open}}\n")
    p = run("publish", str(bad), db=db, check=1)
    assert "lint error" in p.stderr and "PK202" in p.stderr
    run("publish", str(bad), "--allow-lint-errors", db=db, check=0)

def test_diff_shows_rendered_changes_variables_and_token_deltas(tmp_path):
    db = tmp_path / "r.sqlite"
    a = tmp_path / "a.prompt.yaml"
    a.write_text("name: p\nversion: 1.0.0\nmodel: gpt-4o\nvariables:\n  topic: {type: string}\n"
                 "template: 'Write about {{topic}}.'\nsamples:\n  s: {topic: tides}\n")
    run("publish", str(a), db=db, check=0)
    # The same file, edited and bumped: how versions are made.
    a.write_text("name: p\nversion: 1.1.0\nmodel: gpt-4o\nvariables:\n  topic: {type: string}\n  tone: {type: string, default: calm}\n"
                 "template: 'Write a {{tone}} essay about {{topic}}.'\nsamples:\n  s: {topic: tides}\n")
    run("publish", str(a), db=db, check=0)
    d = run_json("diff", "p", "1.0.0", "1.1.0", "--models", "gpt-4o,gpt-4o-mini", db=db)
    assert "-Write about tides.\n+Write a calm essay about tides.\n" in d["rendered_diff"]
    assert d["variables"] == [{"name": "tone", "change": "added", "details": []}]
    m = d["models"][0]
    assert m["model"] == "gpt-4o" and m["token_delta"] == m["to_tokens"] - m["from_tokens"] > 0
    assert abs(m["cost_delta"] - (m["to_cost"] - m["from_cost"])) < 1e-12
    human = run("diff", "p", "1.0.0", "1.1.0", db=db, check=0).stdout
    assert "+ tone" in human and "@@" in human

def assignment(experiment: str, user: str, split: float) -> tuple[float, str]:
    """docs/registry.md's definition, independently in Python."""
    digest = hashlib.sha256(experiment.encode() + b"\0" + user.encode()).digest()
    bucket = (int.from_bytes(digest[:8], "big") >> 11) / 2**53
    return bucket, "treatment" if bucket < split else "control"

def test_assignment_matches_the_documented_hash(tmp_path, make_file):
    db = tmp_path / "r.sqlite"
    run("publish", str(make_file("p", "1.0.0", "A.")), db=db, check=0)
    run("publish", str(make_file("p", "2.0.0", "B.")), db=db, check=0)
    run("experiment", "create", "tone-2026", "--prompt", "p", "--control", "1.0.0", "--treatment", "2.0.0",
        "--split", "0.3", db=db, check=0)
    users = [str(i) for i in range(60)] + ["alice@example.com", "用户-7", ""]
    for user in users:
        got = run_json("assign", "tone-2026", "--user", user, db=db)
        bucket, variant = assignment("tone-2026", user, 0.3)
        assert got["bucket"] == bucket and got["variant"] == variant, user
        assert got["version"] == ("2.0.0" if variant == "treatment" else "1.0.0")
    # The nested spelling is the same command.
    assert run_json("experiment", "assign", "tone-2026", "--user", "7", db=db)["variant"] == assignment("tone-2026", "7", 0.3)[1]
    run("experiment", "stop", "tone-2026", "--winner", "treatment", db=db, check=0)
    assert {run_json("assign", "tone-2026", "--user", u, db=db)["variant"] for u in users[:10]} == {"treatment"}
    assert run_json("experiment", "list", db=db)[0]["status"] == "stopped"

def test_protected_environment_gate_through_the_cli(tmp_path, make_file):
    db = tmp_path / "r.sqlite"
    run("publish", str(make_file("p", "1.0.0")), db=db, check=0)
    run("protect", "production", "--min-pass-rate", "0.9", db=db, check=0)
    assert "has none" in run("promote", "p@1.0.0", "--to", "production", db=db, check=1).stderr
    run("record-test", "p@1.0.0", "--passed", "8", "--total", "10", db=db, check=0)
    assert "8 of 10" in run("promote", "p@1.0.0", "--to", "production", db=db, check=1).stderr
    run("record-test", "p@1.0.0", "--passed", "9", "--total", "10", "--source", "nightly", db=db, check=0)
    run("promote", "p@1.0.0", "--to", "production", db=db, check=0)
    assert run_json("show", "p@1.0.0", db=db)["latest_test"]["pass_rate"] == 0.9

def test_audit_log_and_versions_cannot_be_rewritten(tmp_path, make_file):
    db = tmp_path / "r.sqlite"
    run("publish", str(make_file("p", "1.0.0")), db=db, check=0)
    con = sqlite3.connect(db)
    for sql in ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                "UPDATE prompt_version SET content = x'00'", "DELETE FROM prompt_version"]:
        try:
            con.execute(sql)
            con.commit()
            raise AssertionError(f"{sql} was allowed")
        except sqlite3.DatabaseError as e:
            assert "append-only" in str(e) or "immutable" in str(e) or "never deleted" in str(e)
    con.close()

def test_export_import_round_trip(tmp_path, make_file):
    db, copy = tmp_path / "r.sqlite", tmp_path / "copy" / "r.sqlite"
    run("publish", str(make_file("p", "1.0.0", "A.")), db=db, check=0)
    run("publish", str(make_file("p", "1.1.0", "B ✓.")), db=db, check=0)
    run("promote", "p@1.0.0", "--to", "production", db=db, check=0)
    run("promote", "p@1.1.0", "--to", "production", db=db, check=0)
    run("experiment", "create", "e", "--prompt", "p", "--control", "1.0.0", "--treatment", "1.1.0", "--split", "0.5", db=db, check=0)
    exported = tmp_path / "export.json"
    run("export", "--output", str(exported), db=db, check=0)
    run("import", str(exported), db=copy, check=0)
    again = run("export", db=copy, check=0).stdout
    assert json.loads(again) == json.loads(exported.read_text())
    assert "not empty" in run("import", str(exported), db=copy, check=1).stderr
    # A modified export is refused and nothing is stored.
    doc = json.loads(exported.read_text())
    doc["versions"][0]["content"] += "# sneaky\n"
    exported.write_text(json.dumps(doc))
    fresh = tmp_path / "fresh" / "r.sqlite"
    assert "sha256" in run("import", str(exported), db=fresh, check=2).stderr
    assert run_json("list", db=fresh) == []

def assert_clean_failure(p, *needles):
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "Fatal error" not in p.stderr and "Stack dump" not in p.stderr
    for n in needles:
        assert n in p.stderr, p.stderr

def test_unusable_database_files_get_clear_errors(tmp_path, make_file):
    f = make_file("p", "1.0.0")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(os.urandom(8192))
    assert_clean_failure(run("publish", str(f), db=garbage), str(garbage), "not a SQLite database")
    assert_clean_failure(run("list", db=garbage), "not a SQLite database")

    foreign = tmp_path / "foreign.sqlite"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
    con.commit()
    con.close()
    assert_clean_failure(run("publish", str(f), db=foreign), "not a promptkit registry", "customers")

    newer = tmp_path / "newer.sqlite"
    run("publish", str(f), db=newer, check=0)
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO grdb_migrations VALUES ('v99')")
    con.commit()
    con.close()
    assert_clean_failure(run("list", db=newer), "newer promptkit")

    # Damaged pages behind an intact header.
    damaged = tmp_path / "damaged.sqlite"
    for i in range(30):
        run("publish", str(make_file("p", f"2.0.{i}", "text " * 300)), db=damaged, check=0)
    data = bytearray(damaged.read_bytes())
    for i in range(4096, len(data), 3):
        data[i] = 0xA5
    damaged.write_bytes(bytes(data))
    p = run("show", "p@2.0.29", db=damaged)
    assert_clean_failure(p, str(damaged))
    assert "corrupt" in p.stderr or "not a promptkit registry" in p.stderr

def test_read_only_registry(make_file):
    """A registry the user may read but not write: reads work, writes say why they cannot."""
    folder = tempfile.mkdtemp(prefix="promptkit-ro-")
    try:
        os.chmod(folder, 0o755)
        db = os.path.join(folder, "r.sqlite")
        f = make_file("p", "1.0.0")
        run("publish", str(f), db=db, check=0)
        run("promote", "p@1.0.0", "--to", "production", db=db, check=0)
        os.chmod(db, 0o444)
        os.chmod(folder, 0o555)
        # root ignores file modes: run as nobody then, which is what a deploy user looks like.
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.getuid() == 0 else []
        r = run("resolve", "p", "--env", "production", "--format", "json", db=db, user_cmd=as_user, cwd="/")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["version"] == "1.0.0"
        w = run("promote", "p@1.0.0", "--to", "staging", db=db, user_cmd=as_user, cwd="/")
        assert_clean_failure(w, "read-only")
    finally:
        os.chmod(folder, 0o755)
        subprocess.run(["rm", "-rf", folder])
