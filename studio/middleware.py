from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.deprecation import MiddlewareMixin

from .errors import Refusal


class SecurityHeadersMiddleware:
    """Headers Django does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class HtmxLoginMiddleware:
    """An htmx request that lost its session gets a full-page redirect to the login page.

    Without this, htmx follows the 302 and swaps the login form into a fragment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_login_redirect = response.status_code == 302 and response.get("Location", "").startswith(
            resolve_url(settings.LOGIN_URL)
        )
        if getattr(request, "htmx", False) and is_login_redirect and not request.user.is_authenticated:
            current = request.htmx.current_url_abs_path or request.get_full_path()
            login = redirect_to_login(current)["Location"]
            expired = HttpResponse("Your session has ended. Log in again to continue.", status=401)
            expired["HX-Redirect"] = login
            return expired
        return response


class RefusalMiddleware(MiddlewareMixin):
    """A page whose service refused the request shows the refusal's message with its status;
    views that show refusals inside their own form catch them first."""

    def process_exception(self, request, exception):
        if not isinstance(exception, Refusal):
            return None
        return render(request, "studio/error.html", {"title": "Not done", "message": str(exception)},
                      status=exception.status)


class UnknownQueryParametersMiddleware(MiddlewareMixin):
    """An API request with a query parameter its view does not read answers 400 naming it, instead of being
    answered as if the filter had applied. A view names what it reads in `query`; `page` is every list's."""

    APPS = ("studio.", "labeling.", "training.")

    def process_view(self, request, view_func, view_args, view_kwargs):
        view = getattr(view_func, "cls", None)
        if view is None or not view.__module__.startswith(self.APPS):
            return None
        known = {"page", *getattr(view, "query", ())}
        unknown = sorted(set(request.GET) - known)
        if not unknown:
            return None
        return JsonResponse({"detail": f"{unknown[0]}: not a query parameter of this endpoint (it reads "
                                       f"{', '.join(sorted(known))})."}, status=400)
