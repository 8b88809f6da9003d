"""Factories for every model the tests build. Objects are made through the services where
the services add something (an account's environments, an environment's keys)."""

import factory

from accounts import services as account_services
from accounts.models import Account, Environment, Space, User, Workbook

DEFAULT_PASSWORD = "correct horse battery staple"


def make_account(
    *, name: str = "Acme", email: str | None = None, password: str = DEFAULT_PASSWORD
) -> Account:
    """An account as sign-up makes it: one administrator, development and production, keys."""
    email = email or f"admin{next(_emails)}@example.com"
    return account_services.account_create(name=name, email=email, password=password)


def _counter():
    number = 0
    while True:
        number += 1
        yield number


_emails = _counter()


def administrator_of(account: Account) -> User:
    return User.objects.filter(membership__account=account).order_by("created_at").first()


def development(account: Account) -> Environment:
    return account.environments.get(name="development")


def production(account: Account) -> Environment:
    return account.environments.get(name="production")


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space

    name = factory.Sequence(lambda n: f"Space {n}")


class WorkbookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workbook

    space = factory.SubFactory(SpaceFactory)
    name = factory.Sequence(lambda n: f"Workbook {n}")
