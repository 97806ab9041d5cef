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
