"""The admin site: staff only, every sign-in with a second factor (django-otp), sign-in
attempts rate-limited per address and locked out after repeated failures (django-axes)."""

from django.utils.decorators import method_decorator
from django_otp.admin import OTPAdminSite

from pathway.ratelimits import limit


class AdminSite(OTPAdminSite):
    def __init__(self, name: str = "admin") -> None:
        # OTPAdminSite names itself "otpadmin"; the URLs stay under the usual "admin:".
        super().__init__(name)

    @method_decorator(limit("login"))
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)
