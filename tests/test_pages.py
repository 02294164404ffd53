"""The HTML pages (article, batch index, compare report) with hostile text, loaded in headless Chromium.

Chromium and chromedriver come from Debian's packages (``apt-get install chromium chromium-driver``;
.ci/run installs them); the browser tests are skipped with a reason where they are absent.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from translate_cli.batch import run_batch, write_models_index
from translate_cli.compare import compare_runs, write_html
from translate_cli.formats import write_outputs
from translate_cli.layout import INDEX_NAME
from translate_cli.records import AlignedRow, Scores, Segment, TranslationResult

URL = "https://example.com/" + "a" * 1980  # 2,000 characters, one token
TOKEN = "x" * 300
SCRIPT = "<script>window.__pwned = 1</script>"
HOSTILE = f"{SCRIPT} <img src=x onerror=\"window.__pwned = 2\"> \"quoted\" 'single' &amp; \x00\x07\x1b\x85 {URL}"
IN_FILE = HOSTILE.replace("\x00", "")  # a NUL makes a file binary, refused before translation
HOSTILE_NAME = "<img src=x onerror=alert(1)> \"q\" #1?"
WIDTH = 1400
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--window-size={WIDTH},900"]


def hostile_result() -> TranslationResult:
    source = [Segment("Judul berita tanpa titik", 0, 0, 24), Segment(f"Kalimat {HOSTILE}.", 1, 26, 60),
              Segment(f"Token {TOKEN}.", 1, 61, 70)]
    target = [Segment("Headline without a period", 0, 0, 25), Segment(f"Sentence {HOSTILE}.", 1, 27, 60),
              Segment(f"Token {TOKEN}.", 1, 61, 70)]
    rows = [AlignedRow((i,), (i,), 0.9, s.text, t.text, f"Ref {HOSTILE}", 10.0 * (i + 1), (i,))
            for i, (s, t) in enumerate(zip(source, target))]
    signatures = {"bleu": f"nrefs:1|{HOSTILE}", "chrf": "nrefs:1", "chrf++": "nrefs:1", "ter": "nrefs:1"}
    scores = Scores(20.0, 40.0, 38.0, 70.0, signatures, 3, 3, 1.0, False)
    return TranslationResult(f"art {HOSTILE_NAME}", source, target, rows, f"model {SCRIPT}", 1.0, scores)


class Fake:
    def __init__(self, identity, prefix):
        self.identity = self.label = identity
        self.prefix = prefix

    def translate(self, sentences, progress=None, on_translated=None):
        return [f"{self.prefix} {s}" for s in sentences]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """An article page, a batch index and a compare report, all full of hostile text."""
    root = tmp_path_factory.mktemp("pages")
    result = hostile_result()
    write_outputs(result, root / "article")
    indir, refs = root / "in", root / "refs"
    indir.mkdir()
    refs.mkdir()
    for name in ("berita", HOSTILE_NAME):
        text = f"Judul tanpa titik\n\nIni kalimat pertama {IN_FILE}. Ini kalimat kedua yang lebih panjang {TOKEN}."
        (indir / f"{name}.txt").write_text(text, encoding="utf-8")
        (refs / f"{name}.txt").write_text(f"Title\n\nThe first sentence {IN_FILE}. The second one {TOKEN}.",
                                          encoding="utf-8")
    (indir / f"empty {HOSTILE_NAME}.txt").write_text("", encoding="utf-8")  # fails: "is empty"
    runs = [root / "sys-a", root / f"sys {HOSTILE_NAME}"]
    for run, prefix in zip(runs, ["The", f"A {SCRIPT}"]):
        run_batch(indir, run, Fake(f"fake {SCRIPT} \"model\"", prefix), references=refs, quiet=True, force=True)
    comparison = compare_runs(runs, refs, n_samples=20)
    report = root / "report" / "compare.html"
    report.parent.mkdir()
    write_html(comparison, report)
    assert write_models_index(root)  # the two runs' folders, as a batch over two models leaves them
    stem = Path(result.name).name
    return {"article": root / "article" / f"{stem}.html", "index": runs[1] / INDEX_NAME, "compare": report,
            "models": root / INDEX_NAME}


def test_index_links_every_article_with_scores(pages):
    index = pages["index"]
    page = index.read_text(encoding="utf-8")
    links = [unquote(link) for link in re.findall(r'href="([^"#][^"]*)"', page)]
    assert len(links) == 2 * 4 and all((index.parent / link).is_file() for link in links)  # page, text, TSV, TMX
    assert not any(link.startswith("/") for link in links)
    assert sorted(Path(link).suffix for link in links) == [".html", ".html", ".tmx", ".tmx", ".tsv", ".tsv",
                                                           ".txt", ".txt"]
    assert page.count("is empty") == 1 and 'href="#failed"' in page  # the failed article's reason once, linked
    assert page.count("<td class=\"num\">") >= 2 * (1 + 4)  # sentences and four scores per scored article
    assert "chrF++" in page and "lower is better" in page and "nrefs:1" in page  # legend and signatures


def test_article_pages_link_their_files_and_the_batch_index(pages):
    article = pages["article"]
    links = [unquote(link) for link in re.findall(r'href="([^"]+)"', article.read_text(encoding="utf-8"))]
    assert {Path(link).suffix for link in links} == {".txt", ".tsv", ".jsonl", ".tmx", ".md", ".json"}
    assert all((article.parent / link).is_file() for link in links)
    page = article.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and page.count("<rect") == 10  # the sentence chrF histogram, ten buckets
    assert "rows (count)" in page and "<title>rows, [10,20): 1</title>" in page  # the row with chrF 10
    index = pages["index"]
    in_batch = next(index.parent.glob("berita/berita.html"))
    links = [unquote(link) for link in re.findall(r'href="([^"]+)"', in_batch.read_text(encoding="utf-8"))]
    assert "../index.html" in links and all((in_batch.parent / link).is_file() for link in links)


def test_compare_report_links_resolve(pages):
    report = pages["compare"]
    links = [unquote(link) for link in re.findall(r'href="([^"#][^"]*)"', report.read_text(encoding="utf-8"))]
    assert links and all((report.parent / link).is_file() for link in links)
    assert sum(link.endswith(INDEX_NAME) for link in links) == 2  # each run's batch index


def test_models_index_links_each_run(pages):
    index = pages["models"]
    links = {unquote(link) for link in re.findall(r'href="([^"#]+)', index.read_text(encoding="utf-8"))}
    assert links == {f"{run.name}/{INDEX_NAME}" for run in index.parent.glob("sys*")}  # each run's index (failures)
    assert all((index.parent / link).is_file() for link in links)


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()):
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-driver; .ci/run does)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is missing (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["article", "index", "compare", "models"])
def test_page_in_chromium(browser, pages, name):
    browser.get(pages[name].as_uri())
    state = browser.execute_script("""
        const all = [...document.querySelectorAll('*')];
        return {
          ready: document.readyState,
          width: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth,
          tables: document.querySelectorAll('table').length,
          title: document.title,
          pwned: window.__pwned === undefined ? null : window.__pwned,
          injected: document.querySelectorAll('script, img, iframe, object, embed').length,
          handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
          text: document.body.innerText,
        };""")
    assert state["ready"] == "complete" and state["tables"] >= 1 and state["title"]
    assert state["width"] == WIDTH
    assert state["scrollWidth"] <= WIDTH, f"{name}: horizontal scroll ({state['scrollWidth']} px)"
    assert state["pwned"] is None and state["injected"] == 0 and state["handlers"] == 0
    assert SCRIPT in state["text"]  # the markup shows as text
    assert "onerror" in state["text"]
    assert not re.search("[\x00\x07\x1b\x85]", state["text"])
    if name not in ("index", "models"):  # the indexes show no sentence text
        assert URL in state["text"].replace("\n", "")
