"""Units and members over /api/v1/, scoped by `orgs.access` exactly like the pages."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.generics import RetrieveAPIView

from . import access, selectors, services
from .models import Unit, User


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()
    full_path = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "ends_on", "depth", "parent", "full_path"]

    def get_parent(self, unit: Unit) -> int | None:
        parent = Unit.objects.get_parent(unit)
        return parent.pk if parent else None


class MemberSerializer(serializers.ModelSerializer):
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

    def get_unit_path(self, member: User) -> str:
        return member.unit.full_path if member.unit else ""

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

    def get_queryset(self):
        units = access.managed_units(self.request.user).order_by("path")
        under = self.request.query_params.get("under", "")
        if under.isdigit():
            root = access.access_unit(self.request.user, int(under))
            units = units.filter(path__startswith=root.path)
        return units

    def get_object(self) -> Unit:
        return access.access_unit(self.request.user, int(self.kwargs["pk"]))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name, employee number, username or phone"),
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

    def get_queryset(self):
        params = self.request.query_params
        unit = None
        if params.get("unit", "").isdigit():
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
            raise ValidationError({"detail": error.message, "code": error.code}) from None

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
            raise ValidationError({"detail": error.message, "code": error.code}) from None


class SignInTokenView(ObtainAuthToken):
    """DRF's token endpoint, with sign-in throttling: the password is checked against Django's
    own request, which django-axes needs to count the failure and flag a lockout (DRF's request
    wrapper would keep the flag from axes' middleware)."""

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "request": self.request._request}
