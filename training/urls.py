from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:pk>/corpora/<int:corpus_pk>/clean/", views.clean_corpus, name="corpus-clean"),
    path("projects/<int:pk>/cleaning/recipes/<int:recipe_pk>/delete/", views.recipe_delete, name="cleaning-recipe-delete"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/", views.cleaning_run, name="cleaning-run"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/clusters/<int:source_pk>/", views.cleaning_cluster,
         name="cleaning-cluster"),
]
