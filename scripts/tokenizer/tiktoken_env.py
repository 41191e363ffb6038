"""Shared by the tokenizer scripts: point tiktoken at rank files rebuilt from promptkit's own
compiled-in data, so it never downloads anything (openaipublic.blob.core.windows.net is not
reachable from CI). tiktoken looks in $TIKTOKEN_CACHE_DIR for a file named by the sha1 hex of the
download URL and accepts it only if its sha256 is the pinned one, so seeding the cache this way
also proves the .bpe files are a lossless copy of the canonical rank files."""
import base64, hashlib, os, struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "Sources", "CTokenizerData", "data")
URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
ENCODINGS = ("cl100k_base", "o200k_base")


def tiktoken_text(name):
    """The canonical `<base64 token> <rank>` text rebuilt from Sources/CTokenizerData/data/<name>.bpe."""
    blob = open(os.path.join(DATA, name + ".bpe"), "rb").read()
    assert blob[:8] == b"PKBPE1\0\0", "bad header"
    (count,) = struct.unpack("<I", blob[8:12])
    lengths = blob[12:12 + count]
    offset = 12 + count
    lines = []
    for rank, length in enumerate(lengths):
        lines.append(base64.b64encode(blob[offset:offset + length]) + b" " + str(rank).encode() + b"\n")
        offset += length
    assert offset == len(blob), "trailing bytes"
    return b"".join(lines)


def seed_cache():
    cache = os.path.join(ROOT, ".build", "tiktoken-cache")
    os.makedirs(cache, exist_ok=True)
    for name in ENCODINGS:
        path = os.path.join(cache, hashlib.sha1(URL.format(name).encode()).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(tiktoken_text(name))
    os.environ["TIKTOKEN_CACHE_DIR"] = cache
    return cache
