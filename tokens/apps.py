from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import tokens.schema  # noqa: F401  registers the OpenAPI bearer scheme (drf-spectacular)
        from accounts.signals import environment_created
        from tokens import services

        # Every environment is born with its secret and publishable keys.
        environment_created.connect(
            services.api_keys_create_for_environment, dispatch_uid="tokens.environment_keys"
        )
