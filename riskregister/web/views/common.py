"""What every view of the pages shares: turning a service's refusal into form errors."""

from django.core.exceptions import ValidationError


def apply_errors(form, error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def write_or_form_errors(form, write):
    """Run a service write for a valid form; a rule it refuses becomes the form's errors (None)."""
    try:
        return write()
    except ValidationError as error:
        apply_errors(form, error)
        return None


def form_status(request) -> int:
    """A page shown again after a POST shows it refused something."""
    return 400 if request.method == "POST" else 200
