"""Factories for every model the tests build (factory_boy). Objects are made through the
services where the services add something: an account's first administrator and
environments, an environment's keys, a credential's digest or encryption, an invitation's
link. Each factory's actor, where its service asks for one, is the account's first
administrator unless the test names another (`actor=`).

A credential's raw value exists only when it is made, so its factory leaves it on the
instance it returns (`.raw`; an invitation's `.link`), as the service hands it back once."""

from datetime import timedelta

import factory

from accounts import services as account_services
from accounts.audit import record_event
from accounts.models import (
    Account,
    AdminInvitation,
    AuditScope,
    Environment,
    Event,
    Membership,
    Space,
    User,
    Workbook,
)
from tokens import services as token_services
from tokens.models import ApiKey, ClientCredential, PersonalAccessToken, Secret

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


def _an_administrator() -> User:
    return administrator_of(make_account())


# Accounts, people, environments, spaces, workbooks ------------------------------------------


class AccountFactory(factory.django.DjangoModelFactory):
    """make_account as a factory, for SubFactory: through account_create."""

    class Meta:
        model = Account

    name = "Acme"

    @classmethod
    def _create(cls, model_class, *, name, **sign_up):
        return make_account(name=name, **sign_up)


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can sign in, of no account (what the Django admin's "Add user" makes).
    `password=None` leaves them without a usable one."""

    class Meta:
        model = User

    email = factory.Sequence(lambda number: f"person{number}@example.com")
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class, *, password, **fields):
        return model_class.objects.create_user(password=password, **fields)


class AdministratorFactory(UserFactory):
    """Another administrator of an account, as accepting an invitation leaves them. Made
    directly rather than through administrator_invite + invitation_accept: those need the
    mailed link and write two events into the audit trail that many tests read."""

    account = factory.SubFactory(AccountFactory)

    @classmethod
    def _create(cls, model_class, *, account, **fields):
        user = super()._create(model_class, **fields)
        Membership.objects.create(user=user, account=account)
        return user


class EnvironmentFactory(factory.django.DjangoModelFactory):
    """Through environment_create: it is born with its secret and publishable keys."""

    class Meta:
        model = Environment

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda number: f"staging {number}")

    @classmethod
    def _create(cls, model_class, *, account, actor=None, **fields):
        return account_services.environment_create(
            account=account, actor=actor or administrator_of(account), **fields
        )


class SpaceFactory(factory.django.DjangoModelFactory):
    # Made directly: space_create adds only its audit event, and tests that read the log
    # record the events they mean to read.
    class Meta:
        model = Space

    environment = factory.SubFactory(EnvironmentFactory)
    name = factory.Sequence(lambda n: f"Space {n}")


class WorkbookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workbook

    space = factory.SubFactory(SpaceFactory)
    name = factory.Sequence(lambda n: f"Workbook {n}")


class AdminInvitationFactory(factory.django.DjangoModelFactory):
    """Through administrator_invite (the token is kept only as its digest); the link that
    would be mailed is on the invitation as `.link`."""

    class Meta:
        model = AdminInvitation

    account = factory.SubFactory(AccountFactory)
    email = factory.Sequence(lambda number: f"invited{number}@example.com")

    @classmethod
    def _create(cls, model_class, *, account, email, actor=None):
        invitation, link = account_services.administrator_invite(
            account=account, actor=actor or administrator_of(account), email=email
        )
        invitation.link = link
        return invitation


class EventFactory(factory.django.DjangoModelFactory):
    """An entry of the audit trail, written the one way events are (record_event)."""

    class Meta:
        model = Event

    account = factory.SubFactory(AccountFactory)
    topic = "space:created"
    actor = None
    environment_id = ""
    space_id = ""
    payload = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *, account, topic, actor, environment_id, space_id, payload):
        scope = AuditScope(account, environment_id, space_id)
        return record_event(topic, on=scope, actor=actor, **payload)


# Credentials and secrets: always through the services (digests, encryption, events) ---------


class PersonalAccessTokenFactory(factory.django.DjangoModelFactory):
    """Through personal_access_token_create; the value is `.raw`."""

    class Meta:
        model = PersonalAccessToken

    user = factory.LazyFunction(_an_administrator)
    name = factory.Sequence(lambda number: f"token {number}")
    expires_in_days = None

    @classmethod
    def _create(cls, model_class, **fields):
        token, raw = token_services.personal_access_token_create(**fields)
        token.raw = raw
        return token


class ClientCredentialFactory(factory.django.DjangoModelFactory):
    """Through client_credential_create; the secret is `.raw` (the client id is the id)."""

    class Meta:
        model = ClientCredential

    user = factory.LazyFunction(_an_administrator)

    @classmethod
    def _create(cls, model_class, *, user):
        credential, secret = token_services.client_credential_create(user=user)
        credential.raw = secret
        return credential


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A new key as rolling makes one (api_key_roll): the environment's current key of that
    type stops working at once unless `keep_old_for` says otherwise. The value is `.raw`."""

    class Meta:
        model = ApiKey

    environment = factory.SubFactory(EnvironmentFactory)
    type = ApiKey.Type.SECRET
    keep_old_for = timedelta(0)

    @classmethod
    def _create(cls, model_class, *, environment, type, keep_old_for, actor=None):
        rolled = token_services.api_key_roll(
            environment=environment,
            actor=actor or administrator_of(environment.account),
            key_type=type,
            keep_old_for=keep_old_for,
        )
        rolled.key.raw = rolled.raw
        return rolled.key


class SecretFactory(factory.django.DjangoModelFactory):
    """Through secret_upsert (the value is encrypted); in a space when `space` is given."""

    class Meta:
        model = Secret

    space = None
    # A space's secret lives in the space's environment.
    environment = factory.Maybe(
        "space",
        yes_declaration=factory.SelfAttribute("space.environment"),
        no_declaration=factory.SubFactory(EnvironmentFactory),
    )
    name = factory.Sequence(lambda number: f"SECRET_{number}")
    value = "a value"

    @classmethod
    def _create(cls, model_class, *, environment, actor=None, **fields):
        secret, _created = token_services.secret_upsert(
            environment=environment, actor=actor or administrator_of(environment.account), **fields
        )
        return secret
