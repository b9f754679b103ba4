"""Root URLs: the admin, sign-in, and the settlements app."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from settlements.auth import SignInForm

admin.site.site_header = "Alliance Settlements"
admin.site.site_title = "Alliance Settlements"
admin.site.index_title = "Agreements, settlements and payments"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("settlements.urls")),
]
