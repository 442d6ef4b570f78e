"""The filter box of a long list of check boxes (複数選択 with many choices, such as the
function reports' 診療科目): rendered by the field type's input template for every list from
``FILTER_FROM`` choices, hidden until the page's script shows it, never sent with the form,
each choice carrying its label folded as searches are."""

from html.parser import HTMLParser

import pytest

from gmis.surveys.engine.fields.choices import MultipleChoiceField
from gmis.surveys.engine.validation import input_name
from gmis.text import search_fold
from tests.fixtures.surveys import compile_builtin


@pytest.fixture(scope="module")
def medical():
    return compile_builtin("medical_function")


class Elements(HTMLParser):
    """Every start tag of a fragment with its attributes, in order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: ("" if v is None else v) for k, v in attrs}))

    def with_attribute(self, name: str) -> list[dict]:
        return [attributes for _tag, attributes in self.tags if name in attributes]


def render(app, survey, key: str, value, **context) -> str:
    field = survey.fields[key]
    with app.test_request_context():
        return app.jinja_env.get_template(field.type.template("input")).render(
            field=field, value=value, name=input_name(key), errors=[], required=False,
            describedby="", input_id=f"f-{key}", **context)


def test_a_long_list_gets_a_filter_box_hidden_until_the_script_shows_it(app, medical):
    choices = medical.fields["departments"].definition.choices
    assert len(choices) >= MultipleChoiceField.FILTER_FROM
    html = render(app, medical, "departments", [choices[0].value, choices[2].value])
    elements = Elements(html)
    (box,) = elements.with_attribute("data-choice-filter")
    assert "hidden" in box  # without JavaScript: the whole list, as before
    assert box["data-choice-filter"] == "f-departments-choices"
    searches = [a for tag, a in elements.tags if tag == "input" and a.get("type") == "search"]
    (search,) = searches
    assert "name" not in search  # never sent, never saved
    assert '<label for="f-departments-filter">選択肢を絞り込む</label>' in html
    assert "<span data-chosen-count>2</span>件選択中" in html


def test_every_choice_carries_its_label_folded_as_searches_are(app, medical):
    field = medical.fields["departments"]
    html = render(app, medical, "departments", [])
    texts = [a["data-filter-text"] for a in Elements(html).with_attribute("data-filter-text")]
    assert texts == [search_fold(choice.label) for choice in field.definition.choices]
    # Every choice is still a check box under the field's one name.
    checkboxes = [a for tag, a in Elements(html).tags
                  if tag == "input" and a.get("name") == "f.departments"]
    assert len(checkboxes) == len(field.definition.choices)


def test_the_treatments_list_is_filterable_too(app, medical):
    html = render(app, medical, "treatments", [])
    assert len(Elements(html).with_attribute("data-choice-filter")) == 1


def test_a_short_list_has_no_filter_box(app, medical):
    field = medical.fields["appointment_methods"]
    assert len(field.definition.choices) < MultipleChoiceField.FILTER_FROM
    html = render(app, medical, "appointment_methods", [])
    assert not Elements(html).with_attribute("data-choice-filter")
    assert not Elements(html).with_attribute("data-filter-text")


def test_a_preview_shows_the_list_without_a_filter_box(app, medical):
    html = render(app, medical, "departments", [], readonly=True)
    assert not Elements(html).with_attribute("data-choice-filter")
