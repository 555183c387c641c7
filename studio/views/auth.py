from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from .. import audit, login_throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed attempts. Wait %(minutes)s minutes, then try again.",
    }

    def clean(self):
        address = login_throttle.client_address(self.request)
        username = self.cleaned_data.get("username") or ""
        if login_throttle.is_locked(address, username):
            minutes = max(1, settings.STUDIO_LOGIN_LOCKOUT_SECONDS // 60)
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": minutes}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_throttle.record_failure(address, username)
            raise
        login_throttle.clear(address, username)
        return cleaned


def admin_login(request):
    """The Django admin's login page, replaced by the studio's throttled one (staff land back in the admin)."""
    return redirect_to_login(request.GET.get("next") or "/django-admin/")


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "studio/login.html"
    redirect_authenticated_user = True


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request):
    """Create, replace or revoke the user's API token; a new key is shown once, right after."""
    new_key = None
    if request.method == "POST":
        Token.objects.filter(user=request.user).delete()
        if request.POST.get("action") == "revoke":
            audit.record(request.user, "token.revoke", request.user)
            messages.success(request, "Your API token was revoked.")
            return redirect("api-token")
        new_key = Token.objects.create(user=request.user).key
        audit.record(request.user, "token.create", request.user)
        messages.success(request, "A new API token was created. Copy it now: it is not shown again.")
    has_token = new_key is not None or Token.objects.filter(user=request.user).exists()
    return render(request, "studio/api_token.html", {"new_key": new_key, "has_token": has_token})
