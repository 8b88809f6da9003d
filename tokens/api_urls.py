from tokens import api  # noqa: F401

urlpatterns = []
