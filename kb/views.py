from django.apps import apps
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from kb import markdown
from kb.models import MRC_GRADING_SLUG, Entry, RootContribution, Source
from pathway.compression import gzip_page


@gzip_page
@require_http_methods(["GET", "HEAD"])
def index(request):
    query = request.GET.get("q", "").strip()[:100]
    entries = Entry.objects.published().only("kind", "slug", "title", "summary")
    if query:
        entries = entries.search(query)
    groups = []
    for kind, _ in Entry.Kind.choices:
        items = [e for e in entries if e.kind == kind]
        if items:
            label = apps.get_model("kb", kind)._meta.verbose_name_plural.capitalize()
            groups.append({"kind": kind, "label": label, "entries": items})
    return TemplateResponse(
        request,
        "kb/index.html",
        {"query": query, "groups": groups, "count": sum(len(g["entries"]) for g in groups)},
    )


@gzip_page
@require_http_methods(["GET", "HEAD"])
def entry(request, slug):
    base = get_object_or_404(Entry.objects.published(), slug=slug)
    item = base.specific
    numbers = markdown.numbering(item.texts())
    listed = {s.key: s for s in item.sources.all()}
    cited_keys = [key for key in numbers if key in listed]
    context = {
        "entry": item,
        "numbers": numbers,
        "cited": [listed[key] for key in cited_keys],
        "further": [s for key, s in sorted(listed.items()) if key not in numbers],
        "questions": base.questions.filter(pathway__status="published").select_related("step"),
        "levels": base.levels.filter(pathway__status="published"),
        # What patients are told about this entry, in the live version of each pathway.
        "handout_items": base.handout_items.filter(pathway__status="published"),
    }
    if item.kind == Entry.Kind.ROOT:
        context["contributions"] = (
            RootContribution.objects.filter(root=item, muscle__published=True)
            .select_related("muscle")
            .order_by("share", "muscle__title")
        )
        context["regions"] = item.regions.filter(published=True)
        context["reflexes"] = item.reflexes.filter(published=True)
        context["tests"] = item.tests.filter(published=True)
    elif item.kind == Entry.Kind.MUSCLE:
        context["contributions"] = item.contributions.select_related("root")
        context["grading_slug"] = MRC_GRADING_SLUG
    elif hasattr(item, "roots"):
        context["roots"] = item.roots.filter(published=True)
    if request.htmx:
        # Opened in place from the guided form: the entry's text without the page around it.
        context["sections"] = [
            (item._meta.get_field(name).verbose_name, getattr(item, name))
            for name in item.text_fields
            if getattr(item, name)
        ]
        return TemplateResponse(request, "kb/drawer.html", context)
    return TemplateResponse(request, f"kb/{item.kind}.html", context)


@require_http_methods(["GET", "HEAD"])
def source_list(request):
    return TemplateResponse(request, "kb/source_list.html", {"sources": Source.objects.all()})


@require_http_methods(["GET", "HEAD"])
def source(request, key):
    item = get_object_or_404(
        Source.objects.prefetch_related(
            Prefetch("entries", queryset=Entry.objects.published().order_by("title"))
        ),
        key=key,
    )
    rules = item.rules.filter(pathway__status="published").order_by("title")
    return TemplateResponse(request, "kb/source.html", {"source": item, "rules": rules})
