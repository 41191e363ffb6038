"""BLEU and ROUGE as `promptkit test` reports them agree with sacrebleu and rouge-score to 1e-6.

Pairs are generated (seeded) to reach the tokenizers' corners: punctuation runs, numbers with
dots, commas and dashes, `&amp;`-style entities, line breaks and `-\\n`, non-ASCII letters,
Kelvin sign and dotted capital I (which lowercase to ASCII), empty and one-word texts. Each pair
becomes a test with a recorded output, so the values come from the real CLI path."""
import json
import random
import subprocess

import pytest
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU

from evalutil import BIN

WORDS = ["the", "cat", "sat", "on", "a", "mat", "refund", "charge", "October", "twice", "we", "are", "sorry",
         "outage", "502", "3.14", "1,000", "2-3", "e-mail", "U.S.", "don't", "naïve", "café", "Straße", "日本",
         "İstanbul", "\u212aelvin", "&amp;", "&lt;tag&gt;", "(note)", "x/y", "50%", "$20", "A.I.", "--", "...", "?!",
         "über", "résumé", "Ω", "n\u0303o", "#1", "C++", "a_b", "end-\n", "line\n", "\t", "\u00a0", "\u2003"]


def sentence(rng, n):
    out = []
    for _ in range(n):
        w = rng.choice(WORDS)
        out.append(w)
        if rng.random() < 0.15:
            out.append(rng.choice([".", ",", "!", "?", ";", ":"]))
    sep = lambda: rng.choice([" ", " ", " ", "", "  "])  # noqa: E731
    return "".join(w + sep() for w in out)


def pairs(count=400, seed=20261121):
    rng = random.Random(seed)
    result = [("", "the cat"), ("the cat", ""), ("word", "word"), ("The cat sat on the mat.", "The cat sat on the mat."),
              ("We refunded the duplicate charge.", "We are sorry you were charged twice. We refunded the duplicate charge.")]
    for _ in range(count):
        ref = sentence(rng, rng.randint(1, 30))
        if rng.random() < 0.5:  # a paraphrase: shuffled and edited copy of the reference
            words = ref.split()
            rng.shuffle(words)
            hyp = " ".join(words[: rng.randint(0, len(words))]) + " " + sentence(rng, rng.randint(0, 6))
        else:
            hyp = sentence(rng, rng.randint(0, 30))
        result.append((hyp, ref))
    return result


def test_bleu_and_rouge_match_the_reference_packages(tmp_path):
    data = pairs()
    lines = ["name: metrics/parity", "version: 1.0.0", "model: gpt-4o-mini", "template: Echo.", "tests:"]
    recordings = {}
    for i, (hyp, ref) in enumerate(data):
        lines += [f"  - name: pair {i}", "    assert:"]
        for kind in ("bleu", "rouge-1", "rouge-2", "rouge-l"):
            lines += [f"      - type: {kind}", f"        value: {json.dumps(ref)}", "        threshold: 0"]
        recordings[f"pair {i}"] = {"model": "gpt-4o-mini", "output": hyp}
    (tmp_path / "parity.prompt.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "parity.recorded.json").write_text(json.dumps({"prompt": "metrics/parity", "recordings": recordings}))
    p = subprocess.run([BIN, "test", "--format", "json", "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr + p.stdout[:2000]
    report = json.loads(p.stdout)
    assert report["summary"]["total"] == len(data)

    bleu = BLEU(effective_order=True)  # what sacrebleu.sentence_bleu uses
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    worst = 0.0
    for t in report["tests"]:
        hyp, ref = data[int(t["name"].split()[1])]
        got = {a["type"]: a["value"] for a in t["assertions"]}
        expected_bleu = bleu.sentence_score(hyp, [ref]).score / 100
        rouge = scorer.score(ref, hyp)
        expected = {"bleu": expected_bleu, "rouge-1": rouge["rouge1"].fmeasure, "rouge-2": rouge["rouge2"].fmeasure,
                    "rouge-l": rouge["rougeL"].fmeasure}
        for kind, value in expected.items():
            assert got[kind] == pytest.approx(value, abs=1e-6), f"{kind} of {hyp!r} against {ref!r}: {got[kind]} != {value}"
            worst = max(worst, abs(got[kind] - value))
    print(f"{len(data)} pairs, largest difference {worst:.2e}")
