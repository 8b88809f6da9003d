"""What the credential services share."""

from accounts.models import Account, User


def account_of_user(user: User) -> Account:
    return user.membership.account


def iso(moment):
    return moment.isoformat() if moment else None
