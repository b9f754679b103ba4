"""The user pages: a user who appears in the records is deactivated, never deleted (settlements.users)."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect

from .. import users

User = get_user_model()


class RecordKeepingUserAdmin(UserAdmin):
    actions = ["delete_selected"]

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, unquote(object_id))
        places = users.appearances(user) if user is not None else []
        if places:
            self.message_user(request, users.UserInRecordsError(user, places).message, messages.ERROR)
            return redirect("admin:auth_user_change", user.pk)
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description="Delete selected %(verbose_name_plural)s")
    def delete_selected(self, request, queryset):
        kept = [user for user in queryset if users.appearances(user)]
        if kept:
            names = ", ".join(user.get_username() for user in kept)
            self.message_user(
                request,
                f"{names} {'appears' if len(kept) == 1 else 'appear'} in the history, so nobody was deleted: "
                "deactivate them instead (untick Active).",
                messages.ERROR,
            )
            return None
        return delete_selected(self, request, queryset)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, RecordKeepingUserAdmin)
