"""Give a staff user one of the roles (creating the user if asked), replacing any role they held."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from settlements import roles


class Command(BaseCommand):
    help = "Make USERNAME a staff user with ROLE (viewer, finance_editor or finance_approver)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=roles.ROLES)
        parser.add_argument("--create", action="store_true", help="Create the user (with no usable password yet).")
        parser.add_argument("--email", default="", help="The new user's email address, for password resets.")

    def handle(self, *args, username, role, create, email, **options):
        users = get_user_model().objects
        user = users.filter(username=username).first()
        if user is None and not create:
            raise CommandError(f"No user {username!r}; add --create to create them.")
        if user is None:
            user = users.create_user(username, email=email)
            user.set_unusable_password()
        user.is_staff = True
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=roles.ROLES))
        user.groups.add(Group.objects.get(name=role))
        self.stdout.write(f"{username} is now a staff user with the role {role}.")
        if not user.has_usable_password():
            self.stdout.write(f"Set a password with: python manage.py changepassword {username}")
