"""What an admin add or change page would post back, so a test can change one field and submit it."""

from django.forms import MultiWidget


def _encode(value) -> list[str]:
    if value is None or value is False:
        return []
    if value is True:
        return ["on"]
    if isinstance(value, list | tuple):
        return [str(getattr(item, "pk", item)) for item in value]
    return [str(getattr(value, "pk", value))]


def _form_data(form) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):
            parts = value if isinstance(value, list) else widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = _encode(part)
        else:
            data[bound.html_name] = _encode(value)
    return data


def page_data(response) -> dict[str, list[str]]:
    """The page's form and every inline formset (with its management form), as they stand."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def add_inline_row(data: dict, prefix: str, **fields) -> dict:
    """`data` with one more row in the inline formset `prefix`."""
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = _encode(value)
    return data
