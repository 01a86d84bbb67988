from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .forms import LanguagePasswordResetForm, LoginForm

app_name = "patients"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<uidb64>/<token>/", views.signup_confirm, name="signup_confirm"),
    path(
        "login/",
        views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path(
        "password-reset/",
        views.PasswordResetView.as_view(
            form_class=LanguagePasswordResetForm,
            success_url=reverse_lazy("patients:password_reset_done"),
            email_template_name="emails/password_reset_body.txt",
            html_email_template_name="emails/password_reset_body.html",
            subject_template_name="emails/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("patients:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", views.profile, name="profile"),
    path("terms/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete_account, name="delete_account"),
    path("deleted/", views.account_deleted, name="account_deleted"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path(
        "scores/<uuid:symptomscore_id>/acknowledge/",
        views.safety_acknowledge,
        name="safety_acknowledge",
    ),
]
