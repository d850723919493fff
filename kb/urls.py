from django.urls import path

from kb import views

app_name = "kb"
urlpatterns = [
    path("", views.index, name="index"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<slug:key>/", views.source, name="source"),
    path("<slug:slug>/", views.entry, name="entry"),
]
