"""Forms of the rankings pages that are not the admin's."""

from django import forms
from django.utils.translation import gettext_lazy as _


class HeadcountImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
