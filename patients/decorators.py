from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def patient_required(view):
    """Logged in as a patient: anonymous visitors go to the login page, staff accounts get 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_patient:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
