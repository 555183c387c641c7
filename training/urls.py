from django.urls import path

from . import evaluation_views, model_views, registry_views, views

urlpatterns = [
    path("projects/<int:pk>/models/finetune/", evaluation_views.finetune, name="finetune"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/evaluate/", evaluation_views.evaluate_version,
         name="model-version-evaluate"),
    path("projects/<int:pk>/evaluations/<int:report_pk>/", evaluation_views.report_detail, name="evaluation-report"),
    path("projects/<int:pk>/evaluations/compare/", evaluation_views.comparison, name="evaluation-compare"),
    path("projects/<int:pk>/models/", model_views.model_list, name="model-list"),
    path("projects/<int:pk>/models/pretrain/", model_views.pretrain, name="pretrain"),
    path("projects/<int:pk>/models/retraining/", registry_views.retraining, name="model-retraining"),
    path("projects/<int:pk>/models/<int:model_pk>/", registry_views.registered_model, name="registered-model"),
    path("projects/<int:pk>/models/<int:model_pk>/rollback/", registry_views.rollback, name="model-rollback"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/promote/", registry_views.promote,
         name="model-version-promote"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/predict/", registry_views.predict_corpus,
         name="model-version-predict"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/", model_views.version_detail, name="model-version"),
    path("projects/<int:pk>/models/versions/<int:version_pk>/download/", model_views.version_download,
         name="model-version-download"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/clean/", views.clean_corpus, name="corpus-clean"),
    path("projects/<int:pk>/cleaning/recipes/<int:recipe_pk>/delete/", views.recipe_delete, name="cleaning-recipe-delete"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/", views.cleaning_run, name="cleaning-run"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/clusters/<int:source_pk>/", views.cleaning_cluster,
         name="cleaning-cluster"),
]
