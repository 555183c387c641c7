"""How far annotators agree: the pair matrix and per-label figures. Reviewers and managers."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import get_project
from ..models import Role
from ..services import agreement

# Landis and Koch's bands, for the colour of a cell.
BANDS = [(0.8, "almost perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"), (0.0, "slight")]


def band(value):
    if value is None:
        return "undefined"
    return next((name for floor, name in BANDS if value >= floor), "poor")


def pair_matrix(figures):
    names = dict(get_user_model().objects.filter(pk__in=figures["annotators"]).values_list("pk", "username"))
    by_pair = {}
    for row in figures["pairs"]:
        by_pair[(row["first"], row["second"])] = by_pair[(row["second"], row["first"])] = row
    rows = []
    for first in figures["annotators"]:
        cells = []
        for second in figures["annotators"]:
            row = by_pair.get((first, second))
            value = row["cohen_kappa"] if row else None
            cells.append({"self": first == second, "value": value, "band": band(value),
                          "documents": row["documents"] if row else 0})
        rows.append({"name": names.get(first, first), "cells": cells})
    return [names.get(pk, pk) for pk in figures["annotators"]], rows


@login_required
@require_GET
def agreement_page(request, pk):
    project = get_project(request.user, pk, Role.REVIEWER)
    figures = agreement.project_agreement(project)
    names, rows = pair_matrix(figures)
    for row in figures["labels"]:
        row["band"] = band(row["krippendorff_alpha"])
    context = {"project": project, "figures": figures, "names": names, "rows": rows,
               "overall_band": band(figures["krippendorff_alpha"])}
    if figures["spans"] is not None:
        ids = {pk for pair in figures["spans"]["pairs"] for pk in (pair["first"], pair["second"])}
        usernames = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
        context["span_pairs"] = [{**pair, "first_name": usernames.get(pair["first"], pair["first"]),
                                  "second_name": usernames.get(pair["second"], pair["second"])}
                                 for pair in figures["spans"]["pairs"]]
    return render(request, "labeling/agreement.html", context)
