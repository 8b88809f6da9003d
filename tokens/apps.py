from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import tokens.schema  # noqa: F401  registers the OpenAPI bearer scheme (drf-spectacular)
        from accounts import event_log
        from accounts.signals import environment_created
        from tokens import services

        # Every environment is born with its secret and publishable keys.
        environment_created.connect(
            services.api_keys_create_for_environment, dispatch_uid="tokens.environment_keys"
        )

        # The log names an API key by its kind and last four characters ("Secret key …abcd").
        event_log.actor_labellers["us_key"] = api_key_labels


def api_key_labels(account, key_ids: set[str]) -> dict:
    from accounts.event_log import ActorLabel
    from tokens.models import ApiKey

    keys = ApiKey.objects.filter(pk__in=key_ids, environment__account=account)
    return {key.id: ActorLabel(str(key)) for key in keys.only("id", "type", "last_four")}
