"""The administrator's own profile, password change and forgotten password, through the test
client: what is saved and audited, which sessions survive, what the mail says, the limits."""

import re

import pytest
from django.test import Client

from accounts.models import Event, User
from tests.factories import DEFAULT_PASSWORD, administrator_of, make_account
from tests.pages import text

NEW_PASSWORD = "a brand new passphrase"
SITE_URL = "https://portal.example.com"
LINK = re.compile(r"(https?://\S+/password-reset/\S+/\S+/)")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def top_bar_name(response) -> str:
    match = re.search(r'<summary aria-label="User profile"[^>]*>([^<]*)</summary>', text(response))
    assert match, "no profile menu"
    return match.group(1)


def without_csrf_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def signed_in(user: User, password: str = DEFAULT_PASSWORD) -> Client:
    """A browser of its own, signed in through the sign-in form."""
    client = Client()
    response = client.post("/login/", {"username": user.email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    return client


def is_signed_in(client: Client) -> bool:
    return client.get("/profile/").status_code == 200


def reset_link(mail) -> str:
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(1)


def reset_path(mail) -> str:
    link = reset_link(mail)
    assert link.startswith(SITE_URL + "/password-reset/"), link
    return link.removeprefix(SITE_URL)


# Profile ---------------------------------------------------------------------------------------


def test_profile_is_for_signed_in_administrators(client, account):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/profile/")
    assert client.get("/profile/password/")["Location"].startswith("/login/")


def test_profile_menu_links_to_the_profile(admin_client):
    assert 'href="/profile/"' in text(admin_client.get("/spaces/"))


def test_change_name_is_saved_stripped_shown_and_audited(admin_client, admin_user, account):
    response = admin_client.post("/profile/", {"name": "  Ada Lovelace  "})
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    admin_user.refresh_from_db()
    assert admin_user.name == "Ada Lovelace"
    response = admin_client.get("/profile/")
    assert "Name saved." in text(response)
    assert 'value="Ada Lovelace"' in text(response)
    assert top_bar_name(response) == "Ada Lovelace"
    event = Event.objects.get(topic="user:updated")
    assert event.account == account
    assert event.actor_id == admin_user.id
    assert event.payload == {"changed": ["name"]}


def test_name_may_be_cleared_and_the_email_shows_instead(admin_client, admin_user):
    admin_client.post("/profile/", {"name": "Ada"})
    admin_client.post("/profile/", {"name": "   "})
    admin_user.refresh_from_db()
    assert admin_user.name == ""
    assert top_bar_name(admin_client.get("/profile/")) == admin_user.email
    assert Event.objects.filter(topic="user:updated").count() == 2


def test_unchanged_name_records_nothing(admin_client, admin_user):
    admin_client.post("/profile/", {"name": "Ada"})
    admin_client.post("/profile/", {"name": " Ada "})
    assert Event.objects.filter(topic="user:updated").count() == 1


def test_too_long_name_is_refused_and_kept_in_the_form(admin_client, admin_user):
    response = admin_client.post("/profile/", {"name": "x" * 256})
    assert response.status_code == 400
    assert "Name must be at most 255 characters." in text(response)
    assert 'value="' + "x" * 256 + '"' in text(response)
    admin_user.refresh_from_db()
    assert admin_user.name == ""
    assert not Event.objects.filter(topic="user:updated").exists()


def test_profile_page_query_count(admin_client, django_assert_num_queries):
    admin_client.get("/profile/")
    # session, user, membership with its account, the switcher's environments
    with django_assert_num_queries(4):
        assert admin_client.get("/profile/").status_code == 200


# Changing the password -------------------------------------------------------------------------


def change_password(client, old=DEFAULT_PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        "/profile/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_password_change_keeps_this_session_and_ends_the_others(admin_user, account):
    here = signed_in(admin_user)
    elsewhere = signed_in(admin_user)
    assert is_signed_in(here) and is_signed_in(elsewhere)

    response = change_password(here)
    assert response.status_code == 302
    assert response["Location"] == "/profile/security/"

    assert "Password changed." in text(here.get("/profile/security/"))
    assert is_signed_in(here)
    assert elsewhere.get("/profile/")["Location"].startswith("/login/")
    assert not is_signed_in(elsewhere)
    # The new password works, the old one no longer does.
    signed_in(admin_user, NEW_PASSWORD)
    refused = Client().post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 200
    event = Event.objects.get(topic="user:password-changed")
    assert (event.account, event.actor_id) == (account, admin_user.id)
    assert NEW_PASSWORD not in str(event.payload)


def test_wrong_current_password_is_refused(admin_user):
    here = signed_in(admin_user)
    response = change_password(here, old="not my password")
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in text(response)
    admin_user.refresh_from_db()
    assert admin_user.check_password(DEFAULT_PASSWORD)
    assert is_signed_in(here)
    assert not Event.objects.filter(topic="user:password-changed").exists()


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("short1", None, "This password is too short. It must contain at least 10 characters."),
        ("1234567890123", None, "This password is entirely numeric."),
        ("password1234", None, "This password is too common."),
        (NEW_PASSWORD, "something else entirely", "The two password fields didn’t match."),
    ],
)
def test_weak_or_mismatched_new_passwords_show_djangos_messages(admin_user, new, again, message):
    response = change_password(signed_in(admin_user), new=new, again=again)
    assert response.status_code == 200
    assert message in text(response)
    admin_user.refresh_from_db()
    assert admin_user.check_password(DEFAULT_PASSWORD)


def test_password_page_lists_the_rules(admin_client):
    assert "at least 10 characters" in text(admin_client.get("/profile/password/"))


# Forgotten password ----------------------------------------------------------------------------


def test_sign_in_page_links_to_forgot_password(client, db):
    assert 'href="/password-reset/"' in text(client.get("/login/"))


def test_reset_mail_link_comes_from_site_url_not_the_host_header(
    client, admin_user, mailoutbox, settings
):
    settings.ALLOWED_HOSTS = ["*"]  # even a Host the portal accepts must not shape the link
    response = client.post(
        "/password-reset/", {"email": admin_user.email}, HTTP_HOST="attacker.example"
    )
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [admin_user.email]
    assert mail.subject == "Reset your Access Portal password"
    assert reset_link(mail).startswith(SITE_URL + "/password-reset/")
    assert "attacker.example" not in mail.body + mail.subject
    assert "works once, for 1 hour" in mail.body  # PASSWORD_RESET_TIMEOUT


def test_unknown_email_gets_the_same_page_and_no_mail(client, admin_user, mailoutbox):
    known = client.post("/password-reset/", {"email": admin_user.email}, follow=True)
    unknown = client.post("/password-reset/", {"email": "ghost@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [("/password-reset/sent/", 302)]
    assert text(known) == text(unknown)
    assert [mail.to for mail in mailoutbox] == [[admin_user.email]]


def test_email_is_normalised_before_the_lookup(client, admin_user, mailoutbox):
    client.post("/password-reset/", {"email": f"  {admin_user.email.upper()} "})
    assert [mail.to for mail in mailoutbox] == [[admin_user.email]]


def test_reset_link_works_once_and_ends_every_session(client, admin_user, account, mailoutbox):
    elsewhere = signed_in(admin_user)
    client.post("/password-reset/", {"email": admin_user.email})
    path = reset_path(mailoutbox[0])

    # The token moves into the session; the form lives at a URL without it.
    response = client.get(path)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    assert "Choose a new password" in text(client.get(form_url))

    weak = client.post(form_url, {"new_password1": "short1", "new_password2": "short1"})
    assert "This password is too short" in text(weak)

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/password-reset/done/"
    assert "Password set" in text(client.get("/password-reset/done/"))
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)
    assert not is_signed_in(client)  # not signed in by the link: sign in with the new password
    assert not is_signed_in(elsewhere)
    event = Event.objects.get(topic="user:password-reset")
    assert (event.account, event.actor_id) == (account, admin_user.id)

    # Used once: the same link, in this browser or another, is refused.
    for browser in (client, Client()):
        again = browser.get(path, follow=True)
        assert "This reset link is invalid, expired or already used." in text(again)
        assert "Choose a new password" not in text(again)
    signed_in(admin_user, NEW_PASSWORD)


def test_a_forged_reset_link_is_refused(client, admin_user):
    response = client.get("/password-reset/bm90LWEtdXNlcg/abc-123/")
    assert response.status_code == 200
    assert "This reset link is invalid, expired or already used." in text(response)


@pytest.mark.usefixtures("one_rate_limit_window")
def test_reset_is_rate_limited_per_email(client, admin_user, mailoutbox, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (3, 60)}
    for number in range(3):
        # From different addresses, and typed differently: still the one email.
        email = admin_user.email.upper() if number % 2 else admin_user.email
        response = client.post(
            "/password-reset/", {"email": email}, REMOTE_ADDR=f"10.0.0.{number + 1}"
        )
        assert response.status_code == 302
    response = client.post(
        "/password-reset/", {"email": f" {admin_user.email} "}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429
    assert "Too many reset requests, try again in" in text(response)
    assert response.has_header("Retry-After")
    assert f'value=" {admin_user.email} "' in text(response)  # kept as typed
    assert len(mailoutbox) == 3


@pytest.mark.usefixtures("one_rate_limit_window")
def test_reset_is_rate_limited_per_address_across_emails(client, admin_user, mailoutbox, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (3, 60)}
    for number in range(3):
        client.post("/password-reset/", {"email": f"guess{number}@example.com"})
    response = client.post("/password-reset/", {"email": admin_user.email})
    assert response.status_code == 429
    assert mailoutbox == []


@pytest.mark.usefixtures("one_rate_limit_window")
def test_over_the_limit_reads_the_same_for_known_and_unknown_emails(client, admin_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (1, 60)}
    answers = []
    for number, email in enumerate((admin_user.email, "ghost@example.com")):
        # A fresh address each time: only the email's own counter is over its limit.
        client.post("/password-reset/", {"email": email}, REMOTE_ADDR=f"10.1.0.{number}")
        refused = client.post("/password-reset/", {"email": email}, REMOTE_ADDR=f"10.2.0.{number}")
        assert refused.status_code == 429
        answers.append(re.sub(r"\d+ seconds?", "", without_csrf_tokens(text(refused))))
    assert answers[0].replace(admin_user.email, "EMAIL") == answers[1].replace(
        "ghost@example.com", "EMAIL"
    )


def test_reset_of_a_user_without_an_account_still_works(client, db, mailoutbox):
    user = User.objects.create_superuser(email="root@example.com", password=DEFAULT_PASSWORD)
    client.post("/password-reset/", {"email": user.email})
    path = reset_path(mailoutbox[0])
    form_url = client.get(path)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not Event.objects.exists()  # no account, no audit trail to write to


def test_administrator_of_another_account_is_unaffected(client, admin_user, mailoutbox):
    other = administrator_of(make_account(name="Globex", email="other@example.com"))
    client.post("/password-reset/", {"email": admin_user.email})
    assert [mail.to for mail in mailoutbox] == [[admin_user.email]]
    other.refresh_from_db()
    assert other.check_password(DEFAULT_PASSWORD)
