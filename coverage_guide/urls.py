from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Coverage Guide — clinic review"
admin.site.site_title = "Coverage Guide admin"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:dashboard", permanent=False)),
    path("account/", include("patients.urls")),
    path("cases/", include("claims.urls")),
    path("admin/", admin.site.urls),
]
