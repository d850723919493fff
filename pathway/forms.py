"""One form per step, built from the snapshot: field names are question codes (a contract)."""

from __future__ import annotations

from typing import Any

from django import forms

from pathway.engine.model import NOTHING, QuestionSpec, Snapshot

# MRC (Oxford) grades and their meaning, shown beside each radio button.
MRC_GRADES = [
    (5, "5 Normal power"),
    (4, "4 Moves against gravity and some resistance"),
    (3, "3 Moves against gravity, not resistance"),
    (2, "2 Moves only with gravity eliminated"),
    (1, "1 Flicker of contraction"),
    (0, "0 No contraction"),
]
NOT_TESTED = ""


def required_message(question: QuestionSpec) -> str:
    codes = question.option_codes
    if "not_assessed" in codes:
        return "Answer this question, or choose 'Not assessed' if you did not ask it."
    if "not_tested" in codes:
        return "Choose a finding, or 'Not tested' if you did not examine it."
    if question.type == "multi":
        return "Tick at least one, or 'None'."
    if question.type == "number":
        return f"Enter a whole number from {question.minimum} to {question.maximum}."
    return "Choose an answer."


def field_for(question: QuestionSpec, *, required: bool) -> forms.Field:
    messages = {"required": required_message(question)}
    if question.type == "number":
        messages |= {
            "invalid": f"Enter a whole number from {question.minimum} to {question.maximum}.",
            "min_value": f"Enter {question.minimum} or more.",
            "max_value": f"Enter {question.maximum} or less.",
        }
        return forms.IntegerField(
            required=required,
            min_value=question.minimum,
            max_value=question.maximum,
            error_messages=messages,
        )
    if question.type == "mrc":
        return forms.TypedChoiceField(
            required=False,
            coerce=int,
            empty_value=None,
            choices=[(str(grade), label) for grade, label in MRC_GRADES]
            + [(NOT_TESTED, "Not tested")],
            error_messages={"invalid_choice": "Choose a grade from 0 to 5, or 'Not tested'."},
        )
    choices = [(option.code, option.label) for option in question.options]
    invalid = {"invalid_choice": "That is not one of the answers: choose one from the list."}
    if question.type == "multi":
        return forms.MultipleChoiceField(
            required=required, choices=choices, error_messages=messages | invalid
        )
    return forms.ChoiceField(required=required, choices=choices, error_messages=messages | invalid)


class StepForm(forms.Form):
    """The questions of one step that are asked, given the answers so far."""

    def __init__(
        self,
        *args: Any,
        questions: list[QuestionSpec],
        enforce_required: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question.code] = field_for(
                question, required=enforce_required and question.required
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for question in self.questions:
            chosen = cleaned.get(question.code)
            if question.type == "multi" and chosen and NOTHING in chosen and len(chosen) > 1:
                self.add_error(question.code, "'None' cannot be ticked with other areas.")
        return cleaned

    def answers(self) -> dict[str, Any]:
        """Cleaned values as engine answers: None for unanswered."""
        out: dict[str, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(question.code)
            if value in ("", [], None):
                value = None
            out[question.code] = value
        return out


def step_questions(snapshot: Snapshot, step: str) -> list[QuestionSpec]:
    return [q for q in snapshot.questions if q.step == step]
