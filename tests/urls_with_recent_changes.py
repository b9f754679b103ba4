"""The site's URLs plus a stand-in recent-changes page, to test the navigation that links to it."""

from django.http import HttpResponse
from django.urls import path

from alliance.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("changes/", lambda request: HttpResponse(), name="recent_changes")]
