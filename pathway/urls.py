from django.contrib import admin
from django.urls import include, path

from pathway import views

urlpatterns = [
    path("", views.start, name="start"),
    path("kb/", include("kb.urls")),
    path("admin/", admin.site.urls),
]
