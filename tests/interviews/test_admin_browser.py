"""A recruiter's path through the admin, in a real (headless) Chromium."""

import os
import shutil

import pytest
from django.contrib.auth.models import User
from model_bakery import baker

from candidates.models import Candidate
from interviews import services
from interviews.models import InterviewMessage

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    # CI installs Chromium and always runs this; elsewhere it needs the Debian package.
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)",
    ),
]

# Chromium as root, without a sandbox, without reaching for Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def recruiting_data(transactional_db):
    User.objects.create_superuser("recruiter", "recruiter@example.com", "Browser-t3st-pw")
    candidate = Candidate.objects.create(email="ada@example.com", full_name="Ada Lovelace")
    Candidate.objects.create(email="grace@example.com", full_name="Grace Hopper")
    interview = services.start_interview(
        services.create_interview(candidate=candidate, role_type="python")
    )
    for number, (kind, text) in enumerate(
        [
            ("ai_question", "How would you find a memory leak in a Python service?"),
            ("candidate_response", "Compare tracemalloc snapshots taken under load."),
        ],
        start=1,
    ):
        baker.make(
            InterviewMessage,
            interview=interview,
            session=interview.session,
            sequence_number=number,
            message_type=kind,
            content_text=text,
        )
    return candidate


def test_log_in_search_a_candidate_open_the_interview_read_the_transcript(
    live_server, recruiting_data
):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/admin/")
            page.fill("#id_username", "recruiter")
            page.fill("#id_password", "Browser-t3st-pw")
            page.click("input[type=submit]")
            expect(page.locator("#site-name")).to_be_visible()

            page.goto(f"{live_server.url}/admin/candidates/candidate/")
            page.fill("#searchbar", "lovelace")
            page.press("#searchbar", "Enter")
            expect(page.locator("#result_list")).to_contain_text("Ada Lovelace")
            expect(page.locator("#result_list")).not_to_contain_text("Grace Hopper")

            page.click("#result_list a:text('Ada Lovelace')")
            page.click("a:text('Python interview')")

            transcript = page.locator(".transcript")
            expect(transcript).to_contain_text("How would you find a memory leak")
            expect(transcript).to_contain_text("Compare tracemalloc snapshots")
            turns = transcript.locator(".turn")
            expect(turns).to_have_count(2)
            expect(turns.nth(0)).to_contain_text("AI interviewer")
            expect(turns.nth(1)).to_contain_text("Candidate")
        finally:
            browser.close()
