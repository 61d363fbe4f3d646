"""What Django's error reports show (settings.DEFAULT_EXCEPTION_REPORTER_FILTER and
DEFAULT_EXCEPTION_REPORTER): a request's POST, the passwords in URLs of its settings and META,
the variables of the pages marked secret, and the tokens of our links' URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.urls import URLPattern, URLResolver
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter
from django.views.decorators.debug import sensitive_variables

from mailsec.logfilter import hide_url_tokens

# The POST fields of this site that carry a secret: the sign-in, sign-up, confirm-it's-you and
# password reset codes, the authenticator's codes and recovery codes ("code"), and passwords.
# Our views mark theirs with @sensitive_post_parameters (accounts.views.confirm_code); most of
# allauth's pages that take one (confirm it's you, the password reset's code and new password,
# every two-factor page) are not marked, and they are served under our URLs all the same.
SECRET_FIELDS = frozenset({"code", "password", "password1", "password2", "oldpassword"})

# The password of a URL (scheme://user:password@host): REDIS_URL and the CELERY_* and CACHES
# settings made from it, whose names Django's filter does not find secret, and the DATABASE_URL,
# REDIS_URL and EMAIL_URL of the environment, which runserver's WSGI environ (request.META)
# copies whole (s48d). Written percent-encoded (docs/configuration.md): no '@' or '/' in it.
URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/?#@]*:)[^\s/?#@]+(@)")


def redact_text(text: str) -> str:
    """`text` (a traceback, a repr) with the password of each URL starred and each link's
    token hidden, as a report shows them (mailsec.taskfailures, s48f)."""
    text = URL_PASSWORD.sub(rf"\g<1>{SafeExceptionReporterFilter.cleansed_substitute}\g<2>", text)
    return hide_url_tokens(text)


class SecretFieldsFilter(SafeExceptionReporterFilter):
    """Django's filter, which also stars SECRET_FIELDS in the POST of every request, marked
    by its view or not (an error report mailed to ADMINS, or any reporter using this filter,
    never carries a code or a password), and the password of any URL among the settings and
    the request's META. With DEBUG on the POST and the traceback's variables are shown
    whole, as by Django's, but for a variable `token` (a link's URL argument, s48f: starred
    whatever DEBUG says); settings and META are starred whatever DEBUG says, as by Django's."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        return self._star(request, super().get_post_parameters(request))

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: Any) -> Any:
        # A traceback's variables holding the posted form (a form's `data`, a copy of
        # request.POST) come here, not through get_post_parameters (review s47r1: the frames
        # printed the password the POST section starred).
        return self._star(request, super().get_cleansed_multivaluedict(request, multivaluedict))

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        # Each setting of a report, each item of one that is a dict (Django's recursion comes
        # back here), and each entry of request.META.
        # A link's token as in the logs (mailsec.logfilter): META's PATH_INFO, REQUEST_URI
        # and HTTP_REFERER name the page's path (s48f).
        value = super().cleanse_setting(key, value)
        if isinstance(value, str):
            value = URL_PASSWORD.sub(rf"\g<1>{self.cleansed_substitute}\g<2>", value)
            return hide_url_tokens(value)
        return value

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        # The URL argument `token` of each link's page (mailsec.logfilter), in the view's frame
        # and in the handler's kwargs for it: starred (s48f).
        shown = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if name == "token":
                value = self.cleansed_substitute
            elif isinstance(value, dict) and "token" in value:
                value = {**value, "token": self.cleansed_substitute}
            shown.append((name, value))
        return shown

    def _star(self, request: HttpRequest | None, shown: Any) -> Any:
        if request is None or not self.is_active(request):
            return shown
        secret = SECRET_FIELDS.intersection(shown)
        if not secret:
            return shown
        shown = shown.copy()
        for name in secret:
            shown[name] = self.cleansed_substitute
        return shown


class _PathHidden:
    """The request as a report's template reads it ("… at {{ request.path_info }}"), the
    token of its path hidden."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self.path_info = hide_url_tokens(request.path_info)
        self.path = hide_url_tokens(request.path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class SecretUrlReporter(ExceptionReporter):
    """Django's report (the page with DEBUG on, the mail to ADMINS with it off) with the token
    of each of our links' URLs written as the logs write it (mailsec.logfilter.hide_url_tokens):
    its Request URL and path, the query (?next=/invite/…/), META (SecretFieldsFilter), the
    exception's message, and the traceback's variables (whose `token`, the URL argument of
    each such page, SecretFieldsFilter stars). Before s48f the mail's subject hid the token of
    an invitation and its body did not."""

    def _get_raw_insecure_uri(self) -> str:
        return hide_url_tokens(super()._get_raw_insecure_uri())

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.request is not None:
            data["request"] = _PathHidden(self.request)
            data["request_GET_items"] = [
                (name, hide_url_tokens(value) if isinstance(value, str) else value)
                for name, value in self.request.GET.items()
            ]
        for name in ("exception_value", "exception_notes"):
            if isinstance(data.get(name), str):
                data[name] = hide_url_tokens(data[name])
        for frame in data.get("frames", []):
            if "vars" in frame:
                frame["vars"] = [(name, hide_url_tokens(value)) for name, value in frame["vars"]]
        return data


def secret_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """`view` whose every variable, in its frames and in every frame below them, is starred in
    an error report, its template's frames included: a TemplateResponse is rendered here,
    inside the marked frame, not by the handler after the view returned, where Django's
    filter finds no mark (s48d, as s47o's _show_new_key for a page that renders itself)."""

    @sensitive_variables()
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response.render()
        return response

    return page


def secret_pages(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The same URLs, names and arguments, each view made a secret_page."""
    pages: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = secret_pages(list(pattern.url_patterns))
            pages.append(
                URLResolver(
                    pattern.pattern,
                    inner,
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        else:
            pages.append(
                URLPattern(
                    pattern.pattern,
                    secret_page(pattern.callback),
                    pattern.default_args,
                    pattern.name,
                )
            )
    return pages
