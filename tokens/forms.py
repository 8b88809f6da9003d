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


READ_ONLY, READ_WRITE = "read", "write"
ALL_ENVIRONMENTS, SELECTED_ENVIRONMENTS = "all", "selected"


class PersonalAccessTokenForm(forms.Form):
    """The Create Token dialog. It starts at the least access (as GitHub's fine-grained
    tokens do): read-only, in the account's environments that are not production. A POST
    without `access` or `environment_scope` (no browser sends one) means what the API's
    `{"name"}` means: read and write, every environment."""

    # The service checks blank and length, so its message is the one people see.
    name = forms.CharField(required=False, strip=False, max_length=1000)
    expires_in_days = forms.ChoiceField(
        label="Expires", choices=LIFETIME_CHOICES, required=False, initial=DEFAULT_LIFETIME
    )
    access = forms.ChoiceField(
        choices=[(READ_ONLY, "Read-only"), (READ_WRITE, "Read and write")],
        required=False,
        initial=READ_ONLY,
    )
    environment_scope = forms.ChoiceField(
        label="Environments",
        choices=[
            (ALL_ENVIRONMENTS, "All environments"),
            (SELECTED_ENVIRONMENTS, "Only selected environments"),
        ],
        required=False,
        initial=SELECTED_ENVIRONMENTS,
    )
    environments = forms.MultipleChoiceField(required=False)
    nonce = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, environments=(), max_lifetime_days: int | None = None, **kwargs):
        """`environments`: the account's, fetched through the administrator's reach.
        `max_lifetime_days`: the account's maximum lifetime of tokens, if it has one."""
        super().__init__(*args, **kwargs)
        self.environment_objects = {environment.id: environment for environment in environments}
        self.fields["environments"].choices = [
            (environment.id, environment.name) for environment in environments
        ]
        self.fields["environments"].initial = [
            environment.id for environment in environments if not environment.is_prod
        ]
        self.max_lifetime_days = max_lifetime_days
        if max_lifetime_days is not None:
            # Only the lifetimes within the maximum: "Never" is not one of them.
            self.fields["expires_in_days"].choices = [
                (value, label)
                for value, label in LIFETIME_CHOICES
                if value and int(value) <= max_lifetime_days
            ]
            self.fields["expires_in_days"].initial = str(
                min(int(DEFAULT_LIFETIME), max_lifetime_days)
            )

    def clean_environments(self) -> list | None:
        """The environments ticked (Environment objects), or None for every environment.
        None ticked under "Only selected environments" is an empty list, which the service
        refuses with its own message."""
        if self.cleaned_data.get("environment_scope") != SELECTED_ENVIRONMENTS:
            return None
        return [self.environment_objects[pk] for pk in self.cleaned_data["environments"]]

    @property
    def read_only(self) -> bool:
        return self.cleaned_data.get("access") == READ_ONLY


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
