from django.conf import settings
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from pathway.models import Pathway


@require_http_methods(["GET", "HEAD"])
def start(request):
    pathway = Pathway.objects.published().for_slug(settings.PATHWAY_DEFAULT_SLUG).first()
    return TemplateResponse(request, "pathway/start.html", {"pathway": pathway})
