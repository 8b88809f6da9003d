from io import StringIO

from django.core.management import call_command

from accounts.models import User


def run(settings, tmp_path) -> list[str]:
    settings.BASE_DIR = tmp_path
    out = StringIO()
    call_command("demo_account", stdout=out)
    return out.getvalue().splitlines()


def test_creates_once_and_prints_the_same_login_every_time(db, settings, tmp_path):
    first = run(settings, tmp_path)
    assert first[0] == "Email: admin@demo.local"
    password = first[1].removeprefix("Password: ")
    assert len(password) >= 16
    user = User.objects.get(email="admin@demo.local")
    assert user.check_password(password)
    assert user.is_superuser and user.is_staff
    assert user.membership.account.environments.count() == 2
    assert (tmp_path / ".demo-login").read_text().strip() == password
    assert oct((tmp_path / ".demo-login").stat().st_mode & 0o777) == "0o600"

    assert run(settings, tmp_path) == first
    assert User.objects.filter(email="admin@demo.local").count() == 1


def test_a_lost_login_file_gets_a_new_password(db, settings, tmp_path):
    first = run(settings, tmp_path)
    (tmp_path / ".demo-login").unlink()
    second = run(settings, tmp_path)
    assert second[1] != first[1]
    assert User.objects.get(email="admin@demo.local").check_password(
        second[1].removeprefix("Password: ")
    )


def test_a_stale_login_file_without_the_user_is_replaced(db, settings, tmp_path):
    # e.g. the database was deleted but the file was not
    (tmp_path / ".demo-login").write_text("stale-password\n")
    lines = run(settings, tmp_path)
    password = lines[1].removeprefix("Password: ")
    assert password != "stale-password"
    assert User.objects.get(email="admin@demo.local").check_password(password)
    assert (tmp_path / ".demo-login").read_text().strip() == password
    assert oct((tmp_path / ".demo-login").stat().st_mode & 0o777) == "0o600"


def test_prints_exactly_the_two_lines(db, settings, tmp_path):
    lines = run(settings, tmp_path)
    assert len(lines) == 2
    assert lines[0] == "Email: admin@demo.local"
    assert lines[1].startswith("Password: ")
    assert User.objects.get(email="admin@demo.local").membership.account.name == "Demo"


def test_the_login_file_is_git_ignored():
    from pathlib import Path

    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().splitlines()
    assert ".demo-login" in ignored
