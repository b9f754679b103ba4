"""Sign-in rules beyond Django's own."""

import ipaddress

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm


class DemoAwareModelBackend(ModelBackend):
    """Django's backend, but the demo logins work only while DEBUG is on."""

    def user_can_authenticate(self, user):
        if user.get_username() in settings.DEMO_LOGINS and not settings.DEBUG:
            return False
        return super().user_can_authenticate(user)


class SignInForm(AuthenticationForm):
    """Django's sign-in form in the site's words."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your user name and password did not match. Try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"


def client_address(request) -> str | None:
    """The address a request came from, as django-axes counts sign-in failures and the sign-in log records it.

    With no proxy in front (TRUSTED_PROXY_COUNT=0), the connection's own address. Behind N trusted proxies that
    each append the address they received from to X-Forwarded-For, the Nth entry from the end: entries further
    left were written by the client and are not believed.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote  # not through every trusted proxy: keep to the address we can vouch for
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
