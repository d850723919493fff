"""Admin for pathway content. Conditions are shown as readable text everywhere."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin

from pathway import checks, services, versions
from pathway import models as pm
from pathway.engine import conditions
from pathway.publishing import PublishRefused, approve_case, publish, replacements, retire

admin.site.site_header = "Leg pain pathway: content"
admin.site.site_title = "Leg pain pathway content"
admin.site.index_title = "Clinical content"


class InlineOnlyAdmin:
    """Edited inside its parent's page (a rule's criteria, a question's options, a version's
    steps, tiers and levels): reachable by link, not listed on the home page."""

    def get_model_perms(self, request):
        return {}


def editable(obj) -> bool:
    """Content of a published or retired version is read-only; a draft's is editable."""
    if obj is None:
        return True
    pathway = obj if isinstance(obj, pm.Pathway) else obj.owning_pathway()
    return pathway is None or pathway.is_draft


class VersionedAdmin(SimpleHistoryAdmin):
    """Content of one version: read-only unless the version is a draft; history kept."""

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and editable(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # New content can only go into a draft.
        related = db_field.related_model
        if related is pm.Pathway:
            kwargs["queryset"] = pm.Pathway.objects.filter(status=pm.Pathway.Status.DRAFT)
        elif related in {pm.Step, pm.Rule, pm.Question, pm.HandoutItem}:
            kwargs["queryset"] = related.objects.filter(
                pathway__status=pm.Pathway.Status.DRAFT
            ).select_related("pathway")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DraftInlineMixin:
    """Inlines follow their parent: read-only when it belongs to a published version."""

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and editable(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and editable(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and editable(obj)


def subject_choices(pathway: pm.Pathway | None, *, allow_level: bool) -> list:
    """The version's own questions, grouped by step (with the level for rules): an editor picks
    a finding instead of typing its code."""
    if pathway is None:  # a new rule whose version is not chosen yet: every draft's questions
        questions = pm.Question.objects.filter(pathway__status=pm.Pathway.Status.DRAFT)
    else:
        questions = pathway.questions.all()
    groups: dict[str, dict[str, str]] = {}
    for question in questions.select_related("step").order_by("step__order", "order"):
        groups.setdefault(question.step.title, {})[question.code] = (
            f"{question.prompt} ({question.code})"
        )
    choices: list = [("", "Choose a finding")]
    if allow_level:
        choices.append(("Derived", [("level", "The most likely level (level)")]))
    choices += [
        (step, sorted(items.items(), key=lambda item: item[1])) for step, items in groups.items()
    ]
    return choices


OP_WORDS = {
    "eq": "= (is)",
    "ne": "!= (is not)",
    "in": "in (is one of)",
    "not_in": "not in (is none of)",
    "lt": "< (below)",
    "lte": "<= (at most)",
    "gt": "> (above)",
    "gte": ">= (at least)",
    "contains": "contains (includes)",
    "not_contains": "not contains (does not include)",
    "answered": "is answered",
    "unanswered": "is unanswered",
}


class CriterionForm(forms.ModelForm):
    """A criterion chosen, not typed: the finding from the version's questions, an operator
    that fits it, and its options or a number in its range (the browser narrows the choices as
    they are made; the server checks them all). The value is kept as text: `3`, `peroneal`, or
    `peroneal, hip` for in / not in."""

    subject = forms.ChoiceField(label="Finding", choices=[])
    op = forms.ChoiceField(label="Operator", choices=list(OP_WORDS.items()))
    value_text = forms.CharField(
        label="Value",
        required=False,
        help_text="An option, a number, or for 'in' / 'not in' several options separated by "
        "commas. Empty for 'is answered' / 'is unanswered'.",
    )

    class Meta:
        model = pm.Criterion
        fields = ["group", "subject", "op", "value_text"]

    def __init__(
        self, *args, pathway: pm.Pathway | None = None, allow_level: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        choices = subject_choices(pathway, allow_level=allow_level)
        current = self.instance.subject if self.instance.pk else None
        known = {
            code
            for _, group in choices[1:]
            for code, _ in (group if isinstance(group, list) else [])
        }
        if current and current not in known:  # keep an existing reference visible to fix
            choices.append(("Not in this version", [(current, f"{current} (unknown)")]))
        self.fields["subject"].choices = choices
        url = reverse("admin:pathway_pathway_vocabulary", args=[pathway.pk]) if pathway else ""
        self.fields["subject"].widget.attrs.update(
            {"data-criterion": "subject", "data-vocabulary": url}
        )
        self.fields["op"].widget.attrs["data-criterion"] = "op"
        self.fields["value_text"].widget.attrs["data-criterion"] = "value"
        if self.instance.pk:
            value = self.instance.value
            self.fields["value_text"].initial = (
                ", ".join(str(v) for v in value)
                if isinstance(value, list)
                else ("" if value is None else str(value))
            )

    def clean(self):
        cleaned = super().clean()
        op = cleaned.get("op")
        text = (cleaned.get("value_text") or "").strip()
        if op in conditions.VALUELESS_OPS:
            value = None
            if text:
                self.add_error("value_text", f"'{conditions.OPS[op]}' takes no value.")
        elif not text:
            value = None
            self.add_error("value_text", "This operator needs a value.")
        else:
            try:
                parsed = conditions.parse_values(text)
            except conditions.ConditionSyntaxError as exc:
                self.add_error("value_text", str(exc))
                parsed = []
            value = parsed if op in conditions.LIST_OPS else (parsed[0] if parsed else None)
            if op not in conditions.LIST_OPS and len(parsed) > 1:
                self.add_error(
                    "value_text", f"'{conditions.OPS[op]}' takes one value; use 'in' for a list."
                )
        self.instance.value = value
        return cleaned


class CriterionInlineFormSet(forms.BaseInlineFormSet):
    def get_form_kwargs(self, index):
        owner = self.instance
        pathway = owner.pathway if getattr(owner, "pathway_id", None) else None
        return {
            **super().get_form_kwargs(index),
            "pathway": pathway,
            "allow_level": self.fk.name != "enables",
        }

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Let the criterion see its (possibly unsaved) owner, so validation can look up the
        # pathway's questions on the add page too.
        setattr(form.instance, self.fk.name, self.instance)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        setattr(form.instance, self.fk.name, self.instance)
        return form


class CriterionInline(DraftInlineMixin, admin.TabularInline):
    model = pm.Criterion
    form = CriterionForm
    formset = CriterionInlineFormSet
    extra = 1
    fields = ["group", "subject", "op", "value_text"]

    class Media:
        js = ["js/admin-criteria.js"]
        css = {"all": ["css/admin-extra.css"]}

    def get_fields(self, request, obj=None):
        # A published version's criteria are shown, not edited: the value as written.
        return self.fields if editable(obj) else ["group", "subject", "op", "value_shown"]

    def get_readonly_fields(self, request, obj=None):
        return [] if editable(obj) else ["group", "subject", "op", "value_shown"]

    @admin.display(description="Value")
    def value_shown(self, obj: pm.Criterion) -> str:
        if obj.op in conditions.VALUELESS_OPS:
            return "(none needed)"
        return conditions.format_value(obj.as_criterion().value)


class RuleCriterionInline(CriterionInline):
    fk_name = "rule"
    verbose_name = "criterion"
    verbose_name_plural = "Condition (same group number = OR; different groups = AND)"


class ShownWhenInline(CriterionInline):
    fk_name = "shows"
    extra = 0
    verbose_name = "criterion"
    verbose_name_plural = "Print only when (same group number = OR; different groups = AND)"


class EnableWhenInline(CriterionInline):
    fk_name = "enables"
    extra = 0
    verbose_name = "enable-when criterion"
    verbose_name_plural = "Ask only when (same group number = OR; different groups = AND)"


class OptionInline(DraftInlineMixin, admin.TabularInline):
    model = pm.Option
    extra = 0
    fields = ["order", "code", "label"]


class StepInline(DraftInlineMixin, admin.TabularInline):
    model = pm.Step
    extra = 0
    fields = ["order", "code", "title", "intro"]


class TierInline(DraftInlineMixin, admin.StackedInline):
    model = pm.Tier
    extra = 0


class LevelInline(DraftInlineMixin, admin.StackedInline):
    model = pm.Level
    extra = 0
    autocomplete_fields = ["kb_entry"]


@admin.register(pm.Pathway)
class PathwayAdmin(VersionedAdmin):
    list_display = ["title", "slug", "version", "status", "review_by", "published_at"]
    list_filter = ["status", "slug"]
    search_fields = ["title", "slug", "change_note"]
    readonly_fields = ["status", "published_at", "created_at"]
    inlines = [StepInline, TierInline, LevelInline]
    change_form_template = "admin/pathway/pathway/change_form.html"
    fieldsets = [
        (None, {"fields": ["slug", "version", "title", "status", "published_at", "created_at"]}),
        (
            "Scope (shown on the start page and every handout)",
            {"fields": ["intended_use", "population", "exclusions", "review_by"]},
        ),
        (
            "Decisions",
            {"fields": ["default_tier", "localisation_threshold", "localisation_margin"]},
        ),
        (
            "Patient handout (plain language, reading grade 8 or lower)",
            {"fields": ["patient_intended_use", "safety_net_emergency", "safety_net_urgent"]},
        ),
        ("Change note", {"fields": ["change_note"]}),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/checks/", view(self.checks_view), name="pathway_pathway_checks"),
            path("<int:pk>/cases/", view(self.cases_view), name="pathway_pathway_cases"),
            path("<int:pk>/compare/", view(self.compare_view), name="pathway_pathway_compare"),
            path(
                "<int:pk>/new-draft/", view(self.new_draft_view), name="pathway_pathway_new_draft"
            ),
            path("<int:pk>/publish/", view(self.publish_view), name="pathway_pathway_publish"),
            path("<int:pk>/retire/", view(self.retire_view), name="pathway_pathway_retire"),
            path("<int:pk>/preview/", view(self.preview_view), name="pathway_pathway_preview"),
            path(
                "<int:pk>/vocabulary.json",
                view(self.vocabulary_view),
                name="pathway_pathway_vocabulary",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context.update(self.version_tools(request, obj))
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def version_tools(self, request, obj: pm.Pathway) -> dict:
        user = request.user
        return {
            "can_view_version": self.has_view_permission(request, obj),
            "can_new_draft": user.has_perm("pathway.add_pathway"),
            "can_publish": user.has_perm("pathway.publish_pathway") and obj.is_draft,
            "can_retire": user.has_perm("pathway.publish_pathway")
            and obj.status == pm.Pathway.Status.PUBLISHED,
        }

    def version_or_403(self, request, pk) -> pm.Pathway:
        obj = get_object_or_404(pm.Pathway, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied("You cannot see this pathway's content.")
        return obj

    def page(self, request, template: str, obj: pm.Pathway, title: str, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": title,
            **self.version_tools(request, obj),
            **extra,
        }
        return TemplateResponse(request, template, context)

    def checks_view(self, request, pk):
        obj = self.version_or_403(request, pk)
        findings = checks.run_checks(obj)
        return self.page(
            request,
            "admin/pathway/pathway/checks.html",
            obj,
            f"Checks: {obj}",
            findings=findings,
            errors=[f for f in findings if f.severity == checks.ERROR],
            warnings=[f for f in findings if f.severity == checks.WARNING],
        )

    def cases_view(self, request, pk):
        obj = self.version_or_403(request, pk)
        outcomes = checks.run_cases(obj)
        return self.page(
            request,
            "admin/pathway/pathway/cases.html",
            obj,
            f"Regression cases: {obj}",
            outcomes=outcomes,
            failed=[o for o in outcomes if not o.passed],
        )

    def compare_view(self, request, pk):
        obj = self.version_or_403(request, pk)
        others = pm.Pathway.objects.for_slug(obj.slug).exclude(pk=obj.pk).order_by("-version")
        other_pk = request.GET.get("with")
        other = (
            others.filter(pk=other_pk).first()
            if other_pk and other_pk.isdigit()
            else (others.filter(status=pm.Pathway.Status.PUBLISHED).first() or others.first())
        )
        sections = versions.compare(other, obj) if other else []
        return self.page(
            request,
            "admin/pathway/pathway/compare.html",
            obj,
            f"Compare: {obj}",
            other=other,
            others=others,
            sections=sections,
        )

    def vocabulary_view(self, request, pk):
        """The version's findings for the criterion editor: each question's kind, options and
        range, the levels, and the operators that fit each kind."""
        obj = self.version_or_403(request, pk)
        questions = {
            q.code: {
                "prompt": q.prompt,
                "kind": q.type,
                "options": [[o.code, o.label] for o in q.options.all()],
                "min": 0 if q.type == "mrc" else q.min_value,
                "max": 5 if q.type == "mrc" else q.max_value,
            }
            for q in obj.questions.prefetch_related("options")
        }
        questions["level"] = {
            "prompt": "The most likely level",
            "kind": "level",
            "options": [[lv.code, lv.title] for lv in obj.levels.all()],
            "min": None,
            "max": None,
        }
        return JsonResponse(
            {
                "questions": questions,
                "ops": conditions.OPS,
                "opsByKind": {kind: sorted(ops) for kind, ops in conditions.OPS_BY_KIND.items()},
                "listOps": sorted(conditions.LIST_OPS),
                "valuelessOps": sorted(conditions.VALUELESS_OPS),
            }
        )

    def new_draft_view(self, request, pk):
        return self._post(request, pk, self._new_draft)

    def _new_draft(self, request, obj):
        if not request.user.has_perm("pathway.add_pathway"):
            raise PermissionDenied("Only a content editor can make a new draft.")
        draft = versions.new_draft(obj, user=request.user)
        messages.success(
            request,
            f"Draft version {draft.version} made from version "
            f"{obj.version}. Edit it, run the checks, then publish.",
        )
        return redirect("admin:pathway_pathway_change", draft.pk)

    def publish_view(self, request, pk):
        """What publishing would run and change, the approvals it needs, then Publish."""
        obj = self.version_or_403(request, pk)
        if not request.user.has_perm("pathway.publish_pathway"):
            raise PermissionDenied("Only a clinical publisher can publish.")
        if request.method == "POST" and request.POST.get("action") == "approve":
            try:
                approve_case(
                    obj,
                    user=request.user,
                    code=request.POST.get("case", ""),
                    fingerprint=request.POST.get("fingerprint", ""),
                    reason=request.POST.get("reason", ""),
                )
            except PublishRefused as exc:
                messages.error(request, "Not approved: " + "; ".join(exc.problems) + ".")
            else:
                messages.success(
                    request, f"Approved the change to case {request.POST.get('case')}."
                )
            return redirect("admin:pathway_pathway_publish", obj.pk)
        if request.method == "POST":
            try:
                publish(obj, user=request.user)
            except PublishRefused as exc:
                messages.error(request, f"Version {obj.version} was not published.")
                return self.publish_page(request, obj, exc.report)
            messages.success(
                request, f"Version {obj.version} is published; the previous version is retired."
            )
            return redirect("admin:pathway_pathway_change", obj.pk)
        return self.publish_page(request, obj, checks.gate(obj) if obj.is_draft else None)

    def publish_page(self, request, obj, report):
        live = report.live if report else None
        sections = [s for s in versions.compare(live, obj) if not s.empty] if live else []
        return self.page(
            request,
            "admin/pathway/pathway/publish.html",
            obj,
            f"Publish: {obj}",
            report=report,
            problems=report.problems() if report else [],
            live=live,
            sections=sections,
        )

    def retire_view(self, request, pk):
        """Confirm, and choose the version to publish in its place: never nothing published."""
        obj = self.version_or_403(request, pk)
        if not request.user.has_perm("pathway.publish_pathway"):
            raise PermissionDenied("Only a clinical publisher can retire a version.")
        candidates = replacements(obj)
        if request.method == "POST":
            chosen = request.POST.get("replacement", "")
            replacement = next((c for c in candidates if str(c.pk) == chosen), None)
            try:
                retire(obj, user=request.user, replacement=replacement)
            except PublishRefused as exc:
                messages.error(
                    request,
                    f"Version {obj.version} was not retired: " + "; ".join(exc.problems) + ".",
                )
                return redirect("admin:pathway_pathway_retire", obj.pk)
            messages.success(
                request,
                f"Version {obj.version} is retired; version "
                f"{replacement.version} is published in its place.",
            )
            return redirect("admin:pathway_pathway_change", replacement.pk)
        return self.page(
            request,
            "admin/pathway/pathway/retire.html",
            obj,
            f"Retire: {obj}",
            candidates=candidates,
        )

    def preview_view(self, request, pk):
        return self._post(request, pk, self._preview)

    def _preview(self, request, obj):
        from pathway.snapshot import snapshot_for

        assessment = services.assessment_start(pathway=obj, preview=True)
        first = snapshot_for(obj).steps[0].code
        return redirect(reverse("step", kwargs={"pk": assessment.pk, "step": first}))

    def _post(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return action(request, self.version_or_403(request, pk))


@admin.register(pm.Question)
class QuestionAdmin(VersionedAdmin):
    list_display = [
        "code",
        "prompt",
        "step",
        "type",
        "red_flag",
        "key_exam",
        "required",
        "enable_when_text",
        "pathway",
    ]
    list_filter = ["pathway", "step__code", "type", "red_flag", "key_exam", "required"]
    search_fields = ["code", "prompt", "help"]
    list_select_related = ["step", "pathway"]
    autocomplete_fields = ["kb_entry"]
    readonly_fields = ["pathway", "enable_when_text"]
    inlines = [OptionInline, EnableWhenInline]
    fields = [
        "pathway",
        "step",
        "order",
        "code",
        "type",
        "prompt",
        "help",
        "required",
        "red_flag",
        "key_exam",
        "min_value",
        "max_value",
        "unit",
        "kb_entry",
        "diagram_layer",
        "enable_when_text",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("enable_when")

    @admin.display(description="Ask only when")
    def enable_when_text(self, obj: pm.Question) -> str:
        return conditions.format_condition(pm.condition_of(obj.enable_when.all())) or "always"


@admin.register(pm.Rule)
class RuleAdmin(VersionedAdmin):
    list_display = ["code", "title", "effect", "target", "weight", "condition_text", "pathway"]
    list_filter = ["pathway", "effect", "target"]
    search_fields = ["code", "title", "rationale", "action", "criteria__subject"]
    list_select_related = ["pathway"]
    filter_horizontal = ["sources"]
    readonly_fields = ["condition_text"]
    inlines = [RuleCriterionInline]
    fieldsets = [
        (None, {"fields": ["pathway", "code", "title", "order"]}),
        ("Effect", {"fields": ["effect", "target", "weight"]}),
        ("Condition", {"fields": ["condition_text"]}),
        ("Explanation", {"fields": ["rationale", "action", "patient_line", "sources"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("criteria", queryset=pm.Criterion.objects.order_by("group", "id"))
            )
        )

    @admin.display(description="When")
    def condition_text(self, obj: pm.Rule) -> str:
        return obj.condition_text() if obj.pk else "Add criteria below, then save."


@admin.register(pm.HandoutItem)
class HandoutItemAdmin(VersionedAdmin):
    """What the patient handout prints for each picture: grid options, self-care, medicines."""

    list_display = ["code", "title", "role", "condition_text", "pathway"]
    list_filter = ["pathway", "role"]
    search_fields = ["code", "title", "involves", "benefit", "risks", "recovery"]
    list_select_related = ["pathway"]
    filter_horizontal = ["sources"]
    autocomplete_fields = ["kb_entry"]
    readonly_fields = ["condition_text"]
    inlines = [ShownWhenInline]
    fieldsets = [
        (None, {"fields": ["pathway", "code", "role", "order", "condition_text"]}),
        (
            "For the patient (plain language, reading grade 8 or lower)",
            {"fields": ["title", "involves", "benefit", "risks", "recovery"]},
        ),
        ("For the clinician", {"fields": ["kb_entry", "sources"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("shown_when", queryset=pm.Criterion.objects.order_by("group", "id"))
            )
        )

    @admin.display(description="Printed when")
    def condition_text(self, obj: pm.HandoutItem) -> str:
        return obj.condition_text() if obj.pk else "Add criteria below, then save."


@admin.register(pm.Criterion)
class CriterionAdmin(InlineOnlyAdmin, VersionedAdmin):
    form = CriterionForm
    list_display = ["__str__", "group", "rule", "enables", "shows"]
    list_filter = ["op", "rule__pathway"]
    search_fields = ["subject", "rule__code", "enables__code", "shows__code"]
    list_select_related = ["rule", "enables", "shows"]
    fields = ["rule", "enables", "shows", "group", "subject", "op", "value_text"]
    raw_id_fields = ["rule", "enables", "shows"]


@admin.register(pm.Step)
class StepAdmin(InlineOnlyAdmin, VersionedAdmin):
    list_display = ["title", "code", "order", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title"]


@admin.register(pm.Option)
class OptionAdmin(InlineOnlyAdmin, VersionedAdmin):
    list_display = ["code", "label", "question", "order"]
    list_filter = ["question__pathway", "question__type"]
    search_fields = ["code", "label", "question__code"]
    list_select_related = ["question"]


@admin.register(pm.Tier)
class TierAdmin(InlineOnlyAdmin, VersionedAdmin):
    list_display = [
        "rank",
        "code",
        "title",
        "timeframe",
        "review_interval_days",
        "banner",
        "pathway",
    ]
    list_filter = ["pathway"]
    search_fields = ["code", "title", "clinician_summary", "patient_summary"]


@admin.register(pm.Level)
class LevelAdmin(InlineOnlyAdmin, VersionedAdmin):
    list_display = ["code", "title", "kb_entry", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["kb_entry"]


@admin.register(pm.RegressionCase)
class RegressionCaseAdmin(VersionedAdmin):
    list_display = ["code", "title", "expect_tiers", "expect_levels", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title", "note"]
