"""The administrators' pages, a module per page area: `sign_in` (signing in and out, the
forgotten password), `profile`, `environments`, `spaces` (with their workbooks), `team`
(administrators and their invitations), `logs`; `common` holds what every page uses, the
pages of tokens and guests too. Thin: a form parses, accounts.access fetches (another
account's ids are 404), a service changes, a template renders."""
