from django.urls import path

from . import views

urlpatterns = [
    path("a/plain/", views.plain),
    path("a/read/", views.read),
    path("a/sync-reads/", views.sync_reads),
    path("a/private/", views.private),
    path("a/permission/", views.permission),
    path("a/login/", views.login),
    path("a/logout/", views.logout),
    path("a/large/", views.large),
    path("s/plain/", views.sync_plain),
    path("s/private/", views.sync_private),
    path("s/permission/", views.sync_permission),
    path("s/login/", views.sync_login_view),
    path("s/logout/", views.sync_logout_view),
]
