"""Acceptance: the dashboard in headless Chromium (Playwright) against the real `chemaudit serve`.

A real file is uploaded through the page, its bar is watched to 100 %, the results are opened,
filtered and sorted, and a screenshot is checked not to be blank. Skipped, with the reason,
only when no Chromium can be found or launched (scripts/install-browser.sh installs Debian's).
Set CHEMAUDIT_SCREENSHOT=path/to/file.png to also save the finished job's page (docs/dashboard.png).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from tests.support.molecules import NCI_SDF_200, NCI_SMI_5K

pytestmark = pytest.mark.acceptance

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Records every value each job's bar in the list takes, to check it never goes backwards.
RECORD_BARS = """
window.__bars = [];
new MutationObserver((changes) => {
  for (const change of changes) {
    const bar = change.target;
    if (bar.classList && bar.classList.contains("bar") && bar.closest("#jobs-body")) {
      window.__bars.push([bar.closest("tr").dataset.jobId, Number(bar.getAttribute("aria-valuenow"))]);
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["aria-valuenow"] });
"""


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(candidate)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("browser test skipped: the playwright package is not installed")
    path = find_chromium()
    if path is None:
        pytest.skip("browser test skipped: no Chromium found (scripts/install-browser.sh installs it)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=ARGS)
        except Error as exc:
            pytest.skip(f"browser test skipped: Chromium at {path} could not be launched: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda msg: page.problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.set_default_timeout(30_000)
    yield page
    context.close()


def upload_through_page(page, path: Path, **checks) -> str:
    page.set_input_files("#file-input", str(path))
    for name in checks:
        page.check(f"input[name={name}]")
    with page.expect_response(lambda response: response.url.endswith("/api/v1/batch/upload")) as info:
        page.click("#upload-button")
    assert info.value.status == 202, info.value.text()
    return info.value.json()["job_id"]


def api(service, path: str) -> dict:
    with urllib.request.urlopen(f"{service.base}{path}", timeout=10) as response:
        return json.load(response)


def assert_not_blank(png: bytes) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 24)
    background = max(colours)[0]
    share = 1 - background / (image.width * image.height)
    assert len(colours) >= 50, f"only {len(colours)} colours: the page looks blank"
    assert share >= 0.10, f"only {share:.0%} of the pixels differ from the background"


def save_small_png(png: bytes, path: Path) -> None:
    """A 128-colour palette PNG: a third of the size, and a UI screenshot looks the same."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def test_upload_watch_open_filter_sort_and_screenshot(service, page):
    page.add_init_script(RECORD_BARS)
    page.goto(f"{service.base}/")
    page.wait_for_selector("#live[data-state=live]")
    job_id = upload_through_page(page, NCI_SDF_200, include_chembl_alerts=True)
    row = f'#jobs-body tr[data-job-id="{job_id}"]'
    page.wait_for_selector(f'{row} .bar[aria-valuenow="100"]', timeout=90_000)
    page.wait_for_selector(f"{row} .badge.complete")
    expect(page.locator(f"{row} td:nth-child(5)")).to_contain_text("mol/s")
    seen = [value for job, value in page.evaluate("window.__bars") if job == job_id]
    assert seen and seen[-1] == 100, seen
    assert seen == sorted(seen), f"the bar went backwards: {seen}"
    assert page.text_content(f"{row} td:nth-child(4)") == "200 / 200"

    page.click(f"{row} a")
    page.wait_for_url(f"**/#/job/{job_id}")
    page.wait_for_selector("#job-status.complete")
    expect(page.locator("#results-body tr")).to_have_count(50)
    assert "of 200 matching" in page.text_content("#results-summary")
    assert page.text_content("#job-title") == NCI_SDF_200.name
    assert page.locator("#chart-scores svg rect").count() >= 1
    assert page.locator("#chart-alerts svg rect").count() >= 3  # ChEMBL alert sets were asked for
    assert page.is_hidden("#cancel-button")
    if os.environ.get("CHEMAUDIT_SCREENSHOT"):
        save_small_png(page.screenshot(), Path(os.environ["CHEMAUDIT_SCREENSHOT"]))

    # Filter on a failed check: the page's count must be the API's, and every row must fail it.
    option = page.locator("#filter-issue option").nth(1)
    check, count = re.fullmatch(r"(\S+) \((\d+)\)", option.text_content()).groups()
    page.select_option("#filter-issue", check)
    page.click("#filter-apply")
    expect(page.locator("#results-summary")).to_contain_text(f"of {count} matching")
    assert api(service, f"/api/v1/batch/{job_id}?issue_filter={check}")["total_results"] == int(count)
    issues = page.locator("#results-body td.issues").all_text_contents()
    assert len(issues) == min(int(count), 50) and all(check in text for text in issues), issues
    export = page.get_attribute("#export-links a[data-format=csv]", "href")
    assert f"issue_filter={check}" in export
    with urllib.request.urlopen(f"{service.base}{export}", timeout=30) as response:
        assert response.headers["X-Total-Results"] == count

    # Sort by score, highest first.
    page.click("#results-table th[data-sort=score] button")
    page.wait_for_selector("#results-table[aria-busy=false] th[data-sort=score][aria-sort=descending]")
    scores = [int(text) for text in page.locator("#results-body tr td:nth-child(5)").all_text_contents()]
    assert scores == sorted(scores, reverse=True), scores

    assert_not_blank(page.screenshot(full_page=True))
    assert page.problems == []


def test_cancel_button_cancels_a_running_job(service, page, tmp_path):
    big = tmp_path / "nci_5k.smi"
    big.write_bytes(NCI_SMI_5K.read_bytes())
    page.goto(f"{service.base}/")
    job_id = upload_through_page(page, big)
    page.goto(f"{service.base}/#/job/{job_id}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-button")
    page.wait_for_selector("#job-status.cancelled")
    status = api(service, f"/api/v1/batch/{job_id}/status")
    assert status["status"] == "cancelled" and status["processed"] < status["total"]
    assert page.is_hidden("#cancel-button")
    assert page.problems == []


def test_a_refused_upload_is_explained(service, page, tmp_path):
    wrong = tmp_path / "report.docx"
    wrong.write_bytes(b"PK\x03\x04 not a molecule file")
    page.goto(f"{service.base}/")
    page.set_input_files("#file-input", str(wrong))
    with page.expect_response(lambda response: response.url.endswith("/api/v1/batch/upload")) as info:
        page.click("#upload-button")
    assert info.value.status == 415
    expect(page.locator("#notice")).to_contain_text("Upload refused: Files of type .docx are not supported")
    assert page.is_enabled("#upload-button")


BROWSER_KEY = "browser-test-key"


@pytest.fixture(scope="module")
def keyed_service(pg_admin_url, tmp_path_factory):
    """A server with API keys on (the module's `service` has none)."""
    from service.http.auth import hash_key
    from tests.acceptance.conftest import Service
    from tests.support import pg

    name = pg.unique_name("chemaudit_acc")
    url = pg.create_database(pg_admin_url, name)
    running = Service(url, workers=1, log_path=tmp_path_factory.mktemp("keyed") / "serve.log",
                      CHEMAUDIT_API_KEY_HASHES=hash_key(BROWSER_KEY))
    try:
        running.wait_healthy()
        yield running
    finally:
        running.stop()
        pg.drop_database(pg_admin_url, name)


def test_with_a_key_saved_no_url_the_page_opens_carries_it(keyed_service, page, tmp_path):
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda socket: urls.append(socket.url))
    page.add_init_script(f"localStorage.setItem('chemaudit.apiKey', {json.dumps(BROWSER_KEY)})")  # saved earlier
    page.goto(f"{keyed_service.base}/")
    page.wait_for_selector("#live[data-state=live]")
    job_id = upload_through_page(page, NCI_SDF_200)
    page.goto(f"{keyed_service.base}/#/job/{job_id}")
    page.wait_for_selector("#job-status.complete", timeout=90_000)
    expect(page.locator("#results-body tr")).to_have_count(50)
    with page.expect_download() as download:
        page.click("#export-links a[data-format=csv]")
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    assert saved.read_text().count("\n") == 201  # header + every molecule: the ticket opened the export

    sockets = [url for url in urls if url.startswith("ws")]
    assert any("/ws/jobs?ticket=" in url for url in sockets), sockets
    assert any(f"/ws/batch/{job_id}?" in url and "ticket=" in url for url in sockets), sockets
    urls.append(download.value.url)  # a download is not a "request" event
    assert "/export?" in download.value.url and "ticket=" in download.value.url, download.value.url
    leaked = [url for url in urls if BROWSER_KEY in url or "api_key" in url]
    assert leaked == [] and page.problems == []
