from django.contrib import admin
from django.urls import include, path

from pathway import views

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("readyz", views.readyz, name="readyz"),
    path("a/", views.assessment_start, name="assessment_start"),
    path("a/<uuid:pk>/", views.resume, name="resume"),
    path("a/<uuid:pk>/review/", views.review, name="review"),
    path("a/<uuid:pk>/result/", views.result, name="result"),
    path("a/<uuid:pk>/result/changes/", views.changes, name="changes"),
    path("a/<uuid:pk>/handout/", views.handout_page, name="handout"),
    path("a/<uuid:pk>/handout.pdf", views.handout_pdf, name="handout_pdf"),
    path("a/<uuid:pk>/handout.css", views.handout_css, name="handout_css"),
    path("a/<uuid:pk>/<slug:step>/", views.step, name="step"),
    path("kb/", include("kb.urls")),
    path("admin/", admin.site.urls),
]
