from accounts.models import Account
from portal.services import model_update
from tests.factories import development
from tokens.models import PersonalAccessToken
from tokens.services import personal_access_token_create


def test_model_update_saves_only_what_differs_with_updated_at(account, django_assert_num_queries):
    before = account.updated_at
    with django_assert_num_queries(1) as captured:
        changed = model_update(instance=account, data={"name": "Renamed", "metadata": {}})
    assert changed == ["name"]
    (update,) = captured.captured_queries
    assert '"name"' in update["sql"] and '"updated_at"' in update["sql"]
    assert '"metadata"' not in update["sql"]
    stored = Account.objects.get(pk=account.pk)
    assert stored.name == "Renamed" and stored.updated_at > before


def test_model_update_with_nothing_changed_saves_nothing(account, django_assert_num_queries):
    environment = development(account)
    with django_assert_num_queries(0):
        changed = model_update(instance=environment, data={"name": environment.name})
    assert changed == []


def test_model_update_returns_the_changed_fields_sorted(admin_user):
    token, _ = personal_access_token_create(user=admin_user, name="t")
    # A model without updated_at is saved with only its own fields.
    changed = model_update(instance=token, data={"name": "z", "last_four": "abcd"})
    assert changed == ["last_four", "name"]
    stored = PersonalAccessToken.objects.get(pk=token.pk)
    assert (stored.name, stored.last_four) == ("z", "abcd")
