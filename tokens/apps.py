from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import tokens.schema  # noqa: F401  registers the OpenAPI bearer scheme (drf-spectacular)
        from accounts import event_log
        from accounts.api import spaces
        from accounts.signals import environment_created
        from tokens import services
        from tokens.principal import Principal

        # Every environment is born with its secret and publishable keys.
        environment_created.connect(
            services.api_keys_create_for_environment, dispatch_uid="tokens.environment_keys"
        )

        # The log names an API key by its kind and last four characters ("Secret key …abcd").
        event_log.actor_labellers["us_key"] = api_key_labels

        # A space a publishable key creates comes with an access token for that space.
        spaces.space_access_token_issuers[Principal.PUBLISHABLE_KEY] = space_access_token_for_key


def api_key_labels(account, key_ids: set[str]) -> dict:
    from accounts.event_log import ActorLabel
    from tokens.models import ApiKey

    keys = ApiKey.objects.filter(pk__in=key_ids, environment__account=account)
    return {key.id: ActorLabel(str(key)) for key in keys.only("id", "type", "last_four")}


def space_access_token_for_key(*, space, principal) -> str:
    """accounts.api.spaces' issuer for a publishable key: the key is the principal's id."""
    from tokens import services

    return services.space_access_token_create(space=space, api_key_id=principal.id)
