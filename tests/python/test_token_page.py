"""`promptkit tokens FILE --html PAGE` renders in a real browser (Debian's headless Chromium): the
screenshot is not blank and shows the token colours, and the token boxes the browser counts on
the page add up to the CLI's per-message counts, with the CLI's total shown."""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PROMPTKIT_BIN", str(ROOT / ".build" / "debug" / "promptkit"))
TOKEN_COLOURS = [(0xFF, 0xD6, 0xA5), (0xCA, 0xFF, 0xBF), (0x9B, 0xF6, 0xFF), (0xBD, 0xB2, 0xFF), (0xFF, 0xC6, 0xFF), (0xFD, 0xFF, 0xB6)]

UNICODE_PROMPT = """name: demo/unicode
version: 1.0.0
model: gpt-4o
variables:
  name: string
messages:
  - role: system
    content: |
      Réponds en français. 日本語でも大丈夫です。 Emoji split across tokens: 🧑‍💻🦜🏳️‍🌈
      <b>Tags & "quotes"</b>\ttab
  - role: user
    content: "Bonjour {{name}} !"
samples:
  s:
    name: Zoë
"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is required (Debian: apt-get install chromium; scripts/test.sh installs it)")


def browser(tmp_path, *args):
    profile = tmp_path / "chromium-profile"
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("source", ["fixture", "unicode"])
def test_token_page_in_headless_chromium(tmp_path, source):
    if source == "fixture":
        prompt = ROOT / "fixtures/prompts/support/triage.prompt.yaml"
    else:
        prompt = tmp_path / "unicode.prompt.yaml"
        prompt.write_text(UNICODE_PROMPT)
    page = tmp_path / "tokens.html"
    made = subprocess.run([BIN, "tokens", str(prompt), "--html", str(page)], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    counts = json.loads(subprocess.run([BIN, "tokens", str(prompt), "--format", "json"], capture_output=True, text=True, check=True).stdout)

    html = page.read_text()
    assert not re.search(r"""\b(src|href)\s*=|@import|url\(""", html), "the page is self-contained: nothing to fetch"

    dom = browser(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    shown = int(re.search(r'data-shown-tokens="(\d+)"', dom.stdout).group(1))
    assert shown == sum(m["tokens"] for m in counts["messages"]), "the browser counts the CLI's content tokens in the boxes"
    total = re.search(r'id="total-tokens">[≈]?(\d+)<', dom.stdout).group(1)
    assert int(total) == counts["total"]
    per_message = [int(n) for n in re.findall(r'data-tokens="(\d+)"', dom.stdout)]
    assert per_message == [m["tokens"] for m in counts["messages"]]

    shot = tmp_path / "shot.png"
    done = browser(tmp_path, "--window-size=1200,900", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 900)
    histogram = image.getcolors(maxcolors=image.width * image.height)  # [(count, colour)]
    background_count, _ = max(histogram)
    drawn = 1 - background_count / (image.width * image.height)
    assert drawn > 0.03, f"the screenshot is blank ({drawn:.1%} drawn)"
    colours = {colour for _, colour in histogram}
    assert sum(1 for c in TOKEN_COLOURS if c in colours) >= 4, "token boxes are coloured"
    assert len(colours) > 50, "text is anti-aliased: a real rendering has many shades"


def test_html_is_for_prompt_files_only(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    done = subprocess.run([BIN, "tokens", str(text), "--html", str(tmp_path / "x.html")], capture_output=True, text=True)
    assert done.returncode == 2 and "--html apply to prompt files" in done.stderr
    done = subprocess.run([BIN, "tokens", str(ROOT / "fixtures/prompts/support/triage.prompt.yaml"), "--html", str(tmp_path / "missing/dir/x.html")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "cannot be written" in done.stderr
