"""The API's view of accounts: one module per resource (the contract's tables), each with
its input and output serializers beside its views. Every view reaches objects through
accounts.access, narrowed to the caller's reach (a principal's account and, for an
environment key, its environment)."""
