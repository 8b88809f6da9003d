"""Signals sent explicitly by accounts' services, so that apps built on top (tokens) can
add to an operation without accounts importing them. Receivers run inside the sender's
transaction: if they fail, the whole operation is rolled back."""

from django.dispatch import Signal

# Sent with environment=, actor= right after an environment is created.
environment_created = Signal()
