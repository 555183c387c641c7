"""Training's routes, stage by stage: pages, and the API under api/ (mounted once by the shell)."""

from django.urls import include, path, re_path

from .cleaning import api as cleaning_api
from .cleaning import views as cleaning
from .ensembles import api as ensemble_api
from .ensembles import views as ensembles
from .evaluation import api as evaluation_api
from .evaluation import views as evaluation
from .finetuning import api as finetuning_api
from .finetuning import views as finetuning
from .onnx_export import api as onnx_api
from .onnx_export import views as onnx_export
from .pretraining import api as pretraining_api
from .pretraining import views as pretraining
from .registry import api as registry_api
from .registry import views as registry
from .retraining import api as retraining_api
from .retraining import views as retraining
from .serving import api as serving_api
from .serving import views as serving

P = "projects/<int:project_pk>/"
api_patterns = [
    path(P + "corpora/<int:pk>/clean/", cleaning_api.CleanCorpus.as_view(), name="api-corpus-clean"),
    path(P + "corpora/<int:pk>/phi-spans/", cleaning_api.ProposePhiSpans.as_view(), name="api-corpus-phi-spans"),
    path(P + "cleaning/defaults/", cleaning_api.RecipeDefaults.as_view(), name="api-cleaning-defaults"),
    path(P + "cleaning/recipes/", cleaning_api.RecipeList.as_view(), name="api-recipe-list"),
    path(P + "cleaning/recipes/<int:pk>/", cleaning_api.RecipeDetail.as_view(), name="api-recipe-detail"),
    path(P + "cleaning/runs/", cleaning_api.RunList.as_view(), name="api-cleaning-runs"),
    path(P + "cleaning/runs/<int:pk>/", cleaning_api.RunDetail.as_view(), name="api-cleaning-run"),
    path(P + "cleaning/runs/<int:pk>/clusters/", cleaning_api.RunClusters.as_view(), name="api-cleaning-clusters"),
    path(P + "pretraining/", pretraining_api.PretrainingList.as_view(), name="api-pretraining-list"),
    path(P + "pretraining/defaults/", pretraining_api.PretrainingDefaults.as_view(), name="api-pretraining-defaults"),
    path(P + "finetuning/", finetuning_api.FinetuningList.as_view(), name="api-finetuning-list"),
    path(P + "finetuning/defaults/", finetuning_api.FinetuningDefaults.as_view(), name="api-finetuning-defaults"),
    path(P + "evaluations/", evaluation_api.EvaluationList.as_view(), name="api-evaluation-list"),
    path(P + "evaluations/compare/", evaluation_api.EvaluationComparison.as_view(), name="api-evaluation-compare"),
    path(P + "evaluations/<int:pk>/", evaluation_api.EvaluationDetail.as_view(), name="api-evaluation"),
    path(P + "models/", registry_api.ModelList.as_view(), name="api-model-list"),
    path(P + "ensembles/", ensemble_api.EnsembleCreate.as_view(), name="api-ensembles"),
    path(P + "model-versions/<int:pk>/", registry_api.ModelVersionDetail.as_view(), name="api-model-version"),
    path(P + "model-versions/<int:pk>/download/", registry_api.ModelVersionDownload.as_view(),
         name="api-model-version-download"),
    path(P + "model-versions/<int:pk>/promotion/", registry_api.PromotionCase.as_view(),
         name="api-model-version-promotion"),
    path(P + "model-versions/<int:pk>/aliases/", registry_api.AliasMove.as_view(), name="api-model-version-aliases"),
    path(P + "models/<int:pk>/history/", registry_api.AliasHistory.as_view(), name="api-model-history"),
    path(P + "models/<int:pk>/rollback/", registry_api.Rollback.as_view(), name="api-model-rollback"),
    path(P + "model-versions/<int:pk>/onnx/", onnx_api.OnnxExport.as_view(), name="api-model-version-onnx"),
    path(P + "model-versions/<int:pk>/predict-corpus/", serving_api.PredictCorpus.as_view(),
         name="api-model-version-predict-corpus"),
    re_path(r"^projects/(?P<project_pk>[0-9]+)/predict/?$", serving_api.Predict.as_view(), name="api-predict"),
    path(P + "retrain-policy/", retraining_api.RetrainPolicyDetail.as_view(), name="api-retrain-policy"),
    path(P + "retrain-policy/run/", retraining_api.RetrainNow.as_view(), name="api-retrain-now"),
]

V = "projects/<int:pk>/models/versions/<int:version_pk>/"
urlpatterns = [
    path("api/", include(api_patterns)),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/clean/", cleaning.clean_corpus, name="corpus-clean"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/phi-spans/", cleaning.propose_phi_spans, name="corpus-phi-spans"),
    path("projects/<int:pk>/cleaning/recipes/<int:recipe_pk>/delete/", cleaning.recipe_delete,
         name="cleaning-recipe-delete"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/", cleaning.cleaning_run, name="cleaning-run"),
    path("projects/<int:pk>/cleaning/<int:run_pk>/clusters/<int:source_pk>/", cleaning.cleaning_cluster,
         name="cleaning-cluster"),
    path("projects/<int:pk>/models/", registry.model_list, name="model-list"),
    path("projects/<int:pk>/models/ensemble/", ensembles.ensemble_create, name="ensemble-create"),
    path("projects/<int:pk>/models/pretrain/", pretraining.pretrain, name="pretrain"),
    path("projects/<int:pk>/models/finetune/", finetuning.finetune, name="finetune"),
    path("projects/<int:pk>/models/retraining/", retraining.retraining, name="model-retraining"),
    path("projects/<int:pk>/models/<int:model_pk>/", registry.registered_model, name="registered-model"),
    path("projects/<int:pk>/models/<int:model_pk>/rollback/", registry.rollback, name="model-rollback"),
    path(V, registry.version_detail, name="model-version"),
    path(V + "download/", registry.version_download, name="model-version-download"),
    path(V + "promote/", registry.promote, name="model-version-promote"),
    path(V + "predict/", serving.predict_corpus, name="model-version-predict"),
    path(V + "onnx/", onnx_export.export_onnx, name="model-version-onnx"),
    path(V + "evaluate/", evaluation.evaluate_version, name="model-version-evaluate"),
    path("projects/<int:pk>/evaluations/<int:report_pk>/", evaluation.report_detail, name="evaluation-report"),
    path("projects/<int:pk>/evaluations/compare/", evaluation.comparison, name="evaluation-compare"),
]
