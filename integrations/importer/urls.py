from django.urls import path

from integrations.importer import views

app_name = "importer"
urlpatterns = [
    path("status/", views.import_status, name="status"),
    path("run/", views.import_start, name="run"),
    path("review/", views.review_list, name="review"),
    path("review/<int:pk>/", views.review_apply, name="review_apply"),
]
