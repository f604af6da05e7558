"""Units and members over /api/v1/, scoped by `orgs.access` exactly like the pages."""

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from quizsite.api_errors import ApiError

from . import access, selectors, services, tokens
from .models import UNIT_PATH_SEPARATOR, ApiToken, Unit, User
from .signin import DEACTIVATED_MESSAGE, deactivated_with_right_password


class PathsByPage(serializers.ListSerializer):
    """Reads the full paths (names as typed) of a page's units, and their parents, in one query
    (`unit_paths`) rather than a query or two per row: a page holds 50 rows."""

    def to_representation(self, data):
        rows = list(data)
        units = [unit for row in rows if (unit := self.child.unit_of(row)) is not None]
        self.child.paths = _paths_and_parents(units)
        return super().to_representation(rows)


def _paths_and_parents(units: list[Unit]) -> dict[int, tuple[str, int | None]]:
    """Unit id -> (full path as typed, the parent's id), for all of `units` in one query."""
    steplen = Unit.steplen
    above = {u.path[:i] for u in units for i in range(steplen, len(u.path) + 1, steplen)}
    known = {
        path: (pk, name) for pk, path, name in Unit.objects.filter(path__in=above).values_list("pk", "path", "name")
    }
    return {
        u.pk: (
            UNIT_PATH_SEPARATOR.join(known[u.path[:i]][1] for i in range(steplen, len(u.path) + 1, steplen)),
            known[u.path[:-steplen]][0] if len(u.path) > steplen else None,
        )
        for u in units
    }


class UnitPathField:
    """A serializer's unit path (and parent) from its list's one query (`PathsByPage`), or, for a
    single object, from its own."""

    paths: dict[int, tuple[str, int | None]] | None = None

    def path_and_parent(self, unit: Unit) -> tuple[str, int | None]:
        if self.paths is None or unit.pk not in self.paths:
            return _paths_and_parents([unit])[unit.pk]
        return self.paths[unit.pk]


class UnitSerializer(UnitPathField, serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()
    full_path = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = ["id", "name", "name_en", "kind", "ends_on", "depth", "parent", "full_path"]
        list_serializer_class = PathsByPage

    @staticmethod
    def unit_of(unit: Unit) -> Unit:
        return unit

    def get_parent(self, unit: Unit) -> int | None:
        return self.path_and_parent(unit)[1]

    def get_full_path(self, unit: Unit) -> str:
        return self.path_and_parent(unit)[0]


class MemberSerializer(UnitPathField, serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    unit_path = serializers.SerializerMethodField()
    password = serializers.CharField(write_only=True, required=False, allow_blank=True)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "real_name",
            "employee_no",
            "unit",
            "unit_path",
            "is_party_member",
            "phone",
            "is_active",
            "password",
            "reason",
        ]
        read_only_fields = ["is_active"]
        list_serializer_class = PathsByPage

    @staticmethod
    def unit_of(member: User) -> Unit | None:
        return member.unit

    def get_unit_path(self, member: User) -> str:
        return self.path_and_parent(member.unit)[0] if member.unit else ""

    def validate_unit(self, unit: Unit) -> Unit:
        if not access.can_manage_unit(self.context["request"].user, unit):
            raise ValidationError(_("This unit is outside the units you manage."))
        return unit


class MeSerializer(serializers.ModelSerializer):
    unit_path = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "real_name", "employee_no", "unit", "unit_path", "roles"]

    def get_unit_path(self, member: User) -> str:
        return member.unit.full_path if member.unit else ""

    def get_roles(self, member: User) -> list[dict]:
        return [{"role": g.role, "unit": g.unit_id} for g in member.role_grants.all()]


class MeView(RetrieveAPIView):
    """The signed-in user, with their unit path and role grants."""

    serializer_class = MeSerializer

    def get_object(self) -> User:
        return self.request.user


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("under", int, description="Only this unit's subtree")])
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the caller manages, in tree order."""

    serializer_class = UnitSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        units = access.managed_units(self.request.user).order_by("path")
        under = self.request.query_params.get("under", "")
        if under.isdecimal():
            root = access.access_unit(self.request.user, int(under))
            units = units.filter(path__startswith=root.path)
        return units

    def get_object(self) -> Unit:
        return access.access_unit(self.request.user, int(self.kwargs["pk"]))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="Each word in the name or its pinyin (zhangsan, zs), employee number, username or phone",
            ),
            OpenApiParameter("unit", int, description="Only this unit's subtree"),
        ]
    )
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Members the caller manages. A changed unit is recorded as a move in the history."""

    serializer_class = MemberSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        params = self.request.query_params
        unit = None
        if params.get("unit", "").isdecimal():
            unit = access.access_unit(self.request.user, int(params["unit"]))
        return selectors.member_search(self.request.user, text=params.get("q", ""), unit=unit)

    def get_object(self) -> User:
        return access.access_member(self.request.user, int(self.kwargs["pk"]))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        access.check_manager(request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.member_create(
                username=data["username"],
                real_name=data.get("real_name", ""),
                employee_no=data.get("employee_no"),
                unit=data["unit"],
                phone=data.get("phone", ""),
                is_party_member=data.get("is_party_member", True),
                password=data.get("password") or None,
                by=self.request.user,
            )
        except services.OrgError as error:
            raise _member_refusal(error) from None

    def perform_update(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = services.member_update(
                member=serializer.instance,
                by=self.request.user,
                real_name=data.get("real_name"),
                employee_no=data.get("employee_no"),
                phone=data.get("phone"),
                is_party_member=data.get("is_party_member"),
                unit=data.get("unit"),
                reason=data.get("reason", ""),
            )
        except services.OrgError as error:
            raise _member_refusal(error) from None


def _member_refusal(error) -> ApiError:
    """A 400 for the services' refusal of a member's details, naming the field where it is one."""
    field = "employee_no" if error.code.startswith("employee_no") else "unit" if error.code == "unit_closed" else None
    return ApiError(error.code, error.message, field=field, status_code=400)


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    device = serializers.CharField(
        max_length=60, required=False, default="", help_text="A name for this device; one live token per device."
    )


class TokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "device", "created_at", "expires_at", "last_used_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        return token == self.context["request"].auth


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown only now.")

    class Meta(TokenSerializer.Meta):
        fields = ["token", *TokenSerializer.Meta.fields]


class SignInTokenView(APIView):
    """Sign in: a token for this device, valid for API_TOKEN_DAYS days; signing in again on the
    same device replaces its token. Throttled like the sign-in page (django-axes): the password
    is checked against Django's own request, which axes needs to count the failure and flag a
    lockout (DRF's request wrapper would keep the flag from axes' middleware)."""

    @extend_schema(operation_id="auth_sign_in", request=SignInSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request):
        data = SignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None:
            if deactivated_with_right_password(
                request._request, *map(data.validated_data.get, ("username", "password"))
            ):
                raise ApiError("account_deactivated", DEACTIVATED_MESSAGE, status_code=400)
            raise ApiError("bad_credentials", _("Wrong username or password."), status_code=400)
        device = data.validated_data["device"].strip() or _("unnamed device")
        token, key = tokens.token_issue(user=user, device=str(device))
        token.token = key
        return Response(IssuedTokenSerializer(token, context={"request": request}).data)

    @extend_schema(operation_id="auth_sign_out", responses={204: None})
    def delete(self, request):
        """Sign out: revoke the token this request carries."""
        if not isinstance(request.auth, ApiToken):
            raise ApiError("not_a_token", _("Sign out revokes a token: send one."), status_code=400)
        tokens.token_revoke(token=request.auth, by=request.user, by_itself=True)
        return Response(status=204)

    def get_authenticators(self):
        # Sign-in needs no credentials; sign-out needs the token it revokes.
        if getattr(self.request, "method", "DELETE") == "DELETE":
            return [tokens.ApiTokenAuthentication()]
        return []

    def get_permissions(self):
        return [IsAuthenticated()] if getattr(self.request, "method", "DELETE") == "DELETE" else [AllowAny()]


class TokenListView(ListAPIView):
    """Your live tokens (one per device), or with `?member=ID` a member's you manage."""

    serializer_class = TokenSerializer

    @extend_schema(
        operation_id="tokens_list",
        parameters=[OpenApiParameter("member", int, description="A member you manage (organisers, administrators)")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        member = self.request.query_params.get("member", "")
        if member == "":
            return tokens.live_tokens(self.request.user)
        if not member.isdecimal():
            raise ApiError("invalid", _("A member is named by their id."), field="member", status_code=400)
        return tokens.live_tokens(access.access_member(self.request.user, int(member)))


class TokenRevokeView(APIView):
    @extend_schema(operation_id="tokens_revoke", request=None, responses={204: None})
    def delete(self, request, token_id: int):
        """Revoke a token: your own, or one of a member you manage."""
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
        if token.user_id != request.user.pk:
            try:
                access.check_manage_member(request.user, token.user)
            except PermissionDenied:
                raise Http404 from None  # another's token is not even there
        # Revoked with itself, it is the app signing out; with another token, or a session, the
        # device is signed out from elsewhere.
        by_itself = isinstance(request.auth, ApiToken) and request.auth.pk == token.pk
        tokens.token_revoke(token=token, by=request.user, by_itself=by_itself)
        return Response(status=204)
