"""URLs of the compat project, plus those of the package under test."""

import importlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

urlpatterns = [
    path("", views.page),
    path("async/", views.apage),
    path("submit/", views.submit),
    path("async/submit/", views.asubmit),
    path("whoami/", views.whoami),
    path("async/whoami/", views.awhoami),
    path("private/", views.private),
    path("async/private/", views.aprivate),
    path("protected/", views.protected),
    path("async/protected/", views.aprotected),
    path("boom/", views.boom),
    path("async/boom/", views.aboom),
    path("api/cors/", views.cors),
    path("login/", login_not_required(auth_views.LoginView.as_view()), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

_package = importlib.import_module(f"packages.{settings.PACKAGE.replace('-', '_')}")
urlpatterns += getattr(_package, "urlpatterns", lambda: [])()
