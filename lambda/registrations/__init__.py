"""The custom-resource provider of ``Registration`` (``handler.main``) and the field-definition checks it shares
with the construct (``definitions``)."""
