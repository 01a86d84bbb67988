from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, QueryDict
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

KEPT_POST = "kept_post"
_NEVER_KEPT = {"csrfmiddlewaretoken", "password", "password1", "password2"}
# Whose browser this is, for a kept form (issue 14, finding 7): a keyed hash of the last patient
# signed in here, set on their pages. A form kept after the session ended carries it, and only
# that patient gets it back; anyone else who signs in on the browser never sees it.
KEPT_FOR_COOKIE = "kept_for"
_KEPT_FOR_AGE = 14 * 24 * 3600


def patient_required(view):
    """Logged in as a patient: anonymous visitors go to the login page, staff accounts get 404.

    A form posted after the session expired is not lost: its fields are kept in the (new,
    anonymous) session, which survives logging in, and `restored_post` hands them back to the
    same page afterwards.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                keep_post(request)
            return redirect_to_login(request.get_full_path())
        if not request.user.is_patient:
            raise Http404
        tag = _owner_tag(request.user)
        _discard_kept_post_of_someone_else(request, request.user)
        response = view(request, *args, **kwargs)
        if request.COOKIES.get(KEPT_FOR_COOKIE) != tag:
            response.set_cookie(
                KEPT_FOR_COOKIE,
                tag,
                max_age=_KEPT_FOR_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return wrapper


def _owner_tag(user, secret: str | None = None) -> str:
    return salted_hmac("patients.kept_post", str(user.pk), secret=secret).hexdigest()[:32]


def _discard_kept_post_of_someone_else(request, user) -> None:
    """Drop a kept form typed by someone else on this browser. A tag made under a key being
    rotated out (SECRET_KEY_FALLBACKS) is still the owner's: the form is not lost."""
    kept = request.session.get(KEPT_POST)
    if not kept:
        return
    tags = {_owner_tag(user), *(_owner_tag(user, key) for key in settings.SECRET_KEY_FALLBACKS)}
    if kept.get("for") not in tags:
        del request.session[KEPT_POST]


def staff_required(view):
    """Logged in with an account that may use admin (clinic staff; a password is enough here):
    anonymous visitors go to the login page, patients get 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def keep_post(request) -> None:
    fields = {k: v for k, v in request.POST.lists() if k not in _NEVER_KEPT}
    owner = request.COOKIES.get(KEPT_FOR_COOKIE, "")
    request.session[KEPT_POST] = {"path": request.path, "fields": fields, "for": owner}


def restored_post(request) -> QueryDict | None:
    """The fields of a form this page received while the session had expired, once."""
    _discard_kept_post_of_someone_else(request, request.user)
    kept = request.session.get(KEPT_POST)
    if not kept or kept.get("path") != request.path:
        return None
    del request.session[KEPT_POST]
    data = QueryDict(mutable=True)
    for key, values in kept["fields"].items():
        data.setlist(key, values)
    messages.info(
        request,
        _(
            "You were logged out before your last change was saved. We kept what you typed: "
            "please check it and save again."
        ),
    )
    return data
