from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.forms.utils import ErrorDict

from accounts.models import NAME_MAX_LENGTH, GuestAuthentication, normalize_email


class SignInForm(AuthenticationForm):
    """Email + password. Django's form already gives one message for a wrong email and a
    wrong password alike."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account.",
    }

    def clean_username(self) -> str:
        # authenticate() gets the spelling the user is stored and counted under.
        return normalize_email(self.cleaned_data["username"])

    def refuse(self, message: str) -> None:
        """Fail the form without validating it. Validation would authenticate, and a refused
        attempt (rate limited) must not get its password checked at all; the typed email
        stays readable through the bound field."""
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}
        self.add_error(None, message)


class NameForm(forms.Form):
    # Services do the real checks (blank, length, duplicates); the form keeps what was typed.
    name = forms.CharField(max_length=NAME_MAX_LENGTH + 50, required=False, strip=False)


class EnvironmentForm(NameForm):
    is_prod = forms.BooleanField(label="Production", required=False)
    guest_authentication = forms.MultipleChoiceField(
        label="Guest authentication",
        choices=GuestAuthentication.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class SpaceForm(NameForm):
    guests_can_invite = forms.BooleanField(label="Guests can invite other guests", required=False)


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        label="Password again", widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class LogFilterForm(forms.Form):
    environment = forms.CharField(required=False)
    topic = forms.CharField(required=False)
    # An event's id: the events older than it (the "Older" link past the deepest page).
    before = forms.CharField(required=False, max_length=40)


class ConfirmForm(forms.Form):
    """A confirmed destructive action (the <dialog>'s submit): no fields, but a place for the
    service's refusal to be shown."""


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, with the email normalised the way accounts store it, so the
    lookup and the rate limit see one address however it was typed. Django still mails the
    address stored on the user, never the typed one."""

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class SecondStepCodeForm(forms.Form):
    """A code from the authenticator app or a recovery code. The service reads whatever was
    typed (spaces, dashes, case); the length only keeps an absurd input out."""

    code = forms.CharField(label="Code", max_length=64)


class TokenLifetimePolicyForm(forms.Form):
    """The Team page's "Maximum lifetime of personal access tokens". Its values are those
    tokens.services.token_max_lifetime_set takes (a test holds the two together)."""

    NO_MAXIMUM = "none"

    # Not named after the model's field: re-authentication never carries a field whose name
    # says "token" through its question (accounts.reauthentication.SECRET_FIELD).
    max_lifetime = forms.TypedChoiceField(
        label="Maximum lifetime of personal access tokens",
        choices=[
            (NO_MAXIMUM, "No maximum"),
            ("7", "7 days"),
            ("30", "30 days"),
            ("60", "60 days"),
            ("90", "90 days"),
            ("365", "1 year"),
        ],
        coerce=lambda value: None if value == TokenLifetimePolicyForm.NO_MAXIMUM else int(value),
        error_messages={
            "required": "Choose a maximum lifetime, or no maximum.",
            "invalid_choice": "Choose 7, 30, 60, 90 or 365 days, or no maximum.",
        },
    )

    @classmethod
    def for_account(cls, account) -> "TokenLifetimePolicyForm":
        days = account.token_max_lifetime_days
        return cls(initial={"max_lifetime": cls.NO_MAXIMUM if days is None else days})
