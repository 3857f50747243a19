"""The candidates admin: lists, soft delete with a reason, restore, CSV export."""

import csv
import io
import re

import pytest
from model_bakery import baker

from candidates.models import Candidate, Resume

CHANGELIST = "/admin/candidates/candidate/"


def _action(client, action, candidates, query="", **extra):
    return client.post(
        CHANGELIST + query,
        {"action": action, "_selected_action": [str(c.pk) for c in candidates], **extra},
    )


def assert_confirms(page, action, title, candidates):
    """The confirmation page names the action, lists the rows and posts them back."""
    text = page.text
    assert f"<title>{title} | Django site admin</title>" in text
    assert '&rsaquo; <a href="/admin/candidates/candidate/">Candidates</a>' in text
    assert f"<h2>{len(candidates)} candidates</h2>" in text
    listed = "".join(f"<li>{c.full_name} &lt;{c.email}&gt;</li>" for c in page.context["objects"])
    assert f'<ul class="targets">{listed}</ul>' in text
    assert {c.pk for c in page.context["objects"]} == {c.pk for c in candidates}
    for candidate in candidates:
        assert f'<input type="hidden" name="_selected_action" value="{candidate.pk}">' in text
    assert f'<input type="hidden" name="action" value="{action}">' in text
    assert f'<input type="submit" name="confirm" value="Yes, {title.lower()}">' in text
    # Rendered with the request, so the form carries its CSRF token.
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in text


class TestList:
    def test_deleted_candidates_are_hidden_unless_asked_for(self, admin_client, candidate):
        other = Candidate.objects.create(email="gone@example.com", full_name="Gone Away")
        other.soft_delete(reason="duplicate")

        live = admin_client.get(CHANGELIST)
        deleted = admin_client.get(f"{CHANGELIST}?deleted=yes")

        assert candidate.full_name in live.text
        assert "Gone Away" not in live.text
        assert "Gone Away" in deleted.text
        assert candidate.full_name not in deleted.text

    def test_search_finds_by_name_and_email(self, admin_client, candidate, other_candidate):
        by_email = admin_client.get(f"{CHANGELIST}?q=grace.hopper")
        by_name = admin_client.get(f"{CHANGELIST}?q=lovelace")
        assert "Grace Hopper" in by_email.text
        assert "Ada Lovelace" not in by_email.text
        assert "Ada Lovelace" in by_name.text

    def test_list_query_count_does_not_grow_with_rows(
        self, admin_client, db, django_assert_max_num_queries
    ):
        for number in range(60):
            candidate = Candidate.objects.create(
                email=f"c{number}@example.com", full_name=f"Candidate {number}"
            )
            baker.make("interviews.Interview", candidate=candidate, role_type="python")
        with django_assert_max_num_queries(12):
            response = admin_client.get(f"{CHANGELIST}?deleted=all")
        assert response.status_code == 200
        assert "Candidate 59" in response.text


class TestSoftDelete:
    def test_deleting_asks_for_a_reason_then_hides(self, admin_client, candidate, interview):
        confirm = _action(admin_client, "soft_delete_selected", [candidate])
        assert confirm.status_code == 200
        assert (
            "<p>These rows will be hidden from lists and the API. Nothing is removed: "
            "related records stay, and the rows can be restored.</p>"
        ) in confirm.text
        assert '<textarea name="reason" cols="60" rows="3" maxlength="2000"' in confirm.text
        assert_confirms(confirm, "soft_delete_selected", "Delete with a reason", [candidate])
        assert Candidate.objects.filter(pk=candidate.pk).exists()

        done = _action(
            admin_client, "soft_delete_selected", [candidate], confirm="yes", reason="Asked us to"
        )

        assert done.status_code == 302
        assert [
            (m.level_tag, str(m)) for m in admin_client.get(CHANGELIST).context["messages"]
        ] == [("success", "Deleted 1 candidates (they stay restorable).")]
        kept = Candidate.all_objects.get(pk=candidate.pk)
        assert (kept.status, kept.deletion_reason) == ("deleted", "Asked us to")
        assert kept.deleted_by.username == "admin"
        assert kept.interviews.get() == interview

    def test_the_delete_page_names_the_row_alone_then_soft_deletes(
        self, admin_client, admin_user, candidate, interview
    ):
        url = f"{CHANGELIST}{candidate.pk}/delete/"
        page = admin_client.get(url)
        # Related rows stay, so only the candidate itself is listed (and nothing is
        # reported as protected or needing a permission).
        assert page.context["deleted_objects"] == ["Ada Lovelace <ada.lovelace@example.com>"]
        assert dict(page.context["model_count"]) == {"candidates": 1}
        assert (page.context["perms_lacking"], page.context["protected"]) == (set(), [])

        response = admin_client.post(url, {"post": "yes"})

        assert response.status_code == 302
        stored = Candidate.all_objects.get(pk=candidate.pk)
        assert (stored.status, stored.deleted_by, stored.deletion_reason) == (
            "deleted",
            admin_user,
            "",
        )
        assert stored.interviews.get() == interview

    def test_restore_brings_them_back(self, admin_client, candidate):
        candidate.soft_delete(reason="mistake")
        # Deleted rows are selected on the list of deleted ones.
        response = _action(admin_client, "restore_selected", [candidate], query="?deleted=yes")
        assert response.status_code == 302
        assert Candidate.objects.get(pk=candidate.pk).status == "active"


class TestCsvExport:
    def test_exports_the_selection(self, admin_client, candidate, other_candidate):
        response = _action(admin_client, "export_csv", [candidate, other_candidate])

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert re.fullmatch(
            r'attachment; filename="candidates-\d{8}-\d{6}\.csv"', response["Content-Disposition"]
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == [
            "id",
            "email",
            "full_name",
            "phone",
            "status",
            "target_role",
            "experience_level",
            "timezone",
            "skills",
            "created_at",
            "deleted_at",
        ]
        assert rows[1] == [
            str(candidate.pk),
            "ada.lovelace@example.com",
            "Ada Lovelace",
            "",
            "active",
            "Backend engineer",
            "senior",
            "UTC",
            "python; postgresql",
            str(candidate.created_at),
            "",  # Not deleted: an empty cell, not "None".
        ]
        assert [row[1] for row in rows[2:]] == [other_candidate.email]

    @pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
    def test_cells_that_a_spreadsheet_would_run_are_escaped(self, admin_client, db, dangerous):
        candidate = Candidate.objects.create(
            email="formula@example.com", full_name=dangerous, target_role=dangerous
        )

        response = _action(admin_client, "export_csv", [candidate])

        [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert row["full_name"] == "'" + dangerous
        assert row["target_role"] == "'" + dangerous


class TestJSONEditing:
    def _form(self, resume, parsed_data):
        return {
            "candidate": str(resume.candidate_id),
            "file_url": resume.file_url,
            "file_name": resume.file_name,
            "file_size": resume.file_size,
            "uploaded_at_0": "2026-11-01",
            "uploaded_at_1": "10:00:00",
            "parsing_status": "completed",
            "parsed_data": parsed_data,
            "schema_version": 1,
        }

    def _errors(self, response) -> list[str]:
        return [str(error) for error in response.context["adminform"].form.errors["parsed_data"]]

    def test_invalid_json_is_a_form_error_and_comes_back_as_typed(self, admin_client, resume):
        url = f"/admin/candidates/resume/{resume.pk}/change/"

        response = admin_client.post(url, self._form(resume, '{"skills": ["python",'))

        assert response.status_code == 200
        assert self._errors(response) == ["Enter a valid JSON."]
        assert ">\n{&quot;skills&quot;: [&quot;python&quot;,</textarea>" in response.text
        assert Resume.objects.get(pk=resume.pk).parsed_data is None

    def test_json_nested_past_the_parser_is_invalid_and_comes_back_as_typed(
        self, admin_client, resume
    ):
        url = f"/admin/candidates/resume/{resume.pk}/change/"

        response = admin_client.post(url, self._form(resume, "[" * 100_000))

        assert response.status_code == 200
        assert self._errors(response) == ["Enter a valid JSON."]
        [error] = response.context["adminform"].form.errors.as_data()["parsed_data"]
        assert error.code == "invalid"
        assert f">\n{'[' * 100_000}</textarea>" in response.text
        assert Resume.objects.get(pk=resume.pk).parsed_data is None

    def test_json_nested_deeper_than_64_levels_is_refused(self, admin_client, resume):
        url = f"/admin/candidates/resume/{resume.pk}/change/"

        response = admin_client.post(url, self._form(resume, "[" * 65 + "]" * 65))

        assert response.status_code == 200
        assert self._errors(response) == ["JSON may nest at most 64 levels deep."]
        assert Resume.objects.get(pk=resume.pk).parsed_data is None

    def test_json_64_levels_deep_is_accepted(self, admin_client, resume):
        url = f"/admin/candidates/resume/{resume.pk}/change/"
        # A parsed resume is an object; its free-form keys may nest.
        document = '{"notes": ' + "[" * 63 + "]" * 63 + "}"

        response = admin_client.post(url, self._form(resume, document))

        assert response.status_code == 302
        deep = []
        for _ in range(62):
            deep = [deep]
        assert Resume.objects.get(pk=resume.pk).parsed_data == {"notes": deep}

    def test_text_outside_ascii_is_edited_as_written(self, admin_client, resume):
        Resume.objects.filter(pk=resume.pk).update(parsed_data={"name": "Zoë Ångström"})

        page = admin_client.get(f"/admin/candidates/resume/{resume.pk}/change/").text

        assert "&quot;name&quot;: &quot;Zoë Ångström&quot;" in page

    def test_valid_json_is_saved_and_shown_indented(self, admin_client, resume):
        url = f"/admin/candidates/resume/{resume.pk}/change/"

        response = admin_client.post(url, self._form(resume, '{"skills": ["python", "sql"]}'))

        assert response.status_code == 302
        assert Resume.objects.get(pk=resume.pk).parsed_data == {"skills": ["python", "sql"]}
        page = admin_client.get(url).text
        assert "{\n  &quot;skills&quot;: [" in page


def test_a_candidate_added_in_the_admin_is_stored_lower_cased(admin_client, db):
    response = admin_client.post(
        "/admin/candidates/candidate/add/",
        {
            "email": "Grace.Hopper@Example.com",
            "full_name": "Grace Hopper",
            "phone": "",
            "status": "active",
            "user": "",
            "target_role": "Compiler engineer",
            "experience_level": "principal",
            "timezone": "America/New_York",
            "skills": "cobol,fortran",
            "resumes-TOTAL_FORMS": "0",
            "resumes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    stored = Candidate.objects.get()
    assert (stored.email, stored.full_name, stored.skills, stored.timezone) == (
        "grace.hopper@example.com",
        "Grace Hopper",
        ["cobol", "fortran"],
        "America/New_York",
    )


def test_the_candidate_page_links_each_resume_file(admin_client, resume):
    page = admin_client.get(f"{CHANGELIST}{resume.candidate_id}/change/").text
    assert re.findall(r'field-file_link">\s*<p>(.*?)</p>', page) == [
        '<a href="https://files.example.com/resumes/ada-lovelace.pdf" '
        'rel="noopener noreferrer" target="_blank">ada-lovelace.pdf</a>'
    ]


def test_resumes_are_not_added_from_the_candidate_page(admin_client, resume):
    """Resumes come with their file, through their own page or the API."""
    page = admin_client.get(f"{CHANGELIST}{resume.candidate_id}/change/").text
    assert 'name="resumes-MAX_NUM_FORMS" value="0"' in page
