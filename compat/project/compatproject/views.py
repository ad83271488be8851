"""Sync and async views the scenarios request."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def _masked(value):
    """A session value without its timestamps (floats) and hashes."""
    if isinstance(value, float):
        return "<float>"
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _session(request):
    """The session's keys with the values that are not random."""
    return {
        key: ("<hash>" if key == "_auth_user_hash" else _masked(request.session[key]))
        for key in sorted(request.session.keys())
    }


@login_not_required
def page(request):
    return render(request, "page.html", {"title": "Sync page", "action": "/submit/"})


@login_not_required
async def apage(request):
    user = await request.auser()
    return render(
        request,
        "page.html",
        {"title": "Async page", "action": "/async/submit/", "user": user},
    )


@login_not_required
def submit(request):
    request.session["submitted"] = request.POST.get("text", "")
    return HttpResponse(f"got {request.POST.get('text', '')!r}\n")


@login_not_required
async def asubmit(request):
    await request.session.aset("submitted", request.POST.get("text", ""))
    return HttpResponse(f"async got {request.POST.get('text', '')!r}\n")


@login_not_required
def whoami(request):
    return JsonResponse(
        {
            "user": request.user.get_username(),
            "authenticated": request.user.is_authenticated,
            "session": _session(request),
        }
    )


@login_not_required
async def awhoami(request):
    user = await request.auser()
    keys = sorted(await request.session.akeys())
    return JsonResponse(
        {
            "user": user.get_username(),
            "authenticated": user.is_authenticated,
            "session": keys,
        }
    )


@login_required
def private(request):
    return HttpResponse(f"private page of {request.user.get_username()}\n")


@login_required
async def aprivate(request):
    user = await request.auser()
    return HttpResponse(f"async private page of {user.get_username()}\n")


def protected(request):
    """Not decorated: LoginRequiredMiddleware, when installed, protects it."""
    return HttpResponse("protected page\n")


async def aprotected(request):
    return HttpResponse("async protected page\n")


@login_not_required
def boom(request):
    raise ValueError("compat boom")


@login_not_required
async def aboom(request):
    raise ValueError("compat async boom")


@login_not_required
def cors(request):
    return JsonResponse({"cors": True})
