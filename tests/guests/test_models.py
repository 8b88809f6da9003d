"""The guests' tables hold their invariants: one guest per email per environment, one grant
per guest and space, links stored as digests; and the links' token format."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from guests import links
from guests.models import Guest, MagicLink, SharedLink, SpaceGrant, WorkbookGrant
from portal import encryption
from tests.factories import WorkbookFactory, production
from tokens import credentials


def test_a_guest_id_is_a_public_id(environment):
    guest = Guest.objects.create(environment=environment, email="a@example.com", name="A")
    assert guest.id.startswith("us_g_")
    assert str(guest) == "A"


def test_an_email_is_one_guest_per_environment_whatever_its_case(environment):
    Guest.objects.create(environment=environment, email="a@example.com", name="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Guest.objects.create(environment=environment, email="A@Example.com", name="B")


def test_the_same_email_may_be_a_guest_of_another_environment(account, environment):
    Guest.objects.create(environment=environment, email="a@example.com", name="A")
    other = Guest.objects.create(environment=production(account), email="a@example.com", name="A")
    assert other.pk


def test_a_guest_has_one_grant_per_space(environment, space):
    guest = Guest.objects.create(environment=environment, email="a@example.com", name="A")
    SpaceGrant.objects.create(guest=guest, space=space)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpaceGrant.objects.create(guest=guest, space=space)


def test_a_workbook_is_granted_once_per_guest(environment, space):
    guest = Guest.objects.create(environment=environment, email="a@example.com", name="A")
    workbook = WorkbookFactory(space=space)
    WorkbookGrant.objects.create(guest=guest, space=space, workbook=workbook)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkbookGrant.objects.create(guest=guest, space=space, workbook=workbook)


def test_deleting_a_space_deletes_its_grants_links_and_shared_link(guest, space, other_space):
    workbook = WorkbookFactory(space=space)
    WorkbookGrant.objects.create(guest=guest, space=space, workbook=workbook)
    MagicLink.objects.create(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.INVITATION,
        token_digest="0" * 64,
        last_four="abcd",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    SharedLink.objects.create(
        space=space, token_digest="1" * 64, encrypted_token=encryption.encrypt("x"), last_four="x"
    )
    space.delete()
    assert list(SpaceGrant.objects.filter(guest=guest).values_list("space", flat=True)) == [
        other_space.id
    ]
    assert not WorkbookGrant.objects.exists()
    assert not MagicLink.objects.exists()
    assert not SharedLink.objects.exists()


def test_deleting_a_guest_through_the_orm_takes_everything_of_theirs(guest, space):
    # guest.delete() is also what the environment's deletion cascades to: nothing is left.
    workbook = WorkbookFactory(space=space)
    WorkbookGrant.objects.create(guest=guest, space=space, workbook=workbook)
    guest.delete()
    assert not SpaceGrant.objects.exists()
    assert not WorkbookGrant.objects.exists()


def test_a_magic_link_is_pending_until_used_revoked_or_expired(guest, space):
    link = MagicLink(
        guest=guest,
        space=space,
        purpose=MagicLink.Purpose.SIGN_IN,
        expires_at=timezone.now() + timedelta(minutes=1),
        last_four="wxyz",
    )
    assert link.is_pending
    assert str(link) == "Sign-in link …wxyz"
    link.used_at = timezone.now()
    assert not link.is_pending
    link.used_at = None
    link.revoked_at = timezone.now()
    assert not link.is_pending
    link.revoked_at = None
    link.expires_at = timezone.now() - timedelta(seconds=1)
    assert not link.is_pending


def test_a_shared_link_decrypts_its_token_and_knows_when_it_works(space):
    token = links.generate(links.SHARED_LINK)
    link = SharedLink(
        space=space,
        token_digest=links.digest(token),
        encrypted_token=encryption.encrypt(token),
        last_four=token[-4:],
    )
    assert link.token == token
    assert token not in link.encrypted_token
    assert link.is_active
    assert str(link) == f"Shared link …{token[-4:]}"
    link.expires_at = timezone.now() - timedelta(seconds=1)
    assert not link.is_active
    link.expires_at = None
    link.disabled_at = timezone.now()
    assert not link.is_active


def test_grants_and_workbook_grants_name_themselves(guest, space):
    grant = SpaceGrant.objects.get(guest=guest, space=space)
    assert str(grant) == f"{guest.id} in {space.id}"
    workbook = WorkbookFactory(space=space)
    assert (
        str(WorkbookGrant(guest=guest, space=space, workbook=workbook))
        == f"{guest.id} in {workbook.id}"
    )


# The links' tokens ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", [links.MAGIC_LINK, links.SHARED_LINK])
def test_a_link_token_is_the_credential_format_with_its_own_prefix(prefix):
    token = links.generate(prefix)
    assert token.startswith(f"{prefix}_")
    assert len(token) == len(prefix) + 1 + credentials.RANDOM_LENGTH + credentials.CHECKSUM_LENGTH
    assert links.is_well_formed(token, prefix)
    assert token != links.generate(prefix)
    # Never an API credential: verification does not even recognise the form.
    assert credentials.parse(token) is None


def test_a_mangled_or_foreign_token_is_not_well_formed():
    token = links.generate(links.MAGIC_LINK)
    mangled = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not links.is_well_formed(mangled, links.MAGIC_LINK)
    assert not links.is_well_formed(token, links.SHARED_LINK)
    assert not links.is_well_formed(token[:-2], links.MAGIC_LINK)
    assert not links.is_well_formed(None, links.MAGIC_LINK)
    assert not links.is_well_formed("ml_" + "a" * 36 + "\x00", links.MAGIC_LINK)


def test_an_unknown_prefix_is_refused():
    with pytest.raises(ValueError):
        links.generate("pat")


def test_links_are_built_from_the_site_url(settings):
    settings.SITE_URL = "https://portal.example.com"
    token = links.generate(links.MAGIC_LINK)
    assert links.magic_link_url(token) == f"https://portal.example.com/guest/magic/{token}/"
    assert links.shared_link_url(token) == f"https://portal.example.com/guest/shared/{token}/"


def test_the_links_open_the_guest_pages_without_their_token(client, db):
    # The pages themselves: tests/guests/test_views_magic_links.py and test_views_shared_links.py.
    for prefix, kind in ((links.MAGIC_LINK, "magic"), (links.SHARED_LINK, "shared")):
        token = links.generate(prefix)
        response = client.get(f"/guest/{kind}/{token}/")
        assert response.status_code == 302
        assert token not in response["Location"]
