"""The administrator's guest pages: the guest sidebar of a space's page and the
environment's Guests page."""
