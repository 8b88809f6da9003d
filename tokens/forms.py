from django import forms

from tokens.models import ApiKey
from tokens.services import ROLL_GRACE_CHOICES

LIFETIME_CHOICES = [("", "Never"), ("30", "30 days"), ("90", "90 days"), ("365", "365 days")]
GRACE_LABELS = {"now": "Stop now", "1h": "1 hour", "24h": "24 hours", "7d": "7 days"}


class PersonalAccessTokenForm(forms.Form):
    # The service checks blank and length, so its message is the one people see.
    name = forms.CharField(required=False, strip=False, max_length=1000)
    expires_in_days = forms.ChoiceField(label="Expires", choices=LIFETIME_CHOICES, required=False)
    nonce = forms.CharField(widget=forms.HiddenInput)


class RollKeyForm(forms.Form):
    type = forms.ChoiceField(choices=ApiKey.Type.choices)
    keep_old_for = forms.ChoiceField(
        label="Keep the old key working for",
        choices=[(value, GRACE_LABELS[value]) for value in ROLL_GRACE_CHOICES],
    )


class SecretForm(forms.Form):
    name = forms.CharField(required=False, strip=False, max_length=2000)
    value = forms.CharField(
        required=False, strip=False, max_length=2000, widget=forms.PasswordInput(render_value=True)
    )
    scope = forms.CharField(required=False)  # "" for the environment, else a space id


class SecretValueForm(forms.Form):
    value = forms.CharField(
        required=False, strip=False, max_length=2000, widget=forms.PasswordInput
    )
