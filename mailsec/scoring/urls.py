from django.urls import path

from mailsec.scoring import views

urlpatterns = [
    path("scoring/", views.rubric, name="scoring-rubric"),
]
