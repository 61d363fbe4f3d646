"""A server error under /api/v1/ answers JSON, as every other answer of the APIs does (the team
API and the free check's), not the site's HTML 500 page a script cannot read.

Django has already turned the exception into its 500 response further in, and reported it as
it reports every 500 (the got_request_exception signal, and the django.request log with the
traceback: mail to ADMINS, error trackers): only the body is replaced here, so nothing of
that reporting changes, and the headers the other middleware set stay.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

API_PREFIX = "/api/v1/"
# In the shape of every other refusal of the APIs: {"error": "<what is wrong, in words>"}.
SERVER_ERROR = {
    "error": "Something went wrong on our side while answering this request. It has been "
    "logged for us to look into; try again later.",
}


class ApiServerErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 500
            and request.path_info.startswith(API_PREFIX)
            and not response.streaming
            # A JSON 500 is a view's own answer: left as it is.
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            response.content = json.dumps(SERVER_ERROR).encode()
            response["Content-Type"] = "application/json"
            if response.has_header("Content-Length"):  # set by CommonMiddleware for the page
                response["Content-Length"] = str(len(response.content))
            add_never_cache_headers(response)
        return response
