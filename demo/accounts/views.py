"""
The demo's views: all async, each awaiting request.auser() before rendering
so that the templates' `user` is already loaded. Nothing here blocks the
event loop: queries and hashing go through the async APIs.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    aauthenticate,
    alogin,
    alogout,
    aupdate_session_auth_hash,
)
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST

from .forms import LoginForm, PasswordChangeForm, SignUpForm

# Set by sign-up, read by the login form to fill in the user name.
SIGNED_UP_AS = "signed_up_as"


async def page(request, template, **context):
    await request.auser()
    return render(request, f"accounts/{template}", context)


async def home(request):
    return await page(request, "home.html")


async def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        password = form.cleaned_data["password1"]
        if await User.objects.filter(username__iexact=username).aexists():
            form.add_error("username", "That name is taken.")
        else:
            try:
                # CPU-only once the validators are loaded (asgi.py loads
                # them at start), so it runs on the loop.
                validate_password(password, User(username=username))
            except ValidationError as e:
                form.add_error("password1", e)
        if not form.errors:
            await User.objects.acreate_user(username, password=password)
            await request.session.aset(SIGNED_UP_AS, username)
            messages.success(request, f"Welcome, {username}. Now log in.")
            return redirect("login")
    return await page(request, "signup.html", form=form)


async def login(request):
    initial = {"username": await request.session.aget(SIGNED_UP_AS, "")}
    form = LoginForm(request.POST or None, initial=initial)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        user = await aauthenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error(None, "Wrong user name or password.")
        else:
            await alogin(request, user)
            messages.success(request, f"Logged in as {user.username}.")
            safe = url_has_allowed_host_and_scheme(
                next_url, {request.get_host()}, request.is_secure()
            )
            return redirect(next_url if safe else reverse("counter"))
    return await page(request, "login.html", form=form, next=next_url)


async def counter(request):
    count = await request.session.aget("count", 0)
    if request.method == "POST":
        await request.session.aset("count", count + 1)
        return redirect("counter")
    return await page(
        request, "counter.html", count=count, engine=settings.SESSION_ENGINE_NAME
    )


class VaultView(PermissionRequiredMixin, View):
    permission_required = "accounts.open_vault"

    async def get(self, request):
        return await page(request, "vault.html")


@login_required
async def password_change(request):
    user = await request.auser()
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = form.cleaned_data["new_password1"]
        if not await user.acheck_password(form.cleaned_data["old_password"]):
            form.add_error("old_password", "That is not your current password.")
        else:
            try:
                validate_password(new, user)
            except ValidationError as e:
                form.add_error("new_password1", e)
        if not form.errors:
            await user.aset_password(new)
            await user.asave(update_fields=["password"])
            # Keeps this session; every other session of the user ends.
            await aupdate_session_auth_hash(request, user)
            messages.success(request, "Password changed. Other sessions ended.")
            return redirect("counter")
    return await page(request, "password_change.html", form=form)


@require_POST
async def logout(request):
    await alogout(request)
    messages.info(request, "Logged out.")
    return redirect("home")
