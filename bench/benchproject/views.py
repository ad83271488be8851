"""The views the scenarios request: async ones under /a/, sync twins under /s/."""

import functools

from django.contrib.auth import aauthenticate, alogin, alogout, authenticate
from django.contrib.auth import login as sync_login
from django.contrib.auth import logout as sync_logout
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

PERMISSION = "auth.view_user"
# The large view's default body size, and its limit (a ?size= parameter).
LARGE_BODY_SIZE = 23 * 2**20
LARGE_BODY_MAX_SIZE = 2**28


async def plain(request):
    user = await request.auser()
    value = await request.session.aget("k")
    await request.session.aset("k", 1)
    return HttpResponse(f"authenticated={user.is_authenticated} k={value}")


async def read(request):
    """Read the user and the session without modifying the session."""
    user = await request.auser()
    value = await request.session.aget("k")
    return HttpResponse(f"authenticated={user.is_authenticated} k={value}")


async def sync_reads(request):
    """
    Read request.user and request.session synchronously, as a sync template
    tag or context processor called by an async view does.
    """
    return HttpResponse(
        f"authenticated={request.user.is_authenticated} "
        f"k={request.session.get('k')}"
    )


@login_required
async def private(request):
    return HttpResponse("private")


async def permission(request):
    user = await request.auser()
    if await user.ahas_perm(PERMISSION):
        return HttpResponse("allowed")
    return HttpResponse("denied", status=403)


@login_not_required
@require_POST
async def login(request):
    user = await aauthenticate(
        request,
        username=request.POST.get("username"),
        password=request.POST.get("password"),
    )
    if user is None:
        return HttpResponse("bad credentials", status=401)
    await alogin(request, user)
    return HttpResponse("logged in")


@require_POST
async def logout(request):
    await alogout(request)
    return HttpResponse("logged out")


@functools.lru_cache(maxsize=1)
def large_body(size):
    """
    A compressible text body of `size` bytes, made once: numbered CSV-like
    rows, as a data export (gzip shrinks it about twentyfold).
    """
    row = b"%09d,%-8s,%-8s,The quick brown fox jumps over the lazy dog.\n"
    words = [b"alpha", b"bravo", b"charlie", b"delta", b"echo", b"foxtrot", b"golf"]
    count = size // len(row % (0, b"", b"")) + 1
    rows = (row % (i, words[i % 7], words[i * 3 % 5]) for i in range(count))
    return b"".join(rows)[:size]


async def large(request):
    """A large body (a response's work grows with it in some middleware)."""
    size = min(int(request.GET.get("size", LARGE_BODY_SIZE)), LARGE_BODY_MAX_SIZE)
    return HttpResponse(large_body(size), content_type="text/plain; charset=utf-8")


def sync_plain(request):
    user = request.user
    value = request.session.get("k")
    request.session["k"] = 1
    return HttpResponse(f"authenticated={user.is_authenticated} k={value}")


@login_required
def sync_private(request):
    return HttpResponse("private")


def sync_permission(request):
    if request.user.has_perm(PERMISSION):
        return HttpResponse("allowed")
    return HttpResponse("denied", status=403)


@login_not_required
@require_POST
def sync_login_view(request):
    user = authenticate(
        request,
        username=request.POST.get("username"),
        password=request.POST.get("password"),
    )
    if user is None:
        return HttpResponse("bad credentials", status=401)
    sync_login(request, user)
    return HttpResponse("logged in")


@require_POST
def sync_logout_view(request):
    sync_logout(request)
    return HttpResponse("logged out")
