"""Mini-program API of accounts: WeChat login, token refresh, child profiles."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from accounts import messages, selectors, services
from accounts.models import Profile
from core import messages as core_messages
from core.api import LoginRateThrottle, ok
from core.errors import BusinessError


class WeChatLoginInput(serializers.Serializer):
    code = serializers.CharField(max_length=128, help_text="The code from wx.login()")


class LoginUserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()


class WeChatLoginOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = LoginUserOutput()


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshOutput(serializers.Serializer):
    access = serializers.CharField()


class WeChatLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=WeChatLoginInput, responses=WeChatLoginOutput, tags=["auth"], auth=[])
    def post(self, request):
        payload = WeChatLoginInput(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.user_login_wechat(code=payload.validated_data["code"])
        return ok(WeChatLoginOutput({"access": result.access, "refresh": result.refresh, "user": result.user}).data)


class TokenRefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginRateThrottle]

    @extend_schema(request=RefreshInput, responses=RefreshOutput, tags=["auth"], auth=[])
    def post(self, request):
        payload = RefreshInput(data=request.data)
        payload.is_valid(raise_exception=True)
        refreshed = TokenRefreshSerializer(data={"refresh": payload.validated_data["refresh"]})
        try:
            refreshed.is_valid(raise_exception=True)
        except TokenError as exc:  # bad, expired or blacklisted: the mini-program logs in again
            raise BusinessError(401, "not_authenticated", core_messages.NOT_AUTHENTICATED) from exc
        return ok({"access": refreshed.validated_data["access"]})


class PhoneInput(serializers.Serializer):
    code = serializers.CharField(max_length=128, help_text="The code of a getPhoneNumber button")


class MeInput(serializers.Serializer):
    sms_enabled = serializers.BooleanField()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    phone = serializers.SerializerMethodField(help_text="masked: 138****0000; empty when none")
    sms_enabled = serializers.BooleanField()

    def get_phone(self, user) -> str:
        """Enough for the parent to recognise the number, not enough to read it out."""
        phone = user.phone or ""
        return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else ""


@extend_schema(tags=["auth"])
class PhoneView(APIView):
    @extend_schema(request=PhoneInput, responses=MeOutput)
    def post(self, request):
        """POST auth/phone (RULES §14): the parent's mobile number from WeChat's getPhoneNumber."""
        payload = PhoneInput(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_phone_set(user=request.user, code=payload.validated_data["code"])
        return ok(MeOutput(user).data, message=messages.PHONE_SAVED)


@extend_schema(tags=["auth"])
class MeView(APIView):
    @extend_schema(responses=MeOutput)
    def get(self, request):
        return ok(MeOutput(request.user).data)

    @extend_schema(request=MeInput, responses=MeOutput)
    def patch(self, request):
        """PATCH auth/me {sms_enabled} (RULES §14): SMS needs a number first (409 phone_required)."""
        payload = MeInput(data=request.data)
        payload.is_valid(raise_exception=True)
        enabled = payload.validated_data["sms_enabled"]
        user = services.user_sms_set(user=request.user, enabled=enabled)
        return ok(MeOutput(user).data, message=messages.SMS_ON if enabled else messages.SMS_OFF)


class ProfileInput(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    level = serializers.IntegerField(min_value=1, max_value=20)
    birth_date = serializers.DateField(required=False, allow_null=True)


class ProfilePatchInput(ProfileInput):
    """PATCH profiles/{id}: any of the fields; a field given is validated as on create."""


class ProfileOutput(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["id", "name", "level", "birth_date"]


@extend_schema(tags=["profiles"])
class ProfileViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProfileOutput
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.profiles_of(user=self.request.user)

    @extend_schema(request=ProfileInput, responses=ProfileOutput)
    def create(self, request):
        payload = ProfileInput(data=request.data)
        payload.is_valid(raise_exception=True)
        profile = services.profile_create(owner=request.user, **payload.validated_data)
        return ok(ProfileOutput(profile).data, message=messages.PROFILE_CREATED.format(name=profile.name))

    @extend_schema(request=ProfilePatchInput, responses=ProfileOutput)
    def partial_update(self, request, pk=None):
        profile = selectors.profile_of_owner(user=request.user, profile_id=int(pk))
        payload = ProfilePatchInput(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        profile = services.profile_update(profile=profile, **payload.validated_data)
        return ok(ProfileOutput(profile).data, message=messages.PROFILE_UPDATED.format(name=profile.name))
