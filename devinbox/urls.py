from django.urls import path

from devinbox import views

app_name = "devinbox"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<str:name>/", views.message_detail, name="message"),
    path("<str:name>/body.html", views.message_html, name="message_html"),
    path("<str:name>/attachments/<int:index>/", views.attachment, name="attachment"),
]
