"""Small template helpers shared by every page."""

from decimal import Decimal

from django import template
from django.utils.html import format_html_join
from django.utils.text import capfirst
from django.utils.translation import pgettext

from quizsite.naming import SPACE_AFTER_FULL_WIDTH

register = template.Library()

_WIDGET_CLASSES = {"select": "form-select", "checkbox": "form-check-input", "file": "form-control"}


@register.filter
def bs(field, labelled: str = ""):
    """Render a bound form field with the Bootstrap class for its widget (and is-invalid).

    `labelled` ("labelled"): the field's label becomes its box's accessible name (aria-label),
    for a box whose visible label is a column heading, not a <label> of its own (a formset's table)."""
    input_type = getattr(field.field.widget, "input_type", "textarea")
    css = _WIDGET_CLASSES.get(input_type, "form-control")
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if labelled:
        attrs["aria-label"] = capfirst(str(field.label))
    return field.as_widget(attrs=attrs)


@register.filter
def in_section(path: str, section_url: str) -> bool:
    """The page at `path` belongs to the tab bar's section at `section_url`: the section's own page
    or one under it (an attempt under /study/ is Study); the home page only itself."""
    return path == section_url or (section_url != "/" and path.startswith(section_url))


@register.filter
def is_checkbox(field) -> bool:
    return getattr(field.field.widget, "input_type", "") == "checkbox" and not is_checkbox_list(field)


@register.filter
def is_checkbox_list(field) -> bool:
    """A choice of several boxes to tick (`CheckboxSelectMultiple`), laid out as a group."""
    return getattr(field.field.widget, "allow_multiple_selected", False) and is_checkbox_widget(field)


def is_checkbox_widget(field) -> bool:
    return getattr(field.field.widget, "input_type", "") == "checkbox"


@register.filter
def tag_list(tags) -> str:
    """Question tags (names, or Tag objects) as one text, the same way on every page:
    党章、理想信念 in Chinese, "Party Constitution, Ideals" in English."""
    return pgettext("between list items", ", ").join(getattr(tag, "name", tag) for tag in tags)


@register.filter
def tag_chips(tags) -> str:
    """Question tags as one chip each, the same way on every page: a point's name may hold a
    comma or 、 (typed in the editor), which a joined text could not tell from two points."""
    names = [getattr(tag, "name", tag) for tag in tags]
    if not names:
        return "—"
    return format_html_join(" ", '<span class="badge text-bg-light border qs-tag">{}</span>', ((n,) for n in names))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def clock(seconds) -> str:
    """Seconds as m:ss, or h:mm:ss from an hour up: a video's length, the same in every language."""
    if seconds in (None, ""):
        return ""
    hours, rest = divmod(round(float(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def query_with_page(context, param: str, number: int) -> str:
    """The current query string with the page parameter `param` set to `number`: a page with two
    paged tables pages each by its own parameter, and each link keeps the other's page."""
    return query_with(context, **{param: number})


class SentencesNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        return SPACE_AFTER_FULL_WIDTH.sub("", self.nodelist.render(context))


@register.tag
def sentences(parser, token):
    """Render the enclosed sentences, dropping the layout whitespace after full-width punctuation.

    Sentences translated one by one and laid out on separate lines (or joined with " ") keep
    their space in English; in Chinese "可作答 2 次。取最高一次成绩。" takes none.
    """
    nodelist = parser.parse(("endsentences",))
    parser.delete_first_token()
    return SentencesNode(nodelist)


@register.filter
def hours(value) -> str:
    """Study hours as few digits as they need: 0.25, 0.5, 1 (floatformat:"-2" writes 0.50)."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).quantize(Decimal("0.01")).normalize()
    return f"{number:f}"


@register.inclusion_tag("includes/form_errors.html")
def form_errors(*forms, banner_id: str = "form-errors") -> dict:
    """The summary at the top of a page whose form came back with errors ("Nothing was saved: fix
    what is marked below."), shown when any of `forms` (forms or formsets) has one; the messages
    themselves stay beside their fields."""
    failed = any(
        form.total_error_count() if hasattr(form, "total_error_count") else getattr(form, "errors", None)
        for form in forms
    )
    return {"failed": failed, "banner_id": banner_id}
