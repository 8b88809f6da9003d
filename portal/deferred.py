"""Deferred fields that load together."""


class LoadsDeferredFieldsTogether:
    """A model mixin: the first read of any deferred field loads all of the instance's
    deferred fields in one query, where Django would spend one query per field read.

    Credential verification reads only the columns it decides on (tokens/verification.py),
    so a request that then uses, say, its account's name gets the whole account at once.
    This is the pattern Django's documentation gives for `Model.refresh_from_db`."""

    def refresh_from_db(self, using=None, fields=None, **kwargs):
        if fields is not None:
            deferred = self.get_deferred_fields()
            if deferred.intersection(fields):
                fields = deferred.union(fields)
        super().refresh_from_db(using, fields, **kwargs)
