from accounts import views

from django.urls import path

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.login, name="login"),
    path("counter/", views.counter, name="counter"),
    path("vault/", views.VaultView.as_view(), name="vault"),
    path("password/", views.password_change, name="password_change"),
    path("logout/", views.logout, name="logout"),
]
