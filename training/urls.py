from django.urls import path

from . import model_views, views

urlpatterns = [
    path("projects/<int:pk>/models/", model_views.model_list, name="model-list"),
    path("projects/<int:pk>/models/pretrain/", model_views.pretrain, name="pretrain"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/", model_views.version_detail, name="model-version"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/download/", model_views.version_download,
         name="model-version-download"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/clean/", views.clean_corpus, name="corpus-clean"),
    path("projects/<int:pk>/cleaning/recipes/<int:recipe_pk>/delete/", views.recipe_delete, name="cleaning-recipe-delete"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/", views.cleaning_run, name="cleaning-run"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/clusters/<int:source_pk>/", views.cleaning_cluster,
         name="cleaning-cluster"),
]
