"""Every sign-in attempt, successful or not, is logged with the user name and the address it came from."""

import logging

from axes.helpers import get_client_ip_address
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("settlements.signin")


def _address(request) -> str:
    return (get_client_ip_address(request) if request is not None else None) or "unknown"


@receiver(user_logged_in, dispatch_uid="settlements_log_sign_in")
def log_sign_in(sender, request, user, **kwargs):
    logger.info("Sign-in succeeded for %r from %s", user.get_username(), _address(request))


@receiver(user_login_failed, dispatch_uid="settlements_log_failed_sign_in")
def log_failed_sign_in(sender, credentials, request=None, **kwargs):
    logger.warning("Sign-in failed for %r from %s", credentials.get("username", ""), _address(request))


@receiver(user_logged_out, dispatch_uid="settlements_log_sign_out")
def log_sign_out(sender, request, user, **kwargs):
    logger.info("Signed out %r from %s", user.get_username() if user else "", _address(request))
