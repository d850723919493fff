from django import template

from kb import markdown as markdown_lib

register = template.Library()


@register.filter
def markdown(text: str, numbers=None):
    """Render editor Markdown through the sanitiser; `numbers` numbers the citations."""
    return markdown_lib.render(text, numbers)
