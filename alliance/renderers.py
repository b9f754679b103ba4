"""The form renderer: every form and field on the site is drawn by one pair of templates."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Labels, hints and errors tied to their fields; radios and checkboxes grouped under a legend."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
