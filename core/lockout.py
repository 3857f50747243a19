"""Login lockout (django-axes): whose address a login comes from, and what a locked-out
login is told. Settings, "Login protection", wire these in."""

import ipaddress
import math

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib import admin
from django.db.models import Max
from django.db.models.functions import Now
from django.shortcuts import render
from django.utils import timezone
from rest_framework.settings import api_settings

LOCKED_OUT_TEMPLATE = "admin/portal/locked_out.html"


def _valid_address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address a request comes from, as the API's throttles see it.

    With ``NUM_PROXIES`` proxies in front, the address the outermost proxy saw: the
    ``NUM_PROXIES``-th entry of X-Forwarded-For from the right, which those proxies
    wrote (DRF's rule). Without it, the connection's own address: X-Forwarded-For is
    then written by the client and would let it pick a fresh address per guess. A value
    that is not an address falls back to the connection's (never stored as given).
    """
    remote = _valid_address(request.META.get("REMOTE_ADDR"))
    proxies = api_settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = forwarded.split(",")
    return _valid_address(addresses[-min(proxies, len(addresses))]) or remote


def seconds_locked(request, credentials: dict | None = None) -> int:
    """How long the username of ``credentials`` stays locked out at the request's address.

    A lockout ends a cool-off after the last failure it counted (attempts made while
    locked out are not counted).
    """
    cool_off = get_cool_off(request)
    last_failure = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=request.axes_ip_address,
        # None left if an administrator unlocked it meanwhile: then at most a cool-off.
    ).aggregate(last=Max("attempt_time", default=Now()))["last"]
    return max(1, math.ceil((last_failure + cool_off - timezone.now()).total_seconds()))


def lockout_response(request, original_response=None, credentials=None):
    """The admin login's answer to a locked-out username at this address (429).

    A page in the admin's look, not a bare status: what happened, how long it lasts,
    and that an administrator can lift it sooner.
    """
    wait = seconds_locked(request, credentials)
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": math.ceil(wait / 60),
    }
    response = render(request, LOCKED_OUT_TEMPLATE, context, status=429)
    response["Retry-After"] = str(wait)
    return response
