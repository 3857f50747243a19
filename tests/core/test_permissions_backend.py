"""A login's permissions, its own and its groups', read in one query; Django's
answers kept for superusers, inactive logins and object permissions."""

import pytest
from django.contrib.auth.models import Group, Permission, User


@pytest.fixture
def login_with_both(db) -> User:
    user = User.objects.create_user("both", password="x9-unused", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_resume"))
    group = Group.objects.create(name="viewers")
    group.permissions.add(Permission.objects.get(codename="view_candidate"))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def test_own_and_group_permissions_come_in_one_query(login_with_both, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert login_with_both.get_all_permissions() == {
            "candidates.view_resume",
            "candidates.view_candidate",
        }
        assert login_with_both.has_perms(["candidates.view_resume", "candidates.view_candidate"])
    assert not login_with_both.has_perm("candidates.change_candidate")


def test_a_superuser_holds_every_permission(db):
    root = User.objects.create_superuser("root", "root@example.com", "x9-unused")
    assert len(root.get_all_permissions()) == Permission.objects.count()


def test_an_inactive_login_and_object_permissions_hold_none(login_with_both, candidate):
    assert login_with_both.get_all_permissions(obj=candidate) == set()
    login_with_both.is_active = False
    assert login_with_both.get_all_permissions() == set()
