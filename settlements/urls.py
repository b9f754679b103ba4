from django.urls import path

from .views import audit, dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("audit/recent-changes/", audit.recent_changes, name="recent_changes"),
]
