"""Tokens for scripts and CI: `POST /api/v1/auth/token/` with a username and password, `DELETE` to revoke.

Sign-in goes through `django.contrib.auth.authenticate(request=...)` so that django-axes counts every
attempt per username and address and locks out after AXES_FAILURE_LIMIT failures; a failure is
logged with the username and address, never the password.
"""

import logging

from axes.helpers import get_client_ip_address
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from riskregister.api.parsers import DepthLimitedJSONParser

logger = logging.getLogger("riskregister.api.auth")


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <token>`.")


class SignInLockedOut(Throttled):
    default_detail = "Too many failed sign-in attempts from this address for this user; try again later."
    default_code = "locked_out"


class TokenView(APIView):
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "sign_in"
    # A form body too, for `curl -d username=... -d password=...`.
    parser_classes = [DepthLimitedJSONParser, FormParser]

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        request=SignInSerializer,
        responses={200: TokenSerializer},
        auth=[],
        description="Exchange a username and password for the user's API token (the same token until revoked).",
    )
    def post(self, request):
        credentials = SignInSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        username = credentials.validated_data["username"]
        # axes works on Django's request, not DRF's wrapper.
        django_request = request._request
        user = authenticate(request=django_request, username=username, password=credentials.validated_data["password"])
        address = get_client_ip_address(django_request)
        if user is None or not user.is_active:
            locked_out = bool(getattr(django_request, "axes_locked_out", False))
            logger.warning(
                "API sign-in failed for username %r from %s%s", username, address, " (locked out)" if locked_out else ""
            )
            if locked_out:
                # Answer in the API's own error shape; without this, axes' middleware would swap the
                # response for its own lockout page.
                django_request.axes_locked_out = False
                raise SignInLockedOut()
            raise AuthenticationFailed("Unable to sign in with the username and password given.")
        token, _ = Token.objects.get_or_create(user=user)
        logger.info("API token issued to %r from %s", user.get_username(), address)
        return Response({"token": token.key}, status=status.HTTP_200_OK)

    @extend_schema(operation_id="auth_token_destroy", request=None, responses={204: None},
                   description="Revoke the caller's token; the next POST issues a new one.")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        logger.info("API token revoked by %r", request.user.get_username())
        return Response(status=status.HTTP_204_NO_CONTENT)
