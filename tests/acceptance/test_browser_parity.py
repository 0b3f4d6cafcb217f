"""Acceptance: the dashboard's column picker, profile picker and selection panel in headless
Chromium against the real `chemaudit serve` (issue 13: detect-columns, profiles, subsets)."""

from __future__ import annotations

import pytest

from tests.acceptance.test_browser import api, browser, expect, page, upload_through_page  # noqa: F401 (fixtures)
from tests.support.molecules import nci_smiles

pytestmark = pytest.mark.acceptance


def test_columns_are_offered_a_profile_scores_the_job_and_a_selection_is_scored_and_revalidated(
        service, page, tmp_path):
    library = tmp_path / "library.csv"
    library.write_text("ID,canonical_smiles,Name\n"
                       + "".join(f"NSC-{i},{s},{n}\n" for i, (s, n) in enumerate(nci_smiles(120))))
    page.goto(f"{service.base}/")
    page.wait_for_selector("#profile-select option:has-text('CNS-penetrant')", state="attached")
    page.set_input_files("#file-input", str(library))
    expect(page.locator("#column-hint")).to_contain_text("3 columns, 120 rows")
    assert page.input_value("#smiles-column") == "canonical_smiles"
    assert page.input_value("#name-column") == "Name"
    assert page.locator("#column-options option").count() == 3
    page.select_option("#profile-select", label="CNS-penetrant")
    job_id = upload_through_page(page, library)

    page.goto(f"{service.base}/#/job/{job_id}")
    page.wait_for_selector("#job-status.complete", timeout=90_000)
    first = api(service, f"/api/v1/batch/{job_id}")["results"][0]
    assert first["name"] == nci_smiles(1)[0][1] and first["scoring"]["profile"]["profile_name"] == "CNS-penetrant"
    expect(page.locator("#stat-cards")).to_contain_text("Mean profile score")
    scores = page.locator("#results-body tr td:nth-child(9)").all_text_contents()
    assert scores and all(text == "–" or 0 <= float(text) <= 100 for text in scores), scores

    page.fill("#subset-indices", "0,2-4")
    page.select_option("#subset-profile", label="Lead-like")
    page.click("#subset-form button[data-action=score-inline]")
    expect(page.locator("#subset-scores-body tr")).to_have_count(4)
    expect(page.locator("#subset-status")).to_contain_text("Lead-like: 4 molecules scored")

    page.click("#subset-form button[data-action=revalidate]")
    expect(page.locator("#subset-status")).to_contain_text("Revalidating 4 molecules as")
    page.click("#subset-status a")
    page.wait_for_selector("#job-status.complete", timeout=90_000)
    expect(page.locator("#results-body tr")).to_have_count(4)
    assert page.is_visible("#job-parent")
    assert page.get_attribute("#job-parent-link", "href") == f"#/job/{job_id}"
    assert page.problems == []
