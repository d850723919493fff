from django.contrib import admin
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from kb import markdown
from kb.models import (
    ClinicalTest,
    Condition,
    Entry,
    Muscle,
    NerveRoot,
    Reflex,
    RootContribution,
    SensoryRegion,
    Source,
    Treatment,
)

FROZEN = ["published", "retired"]


def used_by_published_content(obj: Source | Entry) -> bool:
    """Cited by, or linked from, a published or retired pathway version: deleting it would
    change what clinicians were shown (the database refuses it too)."""
    if isinstance(obj, Source):
        return (
            obj.rules.filter(pathway__status__in=FROZEN).exists()
            or obj.handout_items.filter(pathway__status__in=FROZEN).exists()
        )
    return (
        obj.questions.filter(pathway__status__in=FROZEN).exists()
        or obj.levels.filter(pathway__status__in=FROZEN).exists()
        or obj.handout_items.filter(pathway__status__in=FROZEN).exists()
    )


class KeepPublishedContentMixin:
    """No delete for a source or entry that published content relies on, one by one or in a
    bulk action (Django refuses a bulk delete that includes one), instead of letting the
    database refuse it with an error page."""

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and used_by_published_content(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Source)
class SourceAdmin(KeepPublishedContentMixin, SimpleHistoryAdmin):
    list_display = ["key", "short_citation", "publisher", "year", "certainty"]
    list_filter = ["certainty", "year"]
    search_fields = ["key", "citation", "publisher"]

    @admin.display(description="Citation")
    def short_citation(self, obj: Source) -> str:
        return obj.citation if len(obj.citation) <= 90 else obj.citation[:87] + "..."


class EntryAdmin(KeepPublishedContentMixin, SimpleHistoryAdmin):
    """Shared admin for every kb kind: searchable, filterable, with a rendered preview."""

    list_display = ["title", "slug", "published", "review_by", "overdue"]
    list_filter = ["published", "review_by"]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["sources"]
    readonly_fields = ["preview"]
    save_on_top = True

    @admin.display(boolean=True, description="Review overdue")
    def overdue(self, obj: Entry) -> bool:
        return obj.review_overdue

    @admin.display(description="Preview of the body")
    def preview(self, obj: Entry):
        if not obj.pk:
            return "Save to see the rendered body."
        numbers = markdown.numbering(obj.texts())
        return format_html(
            '<div class="kb-preview">{}</div><p><a href="{}">Open the public page</a></p>',
            markdown.render(obj.body, numbers),
            obj.get_absolute_url(),
        )


@admin.register(Entry)
class AllEntriesAdmin(admin.ModelAdmin):
    """Every kb entry in one searchable list; add and edit through the kind's own page."""

    list_display = ["title", "kind", "slug", "published", "review_by"]
    list_filter = ["kind", "published"]
    search_fields = ["title", "slug", "summary"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NerveRoot)
class NerveRootAdmin(EntryAdmin):
    list_display = ["code", *EntryAdmin.list_display]


class RootContributionInline(admin.TabularInline):
    model = RootContribution
    extra = 0
    min_num = 1


@admin.register(Muscle)
class MuscleAdmin(EntryAdmin):
    list_display = ["title", "action", "peripheral_nerve", "root_codes", "published", "review_by"]
    inlines = [RootContributionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("contributions__root")

    @admin.display(description="Roots")
    def root_codes(self, obj: Muscle) -> str:
        return ", ".join(f"{c.root.code} ({c.share})" for c in obj.contributions.all())


@admin.register(SensoryRegion)
class SensoryRegionAdmin(EntryAdmin):
    list_display = ["title", "code", "view", "published", "review_by"]
    list_filter = ["view", "roots", *EntryAdmin.list_filter]
    filter_horizontal = ["sources", "roots"]


@admin.register(Reflex)
class ReflexAdmin(EntryAdmin):
    filter_horizontal = ["sources", "roots"]


@admin.register(ClinicalTest)
class ClinicalTestAdmin(EntryAdmin):
    list_filter = ["roots", *EntryAdmin.list_filter]
    filter_horizontal = ["sources", "roots"]


@admin.register(Condition)
class ConditionAdmin(EntryAdmin):
    list_display = ["title", "category", "published", "review_by", "overdue"]
    list_filter = ["category", *EntryAdmin.list_filter]


@admin.register(Treatment)
class TreatmentAdmin(EntryAdmin):
    list_display = ["title", "tier", "published", "review_by", "overdue"]
    list_filter = ["tier", *EntryAdmin.list_filter]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "tier", "published", "review_by"]}),
        (
            "For clinicians",
            {"fields": ["involves", "benefit", "risks", "time_to_effect", "body", "preview"]},
        ),
        ("Sources", {"fields": ["sources"]}),
    ]
