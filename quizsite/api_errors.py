"""One error shape for the whole API and the pages' JSON endpoints: `{"error": {"code", "message", "field"}}`.

`code` is stable and, where the meaning is the same, the WebSocket protocol's (docs/protocol.md:
`malformed_json`, `rate_limited`, `not_in_contest`, `deadline_passed`...); `message` is in the
request's language (Accept-Language, or the language cookie); `field` names the request field
or query parameter the error concerns, else null. Services raise their own domain errors; the
API views turn them into `ApiError`, and DRF's and Django's exceptions are reshaped here."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .not_found import DJANGO_NOT_FOUND, not_found_message


class ApiError(exceptions.APIException):
    """A refusal with a stable code: 409 unless a status is given."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, code: str, message: str, *, field: str | None = None, status_code: int | None = None):
        super().__init__(detail=str(message), code=code)
        self.error_code = code
        self.field = field
        if status_code is not None:
            self.status_code = status_code


def refused(error: Exception, *, status_code: int = status.HTTP_409_CONFLICT, field: str | None = None) -> ApiError:
    """An ApiError from a service's domain error (anything with `code` and `message`)."""
    return ApiError(error.code, error.message, field=field, status_code=status_code)


# DRF's exception classes, by the code this API gives them.
CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.NotAuthenticated, "signed_out"),
    (exceptions.ParseError, "malformed_json"),
    (exceptions.Throttled, "rate_limited"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.NotAcceptable, "not_acceptable"),
]


def _not_found(exc: Http404 | exceptions.NotFound) -> exceptions.NotFound:
    """A 404 in people's words: Django's message naming a model, or none at all (a bare `Http404`,
    DRF's "Not found."), becomes the plain one; a message a view wrote itself stays."""
    message = str(exc.args[0]) if isinstance(exc, Http404) and exc.args else ""
    if isinstance(exc, exceptions.NotFound):
        message = "" if str(exc.detail) == str(exceptions.NotFound.default_detail) else str(exc.detail)
    model = DJANGO_NOT_FOUND.match(message)
    if model or not message:
        return exceptions.NotFound(not_found_message(model.group(1) if model else None))
    return exceptions.NotFound(message)


def _first(detail, path: str = "") -> tuple[str | None, object]:
    """The first (field, ErrorDetail) in a ValidationError's detail; nested fields are dotted."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = path if key == "non_field_errors" else f"{path}.{key}" if path else str(key)
            return _first(value, name)
    if isinstance(detail, list) and detail:
        if isinstance(detail[0], (dict, list)):
            # A list serializer's errors hold {} for the items that were fine: name the first bad one.
            n, item = next(((n, item) for n, item in enumerate(detail) if item), (0, detail[0]))
            return _first(item, f"{path}.{n}" if path and isinstance(item, dict) else path)
        return path or None, detail[0]
    return path or None, detail


def error_body(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "field": field}}


def error_response(code: str, message: str, *, status: int, field: str | None = None, **extra) -> JsonResponse:
    """The same shape from the site's own JSON endpoints (the ones its pages' scripts call, outside
    DRF). `extra` goes beside `error`, for what a script needs to recover (`received` for an
    upload to resume from)."""
    return JsonResponse({**error_body(code, message, field), **extra}, status=status)


def exception_handler(exc, context):
    # As DRF's own handler does, but here too, so that the codes below see DRF's classes.
    if isinstance(exc, (Http404, exceptions.NotFound)):
        exc = _not_found(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        response.data = error_body(exc.error_code, exc.detail, exc.field)
    elif isinstance(exc, exceptions.ValidationError):
        field, detail = _first(exc.detail)
        code = getattr(detail, "code", None) or "invalid"
        response.data = error_body("invalid" if code == "invalid" else code, detail, field)
    else:
        code = next((name for cls, name in CODES if isinstance(exc, cls)), None)
        if code is None:
            code = getattr(getattr(exc, "detail", None), "code", None) or "error"
        response.data = error_body(code, _message(exc, response))
    return response


@csrf_exempt  # it changes nothing, and a refused CSRF check would answer with a page
def not_found(request, *_args, **_kwargs) -> JsonResponse:
    """A path under /api/v1/ that names nothing (`/members/abc/`): the error shape, not the
    site's HTML page."""
    return JsonResponse(error_body("not_found", _("There is nothing at this address.")), status=404)


def _message(exc, response: Response) -> str:
    if isinstance(exc, exceptions.APIException):
        return str(exc.detail)
    return str(response.data.get("detail", _("Something went wrong.")))


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable; the WebSocket protocol's where the meaning is the same.",
                },
                "message": {"type": "string", "description": "In the request's language."},
                "field": {"type": "string", "nullable": True, "description": "The field or parameter concerned."},
            },
            "required": ["code", "message", "field"],
        }
    },
    "required": ["error"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

# The statuses every operation may answer with this shape (409 only where something can refuse).
ERROR_STATUSES = {
    "400": "Bad input: `field` names what to fix.",
    "401": "Not signed in, or the token is not valid (expired, revoked).",
    "403": "Signed in, but not allowed.",
    "404": "No such thing, or not visible to you.",
    "429": "Too many requests or sign-in failures; see Retry-After.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the error shape for the
    statuses above, 409 for writes and 415 for writes with a body, unless it declares them itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            wanted = dict(ERROR_STATUSES)
            if method in ("post", "put", "patch", "delete"):
                wanted["409"] = "Refused: `code` says why."
            if method in ("post", "put", "patch"):
                # A body in a media type no parser takes (the schema fuzz met one on a join).
                wanted["415"] = "The body's media type is not accepted (`unsupported_media_type`): send JSON."
            for code, description in wanted.items():
                if code not in responses:
                    responses[code] = {
                        "content": {"application/json": {"schema": ERROR_REF}},
                        "description": description,
                    }
    return result
