from django.urls import path

from .views import audit, dashboard, documents, reports, settlement

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("settlements/<int:pk>/", settlement.settlement, name="settlement"),
    path("reports/instalments-due/", reports.instalments_due, name="instalments_due"),
    path("reports/year-end/", reports.year_end, name="year_end"),
    path("reports/hosted-services/", reports.hosted_services, name="hosted_services"),
    path("audit/recent-changes/", audit.recent_changes, name="recent_changes"),
    path("documents/<int:pk>/download/", documents.download, name="document_download"),
]
