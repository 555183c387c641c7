"""Moving the `production` and `staging` aliases: promotion (admins), proposal (managers) and
rollback, each atomic, fingerprint-checked, written to the alias history and the audit log.

A candidate for production needs a finished evaluation on the test split of the project's gold
snapshot; it is shown against current production on the same documents, and one that is worse on
the primary metric (a classifier's macro F1, a span tagger's exact entity F1) is refused unless the admin writes
why it should go out anyway."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from labeling.models import Role
from studio import audit
from studio.errors import Refusal

from ..ensembles.service import member_folder, members_of
from ..finetuning.classifier_file import ClassifierLoadError
from ..evaluation.compare import compare
from ..models import Alias, AliasChange, EvaluationReport, ModelAlias, ModelVersion, RegisteredModel
from .versions import artifact_sha256

# What decides whether a candidate is worse than production, by the kind of model: (metric, its name).
PRIMARY_METRICS = {RegisteredModel.Kind.CLASSIFIER: ("macro_f1", "macro F1"),
                   RegisteredModel.Kind.TAGGER: ("entity_f1", "entity F1")}


class PromotionError(Refusal):
    """The alias cannot move as asked; the message says why."""


def is_admin(user):
    return user.is_active and (user.is_superuser or (user.is_staff and user.has_perm("studio.promote_model")))


def holder(registered, alias):
    """The version holding `alias` now, or None."""
    found = ModelAlias.objects.select_related("version").filter(registered_model=registered, name=alias).first()
    return found.version if found else None


def gold_evaluation(version, snapshot):
    """The version's latest finished evaluation on the snapshot's test split, or None."""
    if snapshot is None:
        return None
    return (EvaluationReport.objects.select_related("snapshot", "model_version")
            .filter(model_version=version, snapshot=snapshot, split="test", status=EvaluationReport.Status.DONE)
            .order_by("-id").first())


def gold_snapshot_of(version):
    """(the snapshot a candidate is judged on, its named task or None): the project's gold snapshot, or for a
    version that labels a named task (a multi-task fine-tune's head) that task's."""
    task = (version.lineage or {}).get("task")
    project = version.registered_model.project
    if not task:
        return project.gold_snapshot, None
    schema = project.schemas.select_related("gold_snapshot").filter(
        pk=version.lineage.get("task_id") or 0).first()
    return (schema.gold_snapshot if schema else None), task


def promotion_case(version):
    """What an admin sees before promoting: the candidate's and production's gold evaluations, the
    comparison table and paired test, and whether the candidate is worse on the primary metric."""
    registered = version.registered_model
    snapshot, task = gold_snapshot_of(version)
    production = holder(registered, Alias.PRODUCTION)
    metric, metric_name = PRIMARY_METRICS.get(registered.kind, (None, None))
    case = {"snapshot": snapshot, "production": production, "candidate": version, "problems": [], "collapsed": None,
            "candidate_report": gold_evaluation(version, snapshot), "production_report": None, "comparison": None,
            "worse": False, "delta": None, "metric": metric, "metric_name": metric_name, "candidate_figure": None,
            "candidate_interval": None}
    if metric is None:
        case["problems"].append("Only classifiers and span taggers go to production.")
        return case
    if snapshot is None:
        case["problems"].append(f"The task “{task}” has no gold snapshot: a manager sets one on the labels page."
                                if task else
                                "The project has no gold snapshot: a manager sets one in the project's settings.")
        return case
    if case["candidate_report"] is None:
        case["problems"].append(f"{version} has no finished evaluation on the gold snapshot “{snapshot.name}”: "
                                "evaluate it there first.")
        return case
    case["collapsed"] = case["candidate_report"].metrics.get("collapsed") or version.metrics.get("collapsed")
    case["candidate_figure"] = case["candidate_report"].metrics.get(metric)
    case["candidate_interval"] = case["candidate_report"].metrics.get(f"{metric}_interval")
    if production is None or production.pk == version.pk:
        return case
    case["production_report"] = gold_evaluation(production, snapshot)
    if case["production_report"] is None:
        case["worse"] = True  # nothing shows it is not worse
        return case
    case["comparison"] = compare([case["production_report"], case["candidate_report"]])
    before = case["production_report"].metrics.get(metric) or 0.0
    after = case["candidate_report"].metrics.get(metric) or 0.0
    case["delta"] = after - before
    case["worse"] = after < before
    return case


def _verify(version):
    if not version.path.is_dir():
        raise PromotionError(f"{version}'s files are missing.")
    if not version.sha256 or artifact_sha256(version.path) != version.sha256:
        raise PromotionError(f"{version}'s files differ from what was registered (sha256 mismatch): "
                             "it cannot be promoted.")
    for member in members_of(version.path) or ():  # an ensemble: every member's files as it was made with
        try:
            member_folder(member)
        except ClassifierLoadError:
            raise PromotionError(f"{version} is an ensemble whose member {member['name']} is missing or has "
                                 "changed since (sha256 mismatch): it cannot be promoted.") from None


def _move(user, registered, alias, version, action, reason, comparison):
    """Point `alias` at `version` inside the caller's transaction, with its history and audit event."""
    current = ModelAlias.objects.select_for_update().filter(registered_model=registered, name=alias).first()
    previous = current.version if current else None
    if previous is not None and previous.pk == version.pk:
        raise PromotionError(f"{version} already holds {alias}.")
    _verify(version)
    ModelAlias.objects.update_or_create(registered_model=registered, name=alias,
                                        defaults={"version": version, "moved_by": user, "moved_at": timezone.now()})
    change = AliasChange.objects.create(registered_model=registered, alias=alias, action=action, version=version,
                                        previous=previous, reason=reason, comparison=comparison, actor=user)
    audit.record(user, f"model.{action}", version, project_id=registered.project_id, model=registered.name,
                 alias=alias, version=version.version, previous=previous.version if previous else None,
                 reason=reason[:500])
    return change


def _locked(registered_id):
    """The registered model's row locked for this transaction: moves of its aliases run one at a time."""
    return RegisteredModel.objects.select_for_update(of=("self",)).select_related("project__gold_snapshot").get(
        pk=registered_id)


def _summary(case):
    metric = case["metric"]
    return {"metric": metric, "snapshot": case["snapshot"].pk if case["snapshot"] else None,
            "candidate": case["candidate_report"].metrics.get(metric) if case["candidate_report"] else None,
            "production": case["production_report"].metrics.get(metric) if case["production_report"] else None,
            "candidate_report": case["candidate_report"].pk if case["candidate_report"] else None,
            "production_report": case["production_report"].pk if case["production_report"] else None}


def promote(user, version, reason=""):
    """Move `production` to `version` (admins only)."""
    if not is_admin(user):
        raise PermissionDenied("Only admins move production.")
    reason = reason.strip()
    with transaction.atomic():
        registered = _locked(version.registered_model_id)
        version = ModelVersion.objects.get(pk=version.pk)
        version.registered_model = registered
        case = promotion_case(version)
        if case["problems"]:
            raise PromotionError(" ".join(case["problems"]))
        if case["collapsed"] and not reason:
            raise PromotionError(f"{version} is flagged: {case['collapsed']} Write a reason to promote it anyway.")
        if case["worse"] and not reason:
            if case["production_report"] is None:
                raise PromotionError(f"Production ({case['production']}) has no evaluation on the gold snapshot to "
                                     "compare with: evaluate it there, or write a reason to promote anyway.")
            metric = case["metric"]
            raise PromotionError(
                f"{version} is worse than production ({case['production']}) on {case['metric_name']}: "
                f"{case['candidate_report'].metrics[metric]:.3f} against "
                f"{case['production_report'].metrics[metric]:.3f}. Write a reason to promote it anyway.")
        return _move(user, registered, Alias.PRODUCTION, version, AliasChange.Action.PROMOTE, reason, _summary(case))


def propose(user, version, reason=""):
    """Move `staging` to `version`: a manager's proposal for the next production model."""
    if not is_admin(user) and not version.registered_model.project.has_role(Role.MANAGER):
        raise PermissionDenied("Managers and admins move staging.")
    with transaction.atomic():
        registered = _locked(version.registered_model_id)
        if registered.kind not in PRIMARY_METRICS:
            raise PromotionError("Only classifiers and span taggers are staged for production.")
        return _move(user, registered, Alias.STAGING, version, AliasChange.Action.PROPOSE, reason.strip(), {})


def rollback_target(registered):
    """The version that held production before the current one, or None."""
    last = registered.alias_changes.filter(alias=Alias.PRODUCTION).select_related("previous").order_by("-id").first()
    return last.previous if last else None


def rollback(user, registered, reason=""):
    """Production back to the version that held it before (admins only), in one action."""
    if not is_admin(user):
        raise PermissionDenied("Only admins move production.")
    with transaction.atomic():
        registered = _locked(registered.pk)
        target = rollback_target(registered)
        if target is None:
            raise PromotionError("Production has no earlier version to roll back to.")
        return _move(user, registered, Alias.PRODUCTION, target, AliasChange.Action.ROLLBACK,
                     reason.strip() or "Rolled back", {})
