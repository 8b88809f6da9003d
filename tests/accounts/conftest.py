"""For the accounts tests: a client with an administrator's personal access token, a second
administrator of the account, and an administrator of another account."""

import pytest
from rest_framework.test import APIClient

from tests.factories import AdministratorFactory, PersonalAccessTokenFactory, administrator_of
from tests.tokens.conftest import bearer


@pytest.fixture
def pat_api(admin_user):
    return bearer(APIClient(), PersonalAccessTokenFactory(user=admin_user).raw)


@pytest.fixture
def other_admin(account):
    return AdministratorFactory(account=account, email="second@example.com", name="Second")


@pytest.fixture
def stranger(other_account):
    """An administrator of another account."""
    return administrator_of(other_account)
