"""Admin for pathway content. Conditions are shown as readable text everywhere."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Prefetch

from pathway import models as pm
from pathway.engine import conditions


class CriterionForm(forms.ModelForm):
    """Edit a criterion's value as text: `3`, `peroneal`, or `peroneal, hip` for in / not in."""

    value_text = forms.CharField(
        label="Value",
        required=False,
        help_text="A number, a code, or for 'in' / 'not in' a comma-separated list of codes. "
        "Empty for 'is answered' / 'is unanswered'.",
    )

    class Meta:
        model = pm.Criterion
        fields = ["group", "subject", "op", "value_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            value = self.instance.value
            self.fields["value_text"].initial = (
                ", ".join(str(v) for v in value) if isinstance(value, list) else
                ("" if value is None else str(value))
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
            tokens = [t.strip() for t in text.strip("[]").split(",") if t.strip()]
            try:
                parsed = [conditions._parse_scalar(t, text) for t in tokens]
            except conditions.ConditionSyntaxError as exc:
                self.add_error("value_text", str(exc))
                parsed = []
            value = parsed if op in conditions.LIST_OPS else (parsed[0] if parsed else None)
            if op not in conditions.LIST_OPS and len(parsed) > 1:
                self.add_error("value_text", f"'{conditions.OPS[op]}' takes one value; use "
                                             "'in' for a list.")
        self.instance.value = value
        return cleaned


class CriterionInlineFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Let the criterion see its (possibly unsaved) owner, so validation can look up the
        # pathway's questions on the add page too.
        setattr(form.instance, self.fk.name, self.instance)
        return form


class CriterionInline(admin.TabularInline):
    model = pm.Criterion
    form = CriterionForm
    formset = CriterionInlineFormSet
    extra = 1
    fields = ["group", "subject", "op", "value_text"]


class RuleCriterionInline(CriterionInline):
    fk_name = "rule"
    verbose_name = "criterion"
    verbose_name_plural = "Condition (same group number = OR; different groups = AND)"


class EnableWhenInline(CriterionInline):
    fk_name = "enables"
    extra = 0
    verbose_name = "enable-when criterion"
    verbose_name_plural = "Ask only when (same group number = OR; different groups = AND)"


class OptionInline(admin.TabularInline):
    model = pm.Option
    extra = 0
    fields = ["order", "code", "label"]


class StepInline(admin.TabularInline):
    model = pm.Step
    extra = 0
    fields = ["order", "code", "title", "intro"]


class TierInline(admin.StackedInline):
    model = pm.Tier
    extra = 0


class LevelInline(admin.StackedInline):
    model = pm.Level
    extra = 0
    autocomplete_fields = ["kb_entry"]


@admin.register(pm.Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "version", "status", "review_by", "published_at"]
    list_filter = ["status", "slug"]
    search_fields = ["title", "slug", "change_note"]
    readonly_fields = ["status", "published_at", "created_at"]
    inlines = [StepInline, TierInline, LevelInline]
    fieldsets = [
        (None, {"fields": ["slug", "version", "title", "status", "published_at", "created_at"]}),
        ("Scope (shown on the start page and every handout)",
         {"fields": ["intended_use", "population", "exclusions", "review_by"]}),
        ("Decisions", {"fields": ["default_tier", "localisation_threshold",
                                  "localisation_margin"]}),
        ("Change note", {"fields": ["change_note"]}),
    ]


@admin.register(pm.Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["code", "prompt", "step", "type", "red_flag", "required", "enable_when_text",
                    "pathway"]
    list_filter = ["pathway", "step__code", "type", "red_flag", "required"]
    search_fields = ["code", "prompt", "help"]
    list_select_related = ["step", "pathway"]
    autocomplete_fields = ["kb_entry"]
    readonly_fields = ["pathway", "enable_when_text"]
    inlines = [OptionInline, EnableWhenInline]
    fields = ["pathway", "step", "order", "code", "type", "prompt", "help", "required",
              "red_flag", "min_value", "max_value", "unit", "kb_entry", "enable_when_text"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("enable_when")

    @admin.display(description="Ask only when")
    def enable_when_text(self, obj: pm.Question) -> str:
        return conditions.format_condition(pm.condition_of(obj.enable_when.all())) or "always"


@admin.register(pm.Rule)
class RuleAdmin(admin.ModelAdmin):
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
        return super().get_queryset(request).prefetch_related(
            Prefetch("criteria", queryset=pm.Criterion.objects.order_by("group", "id"))
        )

    @admin.display(description="When")
    def condition_text(self, obj: pm.Rule) -> str:
        return obj.condition_text() if obj.pk else "Add criteria below, then save."


@admin.register(pm.Criterion)
class CriterionAdmin(admin.ModelAdmin):
    form = CriterionForm
    list_display = ["__str__", "group", "rule", "enables"]
    list_filter = ["op", "rule__pathway"]
    search_fields = ["subject", "rule__code", "enables__code"]
    list_select_related = ["rule", "enables"]
    fields = ["rule", "enables", "group", "subject", "op", "value_text"]
    raw_id_fields = ["rule", "enables"]


@admin.register(pm.Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "order", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title"]


@admin.register(pm.Option)
class OptionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "question", "order"]
    list_filter = ["question__pathway", "question__type"]
    search_fields = ["code", "label", "question__code"]
    list_select_related = ["question"]


@admin.register(pm.Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["rank", "code", "title", "timeframe", "review_interval_days", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title", "clinician_summary", "patient_summary"]


@admin.register(pm.Level)
class LevelAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kb_entry", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["kb_entry"]


@admin.register(pm.RegressionCase)
class RegressionCaseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "expect_tiers", "expect_levels", "pathway"]
    list_filter = ["pathway"]
    search_fields = ["code", "title", "note"]
