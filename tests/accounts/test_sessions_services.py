"""The sessions' services: a person sees and ends only their own living sessions, by a
handle that is not the key, and every ending is audited without the key."""

from datetime import timedelta

import pytest
from django.utils import timezone
from qsessions.models import Session

from accounts import services
from accounts.models import Event
from accounts.services.sessions import browser_name, session_handle
from tests.accounts.sessions_helpers import MAC_CHROME, WINDOWS_FIREFOX, browser, key_of
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def ended_events():
    return list(Event.objects.filter(topic="user:session-ended").order_by("created_at"))


def test_a_person_sees_their_living_sessions_and_which_one_is_this(admin_user, stranger):
    here = browser(admin_user)
    elsewhere = browser(admin_user, WINDOWS_FIREFOX)
    browser(stranger)

    listed = services.sessions_of(admin_user, current_session_key=key_of(here))

    assert {session.handle for session in listed} == {
        session_handle(key_of(here)),
        session_handle(key_of(elsewhere)),
    }
    assert [session.current for session in listed] == [True, False]  # this one first
    by_handle = {session.handle: session for session in listed}
    this = by_handle[session_handle(key_of(here))]
    other = by_handle[session_handle(key_of(elsewhere))]
    assert (this.current, this.browser, this.ip) == (True, "Chrome 131 on macOS", "127.0.0.1")
    assert (other.current, other.browser) == (False, "Firefox 133 on Windows")
    assert this.created_at is not None and this.last_active_at is not None


def test_expired_sessions_and_sessions_from_before_a_password_change_are_not_listed(
    admin_user,
):
    expired = browser(admin_user)
    Session.objects.filter(pk=key_of(expired)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    before = browser(admin_user)
    assert [
        session.handle for session in services.sessions_of(admin_user, current_session_key=None)
    ] == [session_handle(key_of(before))]
    admin_user.set_password("a brand new passphrase")
    admin_user.save()
    assert services.sessions_of(admin_user, current_session_key=None) == []
    assert services.session_key_for_handle(admin_user, session_handle(key_of(before))) is None
    # Still rows until clearsessions or their next request: only the page leaves them out.
    assert Session.objects.filter(user=admin_user).count() == 2


def test_a_handle_is_neither_the_key_nor_any_part_of_it(admin_user):
    key = key_of(browser(admin_user))
    handle = session_handle(key)
    assert len(handle) == 32 and int(handle, 16) >= 0
    assert key[:6] not in handle and handle not in key
    assert services.session_key_for_handle(admin_user, handle) == key


@pytest.mark.parametrize("handle", ["", "junk", "0" * 32, "g" * 32, "x" * 5000])
def test_a_made_up_handle_names_no_session(admin_user, handle):
    browser(admin_user)
    assert services.session_key_for_handle(admin_user, handle) is None


def test_another_persons_session_is_not_found_by_its_handle(admin_user, stranger):
    theirs = key_of(browser(stranger))
    assert services.session_key_for_handle(admin_user, session_handle(theirs)) is None


def test_ending_a_session_deletes_it_and_audits_how_many_never_the_key(admin_user, account):
    here, elsewhere = browser(admin_user), browser(admin_user)
    key = key_of(elsewhere)

    services.session_end(user=admin_user, session_key=key, actor=admin_user)

    assert not Session.objects.filter(pk=key).exists()
    assert Session.objects.filter(pk=key_of(here)).exists()
    [event] = ended_events()
    assert (event.account_id, event.actor_id) == (account.id, admin_user.id)
    assert event.payload == {"userId": admin_user.id, "sessions": 1, "everywhereElse": False}
    assert key[:8] not in str(event.payload)


def test_another_persons_session_or_a_junk_key_cannot_be_ended(admin_user, stranger):
    theirs = key_of(browser(stranger))
    for key in (theirs, "junk", ""):
        with pytest.raises(Session.DoesNotExist):
            services.session_end(user=admin_user, session_key=key, actor=admin_user)
    assert Session.objects.filter(pk=theirs).exists()
    assert ended_events() == []


def test_signing_out_everywhere_else_keeps_this_session_only(admin_user, stranger, other_admin):
    here = browser(admin_user)
    others = [browser(admin_user), browser(admin_user, WINDOWS_FIREFOX)]
    theirs = browser(stranger)

    ended = services.sessions_end_all_except(user=admin_user, keep_session_key=key_of(here))

    assert ended == 2
    assert list(Session.objects.filter(user=admin_user).values_list("pk", flat=True)) == [
        key_of(here)
    ]
    assert all(not Session.objects.filter(pk=key_of(other)).exists() for other in others)
    assert Session.objects.filter(pk=key_of(theirs)).exists()
    [event] = ended_events()
    assert event.payload == {"userId": admin_user.id, "sessions": 2, "everywhereElse": True}
    assert event.actor_id == admin_user.id


def test_signing_out_everywhere_else_with_nowhere_else_records_nothing(admin_user):
    here = browser(admin_user)
    assert services.sessions_end_all_except(user=admin_user, keep_session_key=key_of(here)) == 0
    assert ended_events() == []
    assert Session.objects.filter(pk=key_of(here)).exists()


def test_a_user_of_no_account_ends_sessions_without_an_audit_trail(db, django_user_model):
    root = django_user_model.objects.create_superuser(
        email="root@example.com", password=DEFAULT_PASSWORD
    )
    key = key_of(browser(root))
    services.session_end(user=root, session_key=key, actor=root)
    assert not Session.objects.filter(pk=key).exists()
    assert ended_events() == []


@pytest.mark.parametrize(
    ("user_agent", "shown"),
    [
        (MAC_CHROME, "Chrome 131 on macOS"),
        (WINDOWS_FIREFOX, "Firefox 133 on Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Mobile Safari 17 on iOS",
        ),
        ("curl/8.0", "curl 8"),
        ("garbage", "Unknown browser"),
        ("", "Unknown browser"),
        (None, "Unknown browser"),
    ],
)
def test_the_browser_reads_as_a_person_names_it(user_agent, shown):
    assert browser_name(Session(user_agent=user_agent)) == shown


def test_signing_out_everywhere_else_counts_only_the_sessions_the_page_lists(admin_user):
    expired = browser(admin_user)
    Session.objects.filter(pk=key_of(expired)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    here, elsewhere = browser(admin_user), browser(admin_user)
    assert services.sessions_end_all_except(user=admin_user, keep_session_key=key_of(here)) == 1
    assert not Session.objects.filter(pk=key_of(elsewhere)).exists()
    [event] = ended_events()
    assert event.payload["sessions"] == 1
