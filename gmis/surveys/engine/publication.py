"""公表: what a definition's ``publication`` block may name, checked when it is compiled.

The public search reads each facet from the accepted report's answers by the field key the
definition gives (``PublicationDef``), so a definition names its own fields (a pharmacy's
``phone``, a hospital's ``main_phone``) and no code knows either. Each facet accepts fields
of certain types only, and every field a facet names must be public: the search never
shows, or finds by, what residents may not read.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmis.surveys.engine.definition import PublicationDef, SurveyDefinition
from gmis.surveys.engine.errors import Problem


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    #: The field types whose values the search can read for this facet.
    types: tuple[str, ...]
    #: Several fields (hours, treatments, flags) or one.
    several: bool = False


FACETS = (
    Facet("name", "名称", ("text",)),
    Facet("kana", "フリガナ", ("text",)),
    Facet("address", "所在地", ("text",)),
    Facet("postal_code", "郵便番号", ("postal_code",)),
    Facet("phone", "電話番号", ("phone",)),
    Facet("website", "ホームページ", ("text",)),
    Facet("hours", "曜日別の時間", ("weekly_hours",), several=True),
    Facet("departments", "診療科目", ("multiple_choice",)),
    Facet("treatments", "疾患・治療・サービス", ("multiple_choice",), several=True),
    Facet("languages", "対応言語", ("multiple_choice",)),
    Facet("flags", "条件", ("yes_no", "multiple_choice"), several=True),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}


def facet_fields(publication: PublicationDef, facet: Facet) -> tuple[str, ...]:
    """The field keys ``publication`` gives ``facet`` (none, one or several)."""
    named = getattr(publication, facet.name)
    if facet.several:
        return tuple(named)
    return (named,) if named else ()


def problems(definition: SurveyDefinition, field_types: dict[str, str]) -> list[Problem]:
    """What is wrong with the definition's ``publication`` block, given the types of its
    top-level fields (key → type name)."""
    publication = definition.publication
    if publication is None:
        return []
    found = []
    for facet in FACETS:
        for index, key in enumerate(facet_fields(publication, facet)):
            path = f"publication.{facet.name}" + (f"[{index}]" if facet.several else "")
            field_def = definition.field(key)
            if field_def is None:
                found.append(Problem(path, f"公表の「{facet.label}」に指定した項目キー"
                                           f"「{key}」がありません。"))
            elif field_types.get(key) not in facet.types:
                found.append(Problem(path, f"公表の「{facet.label}」にできるのは"
                                           f"{'・'.join(facet.types)} の項目です"
                                           f"(「{key}」は {field_types.get(key)})。"))
            elif not field_def.public:
                found.append(Problem(path, f"公表の「{facet.label}」に指定した「{key}」が"
                                           "公表しない項目です。public: true にしてください。"))
    return found
