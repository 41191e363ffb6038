"""Several processes at once, and processes killed at any moment: nothing is lost, nothing is
half-written. Each check reads the SQLite file directly, not through promptkit."""
import hashlib
import random
import signal
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from regutil import BIN, prompt, run, run_json


def check_consistent(db):
    """integrity_check passes; every stored version is whole (its bytes hash to its recorded hash)
    and was logged by the same transaction; labels point at stored versions."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        if "prompt_version" not in tables:
            # Killed before the schema's transaction committed: then none of it may be there.
            assert tables <= {"grdb_migrations"}, f"half-created schema: {sorted(tables)}"
            return 0
        versions = con.execute("SELECT name, version, content, content_hash FROM prompt_version").fetchall()
        for name, version, content, digest in versions:
            assert hashlib.sha256(content).hexdigest() == digest, f"{name}@{version} is half-written"
            assert f"version: {version}\n".encode() in content
        published = con.execute("SELECT name, to_version FROM audit_event WHERE action = 'publish'").fetchall()
        assert sorted(published) == sorted((n, v) for n, v, _, _ in versions)
        dangling = con.execute("""SELECT COUNT(*) FROM label_entry l LEFT JOIN prompt_version v
                                  ON v.name = l.name AND v.version = l.version WHERE v.id IS NULL""").fetchone()[0]
        assert dangling == 0
        return len(versions)
    finally:
        con.close()


def test_parallel_publishers_and_promoters_lose_nothing(tmp_path):
    db = tmp_path / "r.sqlite"  # created by the racing processes themselves
    workers, per_worker = 6, 12

    def work(w):
        for i in range(per_worker):
            d = tmp_path / f"w{w}-{i}"
            d.mkdir()
            (d / "promptkit.yaml").write_text("")
            f = d / "p.prompt.yaml"
            f.write_text(prompt(f"team{w}/p", f"1.0.{i}", f"Worker {w} item {i}."))
            run("publish", str(f), "--author", f"w{w}", db=db, check=0)
            # Everyone also moves one shared label: every move must be in the log and the stack.
            shared = tmp_path / f"s{w}-{i}"
            shared.mkdir()
            (shared / "promptkit.yaml").write_text("")
            g = shared / "s.prompt.yaml"
            g.write_text(prompt("shared/p", f"{w}.{i}.0", f"Shared {w} {i}."))
            run("publish", str(g), db=db, check=0)
            run("promote", f"shared/p@{w}.{i}.0", "--to", "production", db=db, check=0)
            run("promote", f"team{w}/p@1.0.{i}", "--to", "staging", db=db, check=0)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(workers)))

    assert check_consistent(db) == 2 * workers * per_worker
    listed = {n["name"]: n for n in run_json("list", db=db)}
    for w in range(workers):
        assert listed[f"team{w}/p"]["versions"] == per_worker
        assert listed[f"team{w}/p"]["environments"] == {"staging": f"1.0.{per_worker - 1}"}
    log = run_json("history", db=db)
    assert sum(e["action"] == "promote" for e in log) == 2 * workers * per_worker
    shared_moves = [e for e in log if e["name"] == "shared/p" and e["action"] == "promote"]
    # Each move starts where the previous one ended: no promotion saw a stale label.
    for before, after in zip(shared_moves, shared_moves[1:]):
        assert after["from"] == before["to"]
    con = sqlite3.connect(db)
    depth = con.execute("SELECT COUNT(*) FROM label_entry WHERE name = 'shared/p' AND environment = 'production'").fetchone()[0]
    con.close()
    assert depth == workers * per_worker


def test_kill_9_during_publishes_leaves_a_consistent_registry(tmp_path):
    db = tmp_path / "r.sqlite"
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "promptkit.yaml").write_text("")
    count = 150
    for i in range(count):
        # Large bodies make each transaction write several pages.
        (batch / f"p{i:03}.prompt.yaml").write_text(prompt(f"bulk/p{i:03}", "1.0.0", "Summarize. " + "context " * (300 + i)))
    rng = random.Random(7)
    kills = 0
    stored = []
    for attempt in range(25):
        p = subprocess.Popen([BIN, "registry", "publish", str(batch), "--db", str(db), "--author", "k"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
        time.sleep(rng.uniform(0.02, 0.5))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        stored.append(check_consistent(db))
    assert kills >= 10, f"only {kills} of 25 runs were killed mid-way; the batch finished too fast"
    assert stored == sorted(stored), "a later run lost versions an earlier one stored"
    # The registry still works and completes the batch; every earlier version is unchanged.
    run("publish", str(batch), "--author", "k", db=db, check=0)
    assert check_consistent(db) == count


def test_processes_racing_to_create_a_registry_all_succeed(tmp_path):
    """The first write creates the schema; processes that start together must not see a
    half-created registry as foreign, nor fail on the schema the winner created."""
    files = []
    for w in range(8):
        d = tmp_path / f"w{w}"
        d.mkdir()
        (d / "promptkit.yaml").write_text("")
        f = d / "p.prompt.yaml"
        f.write_text(prompt(f"race/p{w}", "1.0.0"))
        files.append(f)
    for round_ in range(24):
        db = tmp_path / f"r{round_}.sqlite"
        procs = [subprocess.Popen([BIN, "registry", "publish", str(f), "--db", str(db), "--author", "r"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path) for f in files]
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
        assert check_consistent(db) == len(files)
