"""Deferred fields of the models credential lookups build load together, in one query."""

from accounts.models import Account, User


def test_first_deferred_read_loads_every_deferred_field_at_once(account, django_assert_num_queries):
    partial = Account.objects.only("id").get(pk=account.pk)
    assert partial.get_deferred_fields() == {
        "name",
        "metadata",
        "require_two_step",
        "token_max_lifetime_days",
        "created_at",
        "updated_at",
    }
    with django_assert_num_queries(1):
        assert partial.name == account.name
        assert partial.metadata == account.metadata
        assert partial.created_at == account.created_at
    assert partial.get_deferred_fields() == set()


def test_reloading_named_loaded_fields_still_loads_only_those(admin_user):
    user = User.objects.only("id", "email").get(pk=admin_user.pk)
    User.objects.filter(pk=admin_user.pk).update(email="renamed@example.com", name="Renamed")
    user.refresh_from_db(fields=["email"])
    assert user.email == "renamed@example.com"
    assert "name" in user.get_deferred_fields()  # a loaded field asked for: nothing more


def test_cached_relations_survive_loading_the_deferred_fields(
    admin_user, account, django_assert_num_queries
):
    user = (
        User.objects.select_related("membership__account")
        .only(
            "id",
            "membership__id",
            "membership__user",
            "membership__account",
            "membership__account__id",
        )
        .get(pk=admin_user.pk)
    )
    assert user.email == admin_user.email  # loads the user's deferred fields
    with django_assert_num_queries(0):
        assert user.membership.account.pk == account.pk
