from django import forms

from tokens.models import ApiKey
from tokens.services import ROLL_GRACE_CHOICES

# The service's TOKEN_LIFETIME_CHOICES, labelled; "" is never.
LIFETIME_CHOICES = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("60", "60 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("", "Never"),
]
DEFAULT_LIFETIME = "30"  # as GitHub: a token nobody thinks about stops working within a month
GRACE_LABELS = {"now": "Stop now", "1h": "1 hour", "24h": "24 hours", "7d": "7 days"}


class PersonalAccessTokenForm(forms.Form):
    # The service checks blank and length, so its message is the one people see.
    name = forms.CharField(required=False, strip=False, max_length=1000)
    expires_in_days = forms.ChoiceField(
        label="Expires", choices=LIFETIME_CHOICES, required=False, initial=DEFAULT_LIFETIME
    )
    nonce = forms.CharField(widget=forms.HiddenInput)


class RollKeyForm(forms.Form):
    type = forms.ChoiceField(choices=ApiKey.Type.choices)
    keep_old_for = forms.ChoiceField(
        label="Keep the old key working for",
        choices=[(value, GRACE_LABELS[value]) for value in ROLL_GRACE_CHOICES],
    )

    @staticmethod
    def default_grace(environment) -> str:
        """Production: the systems using the key get a day to switch. Development: the old
        key stops at once, since the usual reason to roll one there is that it leaked and
        the people using it are the ones rolling it."""
        return "24h" if environment.is_prod else "now"


class SecretForm(forms.Form):
    name = forms.CharField(required=False, strip=False, max_length=2000)
    value = forms.CharField(
        required=False, strip=False, max_length=2000, widget=forms.PasswordInput
    )
    scope = forms.CharField(required=False)  # "" for the environment, else a space id


class SecretValueForm(forms.Form):
    value = forms.CharField(
        required=False, strip=False, max_length=2000, widget=forms.PasswordInput
    )
