"""The administrator pages through Django's test client: flows, bad input, reach, CSRF,
and pinned query counts that do not grow with rows."""

import re

import pytest
from django.test import Client

from accounts import services
from accounts.models import AdminInvitation, Environment, Event, Space, User, Workbook
from tests.factories import (
    DEFAULT_PASSWORD,
    AdministratorFactory,
    SpaceFactory,
    WorkbookFactory,
    administrator_of,
    development,
    production,
)


def text(response) -> str:
    return response.content.decode()


# Signing in -----------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, account):
    environment = development(account)
    for url in [
        "/",
        "/environments/",
        f"/environments/{environment.id}/",
        "/spaces/",
        "/team/",
        "/logs/",
        "/personal-access-tokens/",
        f"/environments/{environment.id}/api-keys/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_sign_in_with_email_and_password(client, admin_user):
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert "_auth_user_id" in client.session


def test_wrong_email_and_wrong_password_get_the_same_message(client, admin_user):
    wrong_password = client.post("/login/", {"username": admin_user.email, "password": "nope"})
    unknown_email = client.post(
        "/login/", {"username": "ghost@example.com", "password": DEFAULT_PASSWORD}
    )
    message = "That email and password do not match an account."
    assert message in text(wrong_password)
    assert message in text(unknown_email)
    # The typed email is kept.
    assert 'value="ghost@example.com"' in text(unknown_email)


def test_sign_in_is_rate_limited(client, admin_user, settings):
    # Failures per (email, address) are django-axes' count (tests/accounts/test_lockout.py).
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/login/", {"username": admin_user.email, "password": "guess"})
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert response.has_header("Retry-After")
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("one_rate_limit_window")
def test_sign_in_is_rate_limited_per_address_across_emails(client, admin_user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (3, 60)}
    for number in range(3):
        client.post("/login/", {"username": f"guess{number}@example.com", "password": "x"})
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    # Another address may still sign in.
    other = Client(REMOTE_ADDR="203.0.113.9")
    ok = other.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302


@pytest.mark.usefixtures("one_rate_limit_window")
def test_sign_in_is_rate_limited_per_email_across_addresses(admin_user, settings):
    # The loose per-email limit: guesses spread over many addresses (each far below axes'
    # per-address lockout) stop too, whatever the spelling of the email.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-email": (3, 60)}
    for number in range(3):
        Client(REMOTE_ADDR=f"198.51.100.{number}").post(
            "/login/", {"username": admin_user.email, "password": "guess"}
        )
    response = Client(REMOTE_ADDR="198.51.100.99").post(
        "/login/", {"username": f" {admin_user.email.upper()}\t", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    ok = Client(REMOTE_ADDR="198.51.100.99").post(
        "/login/", {"username": "someone.else@example.com", "password": "x"}
    )
    assert ok.status_code == 200  # a wrong login, but not a refused one


@pytest.mark.usefixtures("one_rate_limit_window")
def test_a_refused_sign_in_does_not_check_the_password(client, admin_user, settings, monkeypatch):
    import django.contrib.auth.forms as auth_forms

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": (1, 60)}
    client.post("/login/", {"username": admin_user.email, "password": "guess"})
    checked = []
    monkeypatch.setattr(auth_forms, "authenticate", lambda *args, **kwargs: checked.append(1))
    response = client.post("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert checked == []
    wait = response["Retry-After"]
    assert f"Too many attempts, try again in {wait} seconds." in text(response)
    assert f'value="{admin_user.email}"' in text(response)  # what was typed is kept


def test_sign_out_is_a_post(admin_client):
    assert admin_client.get("/logout/").status_code == 405
    assert admin_client.post("/logout/").status_code == 302
    assert admin_client.get("/team/").status_code == 302


def test_a_user_without_an_account_is_told_so(client, db):
    user = User.objects.create_superuser(email="root@example.com", password="x" * 12)
    client.force_login(user)
    for url in ["/", "/environments/", "/spaces/", "/team/", "/logs/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "not an administrator of any account" in text(response)
    # Signing in again lands on the same page, not in a redirect loop.
    assert client.get("/login/")["Location"] == "/"


def test_signed_out_posts_change_nothing(client, account):
    environment = development(account)
    space = SpaceFactory(environment=environment)
    for url, data in [
        ("/environments/", {"name": "staging"}),
        (f"/environments/{environment.id}/delete/", {}),
        (f"/spaces/{space.id}/delete/", {}),
        ("/team/", {"email": "new@example.com"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    assert Environment.objects.filter(account=account).count() == 2
    assert Space.objects.filter(pk=space.pk).exists()
    assert not AdminInvitation.objects.exists()


def test_every_form_needs_its_csrf_token(admin_user, account):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    environment = development(account)
    space = SpaceFactory(environment=environment, name="Kept")
    workbook = WorkbookFactory(space=space, name="Kept")
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="c@example.com"
    )
    client.get(link)  # the invitation's token now waits in the session, as in a browser
    passwords = {"password": "a fine long phrase", "password_again": "a fine long phrase"}
    for url, data in [
        ("/login/", {"username": admin_user.email, "password": DEFAULT_PASSWORD}),
        ("/logout/", {}),
        ("/environments/", {"name": "staging"}),
        (f"/environments/{environment.id}/", {"name": "Space"}),
        (f"/environments/{environment.id}/settings/", {"name": "renamed"}),
        (f"/environments/{environment.id}/delete/", {}),
        (f"/spaces/{space.id}/", {"action": "update-space", "name": "renamed"}),
        (f"/spaces/{space.id}/", {"action": "create-workbook", "name": "New"}),
        (f"/spaces/{space.id}/delete/", {}),
        (f"/workbooks/{workbook.id}/", {"name": "renamed"}),
        (f"/workbooks/{workbook.id}/delete/", {}),
        ("/team/", {"email": "new@example.com"}),
        (f"/team/{admin_user.id}/remove/", {}),
        (f"/team/invitations/{AdminInvitation.objects.get().id}/resend/", {}),
        (f"/team/invitations/{AdminInvitation.objects.get().id}/revoke/", {}),
        ("/invitations/accept/", passwords),
        ("/personal-access-tokens/", {"name": "t"}),
        (f"/environments/{environment.id}/secrets/", {"name": "A", "value": "b"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert client.get("/team/").status_code == 200  # still signed in
    assert [env.name for env in Environment.objects.filter(account=account)] == [
        "development",
        "production",
    ]
    assert Space.objects.get(pk=space.pk).name == "Kept"
    assert Workbook.objects.get(pk=workbook.pk).name == "Kept"
    assert not User.objects.filter(email="c@example.com").exists()
    assert AdminInvitation.objects.count() == 1


# Environments -----------------------------------------------------------------------------


def test_home_goes_to_the_current_environment(admin_client, account):
    response = admin_client.get("/")
    assert response["Location"] == f"/environments/{development(account).id}/"
    admin_client.get(f"/environments/{production(account).id}/")
    assert admin_client.get("/")["Location"] == f"/environments/{production(account).id}/"


def test_environment_switcher_badges_dev_and_prod(admin_client, account):
    page = text(admin_client.get(f"/environments/{production(account).id}/"))
    assert 'data-testid="environment-switcher"' in page
    assert "badge-prod" in page and "badge-dev" in page


def test_create_environment(admin_client, account):
    response = admin_client.post(
        "/environments/", {"name": "staging", "guest_authentication": ["shared_link"]}
    )
    assert response.status_code == 302
    staging = Environment.objects.get(account=account, name="staging")
    assert staging.is_prod is False
    assert staging.guest_authentication == ["shared_link"]
    assert staging.api_keys.count() == 2


def test_environment_list_reads_in_the_switchers_order(admin_client, account, admin_user):
    # Public ids are random, so an unordered (GROUP BY) list comes back in id order, which
    # is all but never the order of creation.
    for name in ["zeta", "alpha", "mid", "beta", "omega", "gamma"]:
        services.environment_create(account=account, actor=admin_user, name=name)
    SpaceFactory(environment=Environment.objects.get(account=account, name="mid"))
    page = text(admin_client.get("/environments/"))
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    listed = re.findall(r'<a href="/environments/us_env_\w+/">([^<]+)</a>', table)
    switcher = [environment.name for environment in Environment.objects.filter(account=account)]
    assert listed == switcher
    assert listed == ["development", "production", "zeta", "alpha", "mid", "beta", "omega", "gamma"]
    assert '<div class="table-scroll">\n<table>' in page


def test_environment_list_shows_guest_authentication_labels(admin_client, account, admin_user):
    services.environment_create(
        account=account,
        actor=admin_user,
        name="both",
        guest_authentication=["magic_link", "shared_link"],
    )
    services.environment_create(
        account=account, actor=admin_user, name="none", guest_authentication=[]
    )
    page = text(admin_client.get("/environments/"))
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = re.findall(r"<td>([^<]*)</td>", table)
    assert "Magic link, Shared link" in cells
    assert "Magic link" in cells
    assert "None" in cells
    assert "magic_link" not in table and "shared_link" not in table


def test_environment_forms_offer_guest_authentication_by_label(admin_client, account):
    for url in ["/environments/", f"/environments/{development(account).id}/settings/"]:
        page = text(admin_client.get(url))
        assert re.search(r'value="magic_link"[^>]*> Magic link</label>', page), url
        assert re.search(r'value="shared_link"[^>]*> Shared link</label>', page), url


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Name cannot be empty."),
        ("   ", "Name cannot be empty."),
        ("x" * 300, "Name must be at most 255 characters."),
        ("Development", "An environment with this name already exists in this account."),
    ],
)
def test_bad_environment_names_are_refused_and_kept(admin_client, account, name, message):
    response = admin_client.post("/environments/", {"name": name})
    assert response.status_code == 400
    assert message in text(response)
    assert f'value="{name}"' in text(response)
    assert Environment.objects.filter(account=account).count() == 2


def test_rename_toggle_prod_and_guest_authentication(admin_client, account):
    environment = development(account)
    response = admin_client.post(
        f"/environments/{environment.id}/settings/",
        {"name": "dev", "is_prod": "on", "guest_authentication": ["magic_link", "shared_link"]},
    )
    assert response.status_code == 302
    environment.refresh_from_db()
    assert (environment.name, environment.is_prod) == ("dev", True)
    assert environment.guest_authentication == ["magic_link", "shared_link"]
    assert Event.objects.filter(topic="environment:updated", environment_id=environment.id).exists()


def test_renaming_to_a_taken_name_is_refused(admin_client, account):
    environment = development(account)
    response = admin_client.post(
        f"/environments/{environment.id}/settings/", {"name": "PRODUCTION"}
    )
    assert response.status_code == 400
    assert "already exists" in text(response)
    environment.refresh_from_db()
    assert environment.name == "development"


def test_deleting_an_environment_with_spaces_is_refused_with_the_reason(admin_client, account):
    environment = development(account)
    SpaceFactory(environment=environment)
    response = admin_client.post(f"/environments/{environment.id}/delete/")
    assert response.status_code == 400
    assert "“development” still has 1 space: delete them first." in text(response)
    assert Environment.objects.filter(pk=environment.pk).exists()
    assert not Event.objects.filter(topic="environment:deleted").exists()


def test_environment_settings_page_shows_current_values_and_a_delete_dialog(admin_client, account):
    page = text(admin_client.get(f"/environments/{production(account).id}/settings/"))
    assert 'value="production"' in page
    assert re.search(r'name="is_prod"\s+checked', page)
    assert re.search(r'value="magic_link"\s+checked', page)
    assert not re.search(r'value="shared_link"\s+checked', page)
    assert 'data-open-dialog="delete-environment"' in page
    assert '<dialog id="delete-environment">' in page


def test_an_empty_submission_is_an_error_not_a_blank_page(admin_client, account):
    assert admin_client.post("/environments/").status_code == 400
    assert admin_client.post(f"/environments/{development(account).id}/").status_code == 400
    assert Environment.objects.filter(account=account).count() == 2
    assert not Space.objects.exists()


def test_deleting_an_empty_environment(admin_client, account):
    environment = development(account)
    response = admin_client.post(f"/environments/{environment.id}/delete/")
    assert response["Location"] == "/environments/"
    assert not Environment.objects.filter(pk=environment.pk).exists()
    assert Event.objects.filter(topic="environment:deleted", environment_id=environment.id).exists()


# Spaces and workbooks -------------------------------------------------------------------------


def test_create_rename_and_delete_a_space_and_its_workbooks(admin_client, account):
    environment = development(account)
    admin_client.post(f"/environments/{environment.id}/", {"name": "Onboarding"})
    space = Space.objects.get(name="Onboarding")
    assert space.guests_can_invite is True

    admin_client.post(f"/spaces/{space.id}/", {"action": "update-space", "name": "Intake"})
    space.refresh_from_db()
    assert (space.name, space.guests_can_invite) == ("Intake", False)

    admin_client.post(f"/spaces/{space.id}/", {"action": "create-workbook", "name": "Contacts"})
    workbook = Workbook.objects.get(space=space)
    admin_client.post(f"/workbooks/{workbook.id}/", {"name": "People"})
    workbook.refresh_from_db()
    assert workbook.name == "People"

    admin_client.post(f"/workbooks/{workbook.id}/delete/")
    assert not Workbook.objects.exists()
    admin_client.post(f"/spaces/{space.id}/delete/")
    assert not Space.objects.exists()
    topics = set(Event.objects.filter(space_id=space.id).values_list("topic", flat=True))
    assert topics == {
        "space:created",
        "space:updated",
        "workbook:created",
        "workbook:updated",
        "workbook:deleted",
        "space:deleted",
    }


def test_bad_workbook_rename_shows_the_error_in_its_row(admin_client, account):
    workbook = WorkbookFactory(space=SpaceFactory(environment=development(account)), name="Keep")
    response = admin_client.post(f"/workbooks/{workbook.id}/", {"name": "y" * 300})
    assert response.status_code == 400
    assert "Name must be at most 255 characters." in text(response)
    assert "y" * 300 in text(response)
    workbook.refresh_from_db()
    assert workbook.name == "Keep"


def test_empty_space_and_workbook_names_are_refused(admin_client, account):
    environment = development(account)
    assert admin_client.post(f"/environments/{environment.id}/", {"name": ""}).status_code == 400
    space = SpaceFactory(environment=environment)
    response = admin_client.post(f"/spaces/{space.id}/", {"action": "create-workbook", "name": " "})
    assert response.status_code == 400
    assert "Name cannot be empty." in text(response)
    assert not Workbook.objects.exists()


def test_spaces_across_environments(admin_client, account):
    SpaceFactory(environment=development(account), name="Dev space")
    SpaceFactory(environment=production(account), name="Prod space")
    page = text(admin_client.get("/spaces/"))
    assert "Dev space" in page and "Prod space" in page


# Another account's ids answer 404 on every page ------------------------------------------------


def test_another_accounts_objects_are_404_everywhere(admin_client, other_account):
    environment = development(other_account)
    space = SpaceFactory(environment=environment)
    workbook = WorkbookFactory(space=space)
    stranger = administrator_of(other_account)
    for method, url, *data in [
        ("get", f"/environments/{environment.id}/"),
        ("post", f"/environments/{environment.id}/", {"name": "Planted"}),
        ("get", f"/environments/{environment.id}/settings/"),
        ("post", f"/environments/{environment.id}/settings/", {"name": "renamed"}),
        ("post", f"/environments/{environment.id}/delete/"),
        ("get", f"/environments/{environment.id}/api-keys/"),
        ("get", f"/spaces/{space.id}/"),
        ("post", f"/spaces/{space.id}/", {"action": "update-space", "name": "renamed"}),
        ("post", f"/spaces/{space.id}/", {"action": "create-workbook", "name": "Planted"}),
        ("post", f"/spaces/{space.id}/delete/"),
        ("post", f"/workbooks/{workbook.id}/", {"name": "renamed"}),
        ("post", f"/workbooks/{workbook.id}/delete/"),
        ("post", f"/team/{stranger.id}/remove/"),
    ]:
        assert getattr(admin_client, method)(url, *data).status_code == 404, url
    environment.refresh_from_db()
    assert environment.name == "development"
    assert Space.objects.get(pk=space.pk).name == space.name
    assert Workbook.objects.get(pk=workbook.pk).name == workbook.name
    assert list(Space.objects.filter(environment=environment)) == [space]
    assert list(Workbook.objects.filter(space=space)) == [workbook]
    assert User.objects.filter(pk=stranger.pk).exists()
    assert not Event.objects.filter(account=other_account, topic__contains="updated").exists()


def test_lists_never_show_another_accounts_rows(admin_client, other_account):
    SpaceFactory(environment=development(other_account), name="Their secret space")
    for url in ["/spaces/", "/environments/", "/logs/"]:
        page = text(admin_client.get(url))
        assert "Their secret space" not in page
        assert other_account.name not in page
        assert development(other_account).id not in page


# The team --------------------------------------------------------------------------------------


def test_invite_an_administrator_who_sets_a_password(
    admin_client, account, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()  # the invitee's own browser
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/team/", {"email": "New.Admin@Example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"http://\S+/invitations/(\S+)/", mailoutbox[0].body)
    token = link.group(1)
    # The link is in the mail only: not on the page, not in the database.
    assert token not in text(admin_client.get("/team/"))
    assert "new.admin@example.com" in text(admin_client.get("/team/"))
    assert not AdminInvitation.objects.filter(token_digest=token).exists()

    # Opening the link moves the token into the session and leads to the form, whose URL
    # holds no token; opening it spends nothing.
    assert client.get(f"/invitations/{token}/").status_code == 302
    opened = client.get(f"/invitations/{token}/", follow=True)
    assert opened.redirect_chain == [("/invitations/accept/", 302)]
    assert opened.status_code == 200
    assert token not in text(opened)
    mismatch = client.post(
        "/invitations/accept/", {"password": "a fine long phrase", "password_again": "other"}
    )
    assert mismatch.status_code == 400
    accepted = client.post(
        "/invitations/accept/",
        {
            "name": "New Admin",
            "password": "a fine long phrase",
            "password_again": "a fine long phrase",
        },
    )
    assert accepted.status_code == 302
    assert User.objects.get(email="new.admin@example.com").membership.account == account
    assert "invitation_token" not in client.session
    # Single use.
    assert client.get(f"/invitations/{token}/").status_code == 404
    assert client.get("/invitations/accept/").status_code == 404
    assert "invalid, expired or already used" in text(client.get(f"/invitations/{token}/"))


def test_the_invitation_sent_message_never_shows_the_link(
    admin_client, account, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/team/", {"email": "x@example.com"}, follow=True)
    page = text(response)
    assert "Invitation sent to x@example.com." in page
    token = re.search(r"/invitations/(\S+)/", mailoutbox[0].body).group(1)
    assert token not in page
    # No invitation link at all; the only /invitations/ paths are the team page's own
    # Resend and Revoke routes, under /team/.
    assert "/invitations/" not in page.replace("/team/invitations/", "")
    assert "x@example.com" in page.split("Pending invitations", 1)[1]


def test_an_unknown_or_expired_invitation_says_so(client, account, admin_user):
    for token in ["inv_nonsense", "x" * 300]:
        response = client.get(f"/invitations/{token}/")
        assert response.status_code == 404
        assert "invalid, expired or already used" in text(response)
    invitation, link = services.administrator_invite(
        account=account, actor=admin_user, email="late@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/invitations/{token}/").status_code == 302
    assert client.get("/invitations/accept/").status_code == 200
    AdminInvitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    passwords = {"password": "a fine long phrase", "password_again": "a fine long phrase"}
    for response in [
        client.get(f"/invitations/{token}/"),
        client.get("/invitations/accept/"),
        client.post("/invitations/accept/", passwords),
    ]:
        assert response.status_code == 404
        assert "invalid, expired or already used" in text(response)
    assert not User.objects.filter(email="late@example.com").exists()


def test_a_weak_password_keeps_the_form_and_the_link(client, account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="weak@example.com"
    )
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.get(f"/invitations/{token}/")
    response = client.post(
        "/invitations/accept/", {"name": "Wes", "password": "123", "password_again": "123"}
    )
    assert response.status_code == 400
    assert "This password is too short." in text(response)
    assert 'value="Wes"' in text(response)
    assert "_auth_user_id" not in client.session
    assert services.invitation_for_token(token) is not None


def test_inviting_an_existing_user_or_bad_email_is_refused(
    admin_client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    for email, message in [
        (admin_user.email, "already has an account"),
        ("not-an-email", "Enter a valid email"),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post("/team/", {"email": email})
        assert response.status_code == 400
        assert message in text(response)
    assert mailoutbox == []


def test_removing_the_last_administrator_is_refused(admin_client, admin_user):
    response = admin_client.post(f"/team/{admin_user.id}/remove/")
    assert response.status_code == 400
    assert "The last administrator cannot be removed." in text(response)
    assert User.objects.filter(pk=admin_user.pk).exists()
    assert not Event.objects.filter(topic="administrator:removed").exists()


def test_removing_another_administrator(admin_client, account, admin_user):
    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="b@example.com"
    )
    second = services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password="a fine long phrase"
    )
    response = admin_client.post(f"/team/{second.id}/remove/")
    assert response["Location"] == "/team/"
    assert not User.objects.filter(pk=second.pk).exists()


# Logs ------------------------------------------------------------------------------------------


def test_logs_filter_by_environment_and_topic_and_page(admin_client, account, admin_user):
    dev, prod = development(account), production(account)
    for number in range(60):
        services.space_create(environment=dev, actor=admin_user, name=f"Dev {number}")
    services.space_create(environment=prod, actor=admin_user, name="Prod one")

    page = text(admin_client.get(f"/logs/?environment={prod.id}&topic=space:created"))
    assert page.count("<code>space:created</code>") == 1
    assert "production" in page
    assert admin_user.email in page

    first = text(admin_client.get(f"/logs/?environment={dev.id}&topic=space:created"))
    assert "Page 1 of 2" in first
    assert f"environment={dev.id}&amp;topic=space%3Acreated&amp;page=2" in first
    second = text(admin_client.get(f"/logs/?environment={dev.id}&topic=space:created&page=2"))
    assert second.count("<code>space:created</code>") == 10


def test_logs_name_actors_that_are_not_living_users(admin_client, account, admin_user):
    from accounts.audit import record_event

    class ApiKeyActor:
        id = "us_key_abcdefghijkl"

    _, link = services.administrator_invite(
        account=account, actor=admin_user, email="gone@example.com"
    )
    gone = services.invitation_accept(
        token=link.rstrip("/").rsplit("/", 1)[1], password="a fine long phrase"
    )
    gone_id = gone.id
    services.space_create(environment=development(account), actor=gone, name="By gone")
    services.administrator_remove(account=account, actor=admin_user, user=gone)
    record_event("secret:created", on=account, actor=ApiKeyActor())

    page = text(admin_client.get("/logs/"))
    # An API key by its kind, its id beside it (the tokens app may name it better).
    assert 'API key <span class="muted">us_key_abcdefghijkl</span>' in page
    # The removed administrator's user is gone, their email is not: their events recorded
    # it. The id stays at hand, on hover.
    assert gone_id in page
    assert (
        f'<td><span title="{gone_id}">gone@example.com</span> <span class="muted">removed</span>'
        "</td>"
    ) in page
    assert "<td>gone@example.com</td>" not in page  # never passed off as a living user
    assert f"<td>{admin_user.email}</td>" in page
    table = page.split("<tbody>", 1)[1]
    assert table.index("secret:created") < table.index("administrator:removed")  # newest first


def test_logs_survive_bad_filters_and_page_numbers(admin_client, other_account):
    for query in ["?page=999", "?page=abc", "?environment=nope&topic=nope", "?page=-1"]:
        assert admin_client.get(f"/logs/{query}").status_code == 200, query
    their_environment = development(other_account)
    page = text(admin_client.get(f"/logs/?environment={their_environment.id}"))
    assert "No events match." in page


def test_logs_keep_history_of_deleted_things(admin_client, account, admin_user):
    environment = services.environment_create(account=account, actor=admin_user, name="temporary")
    environment_id = environment.id
    services.environment_delete(environment=environment, actor=admin_user)
    page = text(admin_client.get("/logs/"))
    assert "environment:deleted" in page
    assert environment_id in page  # still a filter choice
    # The environment is gone; its name is kept, from the events that recorded it.
    assert f'<option value="{environment_id}">temporary (deleted)</option>' in page
    assert 'temporary <span class="muted">(deleted)</span>' in page


# Query counts stay flat as rows grow ------------------------------------------------------------


def _grow(account, admin_user, rows: int, start: int = 0) -> None:
    environment = development(account)
    for number in range(start, start + rows):
        space = SpaceFactory(environment=environment)
        WorkbookFactory(space=space)
        WorkbookFactory(space=environment.spaces.order_by("created_at").first())
        services.environment_create(account=account, actor=admin_user, name=f"extra {number}")
    for number in range(start, start + rows):
        services.administrator_invite(
            account=account, actor=admin_user, email=f"invitee{number}@example.com"
        )
        AdministratorFactory(
            account=account, email=f"member{number}@example.com", name=f"M {number}", password=None
        )


def _pages(account):
    environment = development(account)
    space = environment.spaces.order_by("created_at").first()
    return [
        "/environments/",
        f"/environments/{environment.id}/",
        "/spaces/",
        f"/spaces/{space.id}/",
        "/team/",
        "/logs/",
    ]


def test_list_pages_query_counts_do_not_grow_with_rows(
    admin_client, account, admin_user, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _grow(account, admin_user, 1)
    pages = _pages(account)
    counts_small = {}
    for url in pages:
        admin_client.get(url)  # a first visit may record the current environment in the session
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        counts_small[url] = len(queries)
    _grow(account, admin_user, 9, start=1)
    for url in pages:
        admin_client.get(url)
        with django_assert_num_queries(counts_small[url]):
            assert admin_client.get(url).status_code == 200


# Every signed-in page starts with: session, user, membership with its account.
PINNED_QUERY_COUNTS = {
    # + the environments with space counts, the switcher's environments
    "/environments/": 5,
    # + the environment, the switcher's environments, the spaces' count, a page of them with
    # their workbook counts
    "environment": 7,
    # + the switcher's environments, the spaces' count, a page of them with their
    # environments and workbook counts
    "/spaces/": 6,
    # + the space with its environment, its workbooks, the switcher's environments, and the
    # guest sidebar's guests and pending links (tests/guests/test_admin_views.py pins the
    # sidebar with guests, grants and a shared link)
    "space": 8,
    # + the switcher's environments, the administrators' count, a page of them with their
    # memberships, pending invitations
    "/team/": 7,
    # + count, environment names, the page of events, actors' emails, the switcher's
    # environments, the topics present
    "/logs/": 9,
}


@pytest.mark.parametrize("rows", [1, 10])
def test_pinned_query_counts(admin_client, account, admin_user, django_assert_num_queries, rows):
    _grow(account, admin_user, rows)
    urls = dict(
        zip(
            ["/environments/", "environment", "/spaces/", "space", "/team/", "/logs/"],
            _pages(account),
            strict=True,
        )
    )
    for name, url in urls.items():
        admin_client.get(url)  # a first visit may record the current environment in the session
        with django_assert_num_queries(PINNED_QUERY_COUNTS[name]):
            response = admin_client.get(url)
        assert response.status_code == 200
        assert text(response).count("<tr>") > rows, name  # the rows are really on the page


def test_an_environments_spaces_are_listed_newest_first(admin_client, account, admin_user):
    environment = development(account)
    names = [f"Space {letter}" for letter in "qzam"]  # ids and names in no particular order
    for name in names:
        services.space_create(environment=environment, actor=admin_user, name=name)
    page = text(admin_client.get(f"/environments/{environment.id}/"))
    assert [page.index(f">{name}<") for name in reversed(names)] == sorted(
        page.index(f">{name}<") for name in names
    )


def test_space_lists_are_paged_with_each_rows_workbook_count(admin_client, account):
    environment = development(account)
    spaces = [SpaceFactory(environment=environment, name=f"Space {n:02}") for n in range(52)]
    WorkbookFactory.create_batch(3, space=spaces[0])  # the oldest: on the last page
    for url in ("/spaces/", f"/environments/{environment.id}/"):
        first = text(admin_client.get(url))
        assert first.count(">Space ") == 50, url
        assert "Page 1 of 2" in first and 'href="?page=2"' in first
        last = admin_client.get(f"{url}?page=2")
        rows = [(space.name, space.workbooks_count) for space in last.context["page"]]
        assert rows == [("Space 01", 0), ("Space 00", 3)], url


def test_the_team_is_paged(admin_client, account):
    for number in range(50):
        AdministratorFactory(account=account, email=f"member{number:02}@example.com", password=None)
    first = text(admin_client.get("/team/"))
    assert first.count("@example.com") >= 50 and "member49@example.com" not in first
    assert "Page 1 of 2" in first
    last = text(admin_client.get("/team/?page=2"))
    assert "member49@example.com" in last and "member00@example.com" not in last
    # Removing is offered: there are 51 administrators, whatever the page shows.
    assert "The last administrator cannot be removed" not in last
