"""The compiled-in tokenizer data is a lossless copy of the canonical rank files: rebuilding the
`<base64> <rank>` text from each .bpe file gives exactly the sha256 tiktoken pins."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "tokenizer"))
from tiktoken_env import tiktoken_text  # noqa: E402

PINNED = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}


def test_rank_files_match_pinned_hashes():
    for name, digest in PINNED.items():
        assert hashlib.sha256(tiktoken_text(name)).hexdigest() == digest, name


def test_model_catalog_entries_are_sourced():
    import json
    catalog = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "catalog", "models.json")))
    ids = set()
    for model in catalog["models"]:
        assert model["id"] not in ids
        ids.add(model["id"])
        assert model["source"] and model["as_of"], model["id"]
        assert model["tokenizer"] in ("cl100k_base", "o200k_base") or model["tokenizer"]["estimate"] in ("cl100k_base", "o200k_base")
        if model["input_per_million"] is not None:
            assert model["pricing_source"], model["id"]
