"""Sign-in rules beyond Django's own."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class DemoAwareModelBackend(ModelBackend):
    """Django's backend, but the demo login works only while DEBUG is on."""

    def user_can_authenticate(self, user):
        if user.get_username() == settings.DEMO_USERNAME and not settings.DEBUG:
            return False
        return super().user_can_authenticate(user)
