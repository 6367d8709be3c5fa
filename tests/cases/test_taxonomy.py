"""The taxonomy file: every code unique, every label in Kazakh, Russian and English, every message translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app import i18n
from app.cases import forms, services
from app.cases import taxonomy as taxonomy_module
from app.cases.taxonomy import LANGUAGES, VOCABULARIES, TaxonomyError, parse, taxonomy
from app.core import cases as core_cases
from app.core.cases import Agency, ContactType, Outcome
from app.core.flow import Node, NodeType, parse_flow

SOURCE = taxonomy_module.DEFAULT_PATH.read_text(encoding="utf-8")
CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
KAZAKH_LETTERS = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def test_the_file_loads_and_holds_the_issue_s_subjects():
    terms = taxonomy()
    assert {"violence", "child_rights", "family", "mental_health", "legal_information", "social_support",
            "other"} <= {term.code for term in terms.categories}
    for category, subs in {
        "violence": {"physical_violence", "psychological_violence", "sexual_violence", "economic_violence", "neglect"},
        "child_rights": {"school_bullying", "education", "child_labour", "running_away", "online_safety"},
        "family": {"divorce", "child_support", "custody", "family_conflict"},
        "mental_health": {"suicidal_thoughts", "anxiety", "loneliness"},
        "social_support": {"benefits", "housing"},
    }.items():
        assert subs <= {term.code for term in terms.sub_categories(category)}, category
    assert terms.sub_category("divorce").parent == "family"
    assert terms.category("divorce") is None and terms.sub_category("family") is None


def test_every_label_exists_in_every_language_and_is_written_in_it():
    terms = taxonomy()
    labels = [(term.code, term.labels) for term in terms.terms.values()]
    labels += [(f"{name}.{value}", texts) for name, values in terms.vocabularies.items()
               for value, texts in values.items()]
    assert len(labels) > 60
    for code, texts in labels:
        assert set(texts) == set(LANGUAGES), code
        assert all(texts[lang].strip() for lang in LANGUAGES), code
        assert CYRILLIC.search(texts["ru"]) or texts["ru"].isascii(), code  # "QR-код"
        assert not CYRILLIC.search(texts["en"]), code
    # Kazakh labels are Kazakh, not Russian copies: most use letters Russian does not have.
    kazakh = [texts["kk"] for _code, texts in labels if texts["kk"] != texts["ru"]]
    assert len(kazakh) > 0.8 * len(labels)
    assert sum(bool(KAZAKH_LETTERS.search(text)) for text in kazakh) > 0.6 * len(kazakh)


def test_every_vocabulary_value_has_a_label():
    terms = taxonomy()
    for name, enum in VOCABULARIES.items():
        for member in enum:
            assert {terms.term(member, lang) for lang in LANGUAGES} != {""}, f"{name}.{member.value}"
    assert terms.term(Outcome.REFERRED, "ru") == "Перенаправлено в ведомство"
    assert [value for value, _label in terms.choices(ContactType, "en")][:3] == ["substantive", "repeat", "silent"]
    assert "wrong_number" in dict(terms.choices(ContactType, "kk"))


def test_labels_fall_back_and_unknown_codes_show_as_themselves():
    terms = taxonomy()
    assert terms.label("violence", "kk") == "Зорлық-зомбылық"
    assert terms.label("violence", "de") == "Насилие"
    assert terms.label("retired_code", "ru") == "retired_code"
    assert terms.label(None, "ru") == "" and terms.term(None, "ru") == ""
    assert terms.term(Agency.NGO, "en") == "NGO"


def test_choices_in_the_current_language():
    terms = taxonomy()
    assert terms.category_choices("ru")[0] == ("violence", "Насилие")
    groups = terms.sub_category_choices("kk")
    assert groups["Отбасы"][0] == ("divorce", "Ажырасу")
    assert "Басқа" not in groups  # "other" has no sub-categories


def _broken(edit) -> str:
    raw = yaml.safe_load(SOURCE)
    edit(raw)
    return yaml.safe_dump(raw, allow_unicode=True)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda raw: raw["categories"][1]["sub_categories"].append(
        {"code": "neglect", "labels": {"kk": "а", "ru": "б", "en": "c"}}), "code 'neglect' is used twice"),
    (lambda raw: raw["categories"].append(
        {"code": "family", "labels": {"kk": "а", "ru": "б", "en": "c"}}), "code 'family' is used twice"),
    (lambda raw: raw["categories"][0]["sub_categories"].append(
        {"code": "violence", "labels": {"kk": "а", "ru": "б", "en": "c"}}), "code 'violence' is used twice"),
    (lambda raw: raw["categories"][2]["sub_categories"][1]["labels"].pop("kk"),
     "sub-category 'child_support' has no kk label"),
    (lambda raw: raw["categories"][3]["labels"].update(en="  "), "category 'mental_health' has no en label"),
    (lambda raw: raw["categories"][0].pop("labels"), "category 'violence' has no labels"),
    (lambda raw: raw["categories"][0]["labels"].update(de="Gewalt"), "category 'violence' has labels in unknown"),
    (lambda raw: raw["categories"][0].update(code="Violence"), "code 'Violence' must be lower-case"),
    (lambda raw: raw["categories"][0].update(code="v" * 33), "must be lower-case"),
    (lambda raw: raw["categories"][0].update(subcategories=[]), "category 'violence' has unknown keys: subcategories"),
    (lambda raw: raw["vocabularies"]["outcome"].pop("referred"), "outcome 'referred' has no labels"),
    (lambda raw: raw["vocabularies"]["agency"].update(army={"kk": "а", "ru": "б", "en": "c"}),
     "agency 'army' is not a value of Agency"),
    (lambda raw: raw["vocabularies"]["risk_level"]["high"].pop("ru"), "risk_level 'high' has no ru label"),
    (lambda raw: raw["vocabularies"].pop("service"), "vocabulary 'service' is missing"),
    (lambda raw: raw.update(categories=[]), "needs a non-empty 'categories' list"),
    (lambda raw: raw["from_flows"].update(child="school_bullying"),
     "from_flows: 'child' maps to 'school_bullying', which is not a category"),
    (lambda raw: raw["from_flows"].update(child="kids"), "from_flows: 'child' maps to 'kids', which is not a category"),
    (lambda raw: raw.update(from_flows=["child"]), "from_flows must map flow category codes"),
])
def test_a_broken_file_is_refused_naming_the_code(edit, message):
    with pytest.raises(TaxonomyError, match=re.escape(message)) as refused:
        parse(_broken(edit), source="taxonomy.yaml")
    assert str(refused.value).startswith("taxonomy.yaml: ")


def _flow_categories() -> set[str]:
    """Every category a flow of ivr_flows/ gives a contact (queue nodes; "general" when a node names none)."""
    found = set()
    for path in sorted((Path(__file__).parents[2] / "ivr_flows").glob("*.yaml")):
        flow = parse_flow(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        found |= {node.category for node in flow.nodes.values() if node.type is NodeType.QUEUE}
    return found | {Node("x", NodeType.QUEUE).category}


def test_every_flow_category_says_which_case_category_it_starts_the_form_with():
    terms = taxonomy()
    assert _flow_categories() <= set(terms.from_flows), "a flow category is missing from taxonomy.yaml's from_flows"
    assert {code: terms.category_from_flow(code) for code in ("child", "violence", "family", "cannot_talk")} == {
        "child": "child_rights", "violence": "violence", "family": "family", "cannot_talk": None}
    assert terms.category_from_flow("mental_health") == "mental_health"  # a case category keeps its code
    assert terms.category_from_flow("nonsense") is None and terms.category_from_flow(None) is None


def test_a_key_given_twice_in_the_file_is_refused():
    text = SOURCE.replace('    labels: {kk: "Отбасы"', '    code: family2\n    labels: {kk: "Отбасы"', 1)
    with pytest.raises(TaxonomyError, match=r"'code' appears twice in one mapping \(line \d+\)"):
        parse(text)
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        parse("categories: [")


def test_the_taxonomy_is_read_once():
    assert taxonomy() is taxonomy()


# --- the console's texts ---------------------------------------------------------------------------

CATALOGS = i18n.load_catalogs()
CODE = "".join(Path(module.__file__).read_text(encoding="utf-8") for module in (core_cases, forms, services))


def test_every_message_key_the_cases_use_is_translated_in_every_language():
    used = set(re.findall(r'"(case_(?:error|field|save|close|not_chosen)\w*)"', CODE))
    used |= {f"case_field_{name}" for name in ("category", "sub_category", "contact_type", "services",
                                               "risk_level", "outcome", "language", "notes", "referrals")}
    assert len(used) > 25
    for lang in LANGUAGES:
        missing = used - set(CATALOGS[lang])
        assert not missing, (lang, missing)
