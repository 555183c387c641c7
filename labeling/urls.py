from django.urls import path

from .views import agreement, annotate, corpora, dashboard, jobs, labels, members, projects, review

urlpatterns = [
    path("projects/", projects.project_list, name="project-list"),
    path("projects/new/", projects.project_create, name="project-create"),
    path("projects/<int:pk>/", projects.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project-edit"),
    path("projects/<int:pk>/members/", members.member_list, name="member-list"),
    path("projects/<int:pk>/members/<int:member_pk>/role/", members.member_role, name="member-role"),
    path("projects/<int:pk>/members/<int:member_pk>/remove/", members.member_remove, name="member-remove"),
    path("projects/<int:pk>/labels/", labels.label_list, name="label-list"),
    path("projects/<int:pk>/labels/schema/", labels.schema_update, name="schema-update"),
    path("projects/<int:pk>/labels/add/", labels.label_add, name="label-add"),
    path("projects/<int:pk>/labels/<int:label_pk>/", labels.label_update, name="label-update"),
    path("projects/<int:pk>/labels/<int:label_pk>/delete/", labels.label_delete, name="label-delete"),
    path("projects/<int:pk>/annotate/", annotate.annotate, name="annotate"),
    path("projects/<int:pk>/dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("projects/<int:pk>/review/", review.review_list, name="review-list"),
    path("projects/<int:pk>/review/<int:document_pk>/", review.review_document, name="review-document"),
    path("projects/<int:pk>/annotations/<int:annotation_pk>/reject/", review.annotation_reject, name="annotation-reject"),
    path("projects/<int:pk>/agreement/", agreement.agreement_page, name="agreement"),
    path("projects/<int:pk>/annotate/undo/", annotate.annotate_undo, name="annotate-undo"),
    path("projects/<int:pk>/annotate/<int:document_pk>/submit/", annotate.annotate_submit, name="annotate-submit"),
    path("projects/<int:pk>/annotate/<int:document_pk>/skip/", annotate.annotate_skip, name="annotate-skip"),
    path("projects/<int:pk>/jobs/", jobs.project_jobs, name="project-jobs"),
    path("projects/<int:pk>/corpora/upload/", corpora.corpus_upload, name="corpus-upload"),
    path("projects/<int:pk>/corpora/server-file/", corpora.corpus_server_file, name="corpus-server-file"),
    path("projects/<int:pk>/uploads/<int:upload_pk>/map/", corpora.upload_map, name="upload-map"),
    path("projects/<int:pk>/corpora/<int:corpus_pk>/", corpora.corpus_detail, name="corpus-detail"),
    path("projects/<int:pk>/documents/<int:document_pk>/", corpora.document_detail, name="document-detail"),
]
