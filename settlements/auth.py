"""Sign-in rules beyond Django's own."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm


class DemoAwareModelBackend(ModelBackend):
    """Django's backend, but the demo login works only while DEBUG is on."""

    def user_can_authenticate(self, user):
        if user.get_username() == settings.DEMO_USERNAME and not settings.DEBUG:
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
