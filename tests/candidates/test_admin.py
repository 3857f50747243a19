"""Deleting from the admin soft-deletes."""

from candidates.models import Candidate


def test_deleting_a_candidate_in_the_admin_soft_deletes_it(admin_client, candidate, interview):
    url = f"/admin/candidates/candidate/{candidate.pk}/delete/"

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    kept = Candidate.all_objects.get(pk=candidate.pk)
    assert kept.status == Candidate.Status.DELETED
    assert kept.deleted_by == response.wsgi_request.user
    assert kept.interviews.get() == interview


def test_the_bulk_delete_action_soft_deletes_the_selection(admin_client, candidate):
    other = Candidate.objects.create(email="grace@example.com", full_name="Grace Hopper")

    response = admin_client.post(
        "/admin/candidates/candidate/",
        {"action": "delete_selected", "_selected_action": [candidate.pk, other.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert Candidate.objects.count() == 0
    assert Candidate.all_objects.deleted().count() == 2
