"""Users, for studio admins: create one, hand them a set-password link, reset a password, deactivate,
grant the right to create projects. And the page where a user follows their link to choose a password."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from .. import audit, users
from .admin_pages import require_staff

# The link is shown once: kept in the session between the POST that made it and the page that shows it.
SHOWN_ONCE = "studio.password_link"


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(label="E-mail (optional)", required=False)
    may_create_projects = forms.BooleanField(label="May create projects", required=False)


def _account(pk):
    try:
        return users.accounts().get(pk=pk)
    except (get_user_model().DoesNotExist, ValueError, TypeError):
        raise Http404("No such user.") from None


def _show_link(request, user):
    link = users.password_link(request.user, user, request.build_absolute_uri)
    request.session[SHOWN_ONCE] = {"user": user.pk, "url": link.url, "expires_at": link.expires_at.isoformat(),
                                   "emailed": link.emailed, "mail_error": link.mail_error}


@require_http_methods(["GET", "POST"])
@require_staff
def user_list(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = users.create_user(request.user, form.cleaned_data["username"], form.cleaned_data["email"],
                                     may_create_projects=form.cleaned_data["may_create_projects"])
        except users.UserError as error:
            form.add_error(None, str(error))
        else:
            _show_link(request, user)
            messages.success(request, f"{user.get_username()} was created.")
            return redirect("user-detail", pk=user.pk)
    creators = users.project_creator_ids()
    rows = [(account, account.pk in creators) for account in users.accounts()]
    return render(request, "studio/users.html", {"rows": rows, "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET"])
@require_staff
def user_detail(request, pk):
    account = _account(pk)
    shown = request.session.get(SHOWN_ONCE)
    link = request.session.pop(SHOWN_ONCE) if shown and shown["user"] == account.pk else None
    return render(request, "studio/user_detail.html", {
        "account": account, "link": link,
        "may_create_projects": users.can_create_projects(account),
        "memberships": account.memberships.select_related("project"),
        "history": audit.readable(audit.search().filter(target_type=account._meta.label_lower,
                                                        target_id=str(account.pk))[:20]),
    })


def _change(request, pk, change, done):
    account = _account(pk)
    try:
        change(account)
    except users.UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done(account))
    return redirect("user-detail", pk=account.pk)


@require_POST
@require_staff
def user_password_link(request, pk):
    return _change(request, pk, lambda account: _show_link(request, account),
                   lambda account: f"{account.get_username()}'s password was reset: give them the link below.")


@require_POST
@require_staff
def user_active(request, pk):
    active = request.POST.get("active") == "1"
    return _change(request, pk, lambda account: users.set_active(request.user, account, active),
                   lambda account: f"{account.get_username()} was {'reactivated' if active else 'deactivated'}.")


@require_POST
@require_staff
def user_create_projects(request, pk):
    allowed = request.POST.get("allowed") == "1"
    return _change(request, pk, lambda account: users.set_may_create_projects(request.user, account, allowed),
                   lambda account: f"{account.get_username()} {'may' if allowed else 'may no longer'} create projects.")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens: a new password, once; a used, expired or deactivated link says so."""

    template_name = "studio/user_set_password.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(form.user, "user.set_password", form.user)
        messages.success(self.request, "Your password is set. Log in with it.")
        return response
