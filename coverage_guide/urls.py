from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .admin_site import StaffAdminSite

# Every admin page needs a verified second factor. Swapping the class (django-otp's documented
# way) keeps the registrations already made on admin.site and its name, "admin".
admin.site.__class__ = StaffAdminSite
admin.site.site_header = "Coverage Guide — clinic review"
admin.site.site_title = "Coverage Guide admin"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:dashboard", permanent=False)),
    path("account/", include("patients.urls")),
    path("cases/", include("claims.urls")),
    path("admin/", admin.site.urls),
    # For load balancers and monitors; exempt from the HTTPS redirect (settings.py, "Health").
    path("health/", views.health, name="health"),
    path("health/web/", views.health_web, name="health_web"),
]
