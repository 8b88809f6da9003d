"""The guests app's forms. Each field is checked as the service it feeds checks it (the same
function, so page and API never disagree), and every field's error shows at once rather than
the first one the service would have stopped at."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.services import clean_name
from guests.services import clean_guest_email


def _checked(clean, value, field: str):
    """`clean(value)`, its error for `field` raised as this field's own."""
    try:
        return clean(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict[field]) from error


class GuestDetailsForm(forms.Form):
    """A person's name and email: whoever redeems a shared link, or whom a guest invites."""

    # Not limited here: the services say what is too long, in their own words.
    name = forms.CharField(label="Name", required=False, strip=False)
    email = forms.CharField(label="Email", required=False, strip=False)

    def clean_name(self) -> str:
        return _checked(clean_name, self.cleaned_data["name"], "name")

    def clean_email(self) -> str:
        return _checked(clean_guest_email, self.cleaned_data["email"], "email")


class LinkRequestForm(forms.Form):
    """ "Email me a new link"."""

    email = forms.CharField(label="Your email", required=False, strip=False)

    def clean_email(self) -> str:
        return _checked(clean_guest_email, self.cleaned_data["email"], "email")


class GuestAddForm(GuestDetailsForm):
    """The space page's "Add guest": who, and optionally which of the space's workbooks (none
    ticked: the whole space, workbooks made later included)."""

    workbooks = forms.MultipleChoiceField(
        label="Only these workbooks",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, workbooks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._workbooks = {workbook.id: workbook for workbook in workbooks}
        self.fields["workbooks"].choices = [
            (workbook.id, workbook.name) for workbook in self._workbooks.values()
        ]

    def clean_workbooks(self) -> list | None:
        """The workbooks ticked, or None for the whole space."""
        chosen = self.cleaned_data["workbooks"]
        return [self._workbooks[workbook_id] for workbook_id in chosen] or None


# The choices of a shared link's expiry, in days; "" is never.
SHARED_LINK_EXPIRY_CHOICES = [("", "Never"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days")]


class SharedLinkForm(forms.Form):
    """Regenerate a space's shared link (or make its first), with an optional expiry."""

    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=SHARED_LINK_EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
