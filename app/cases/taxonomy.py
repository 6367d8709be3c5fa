"""The case taxonomy: categories, sub-categories and the vocabularies' labels in kk/ru/en.

Read from ``taxonomy.yaml`` once per process and validated as a whole: every code unique and well
formed, every label present in every language, every vocabulary value labelled. A broken file stops the
app with a message naming the code at fault.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from app.core.cases import Agency, ContactType, Outcome, ReferralOutcome, RiskLevel, Service
from app.core.vocab import Channel, Language

LANGUAGES = ("kk", "ru", "en")  # the console's languages (app.i18n.LANGUAGES)
DEFAULT_PATH = Path(__file__).with_name("taxonomy.yaml")
CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")  # cases.category and cases.sub_category are String(32)

# The enums whose values need labels, by their name in the file.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "channel": Channel,
    "language": Language,
    "contact_type": ContactType,
    "service": Service,
    "risk_level": RiskLevel,
    "outcome": Outcome,
    "agency": Agency,
    "referral_outcome": ReferralOutcome,
}
_VOCABULARY_OF = {enum: name for name, enum in VOCABULARIES.items()}


class TaxonomyError(ValueError):
    """The taxonomy file is broken; the message names the code and what is wrong with it."""


@dataclass(frozen=True)
class Term:
    """A category (``parent`` None) or a sub-category of ``parent``, with its label in each language."""

    code: str
    labels: Mapping[str, str]
    parent: str | None = None
    children: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["ru"]


class Taxonomy:
    """Categories and sub-categories by code, and the labels of every vocabulary value."""

    def __init__(self, terms: dict[str, Term], vocabularies: dict[str, dict[str, Mapping[str, str]]],
                 from_flows: Mapping[str, str | None] | None = None):
        self.terms = terms
        self.vocabularies = vocabularies
        self.from_flows = dict(from_flows or {})

    @property
    def categories(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms.values() if term.parent is None)

    def category(self, code: str | None) -> Term | None:
        term = self.terms.get(code) if code else None
        return term if term is not None and term.parent is None else None

    def category_from_flow(self, flow_category: str | None) -> str | None:
        """The case category a contact starts with, from the category the IVR (or the chat's menus) gave it.

        By the file's ``from_flows``; a flow category that is itself a case category keeps its code.
        """
        if flow_category in self.from_flows:
            return self.from_flows[flow_category]
        return flow_category if self.category(flow_category) else None

    def sub_category(self, code: str | None) -> Term | None:
        term = self.terms.get(code) if code else None
        return term if term is not None and term.parent is not None else None

    def sub_categories(self, category: str) -> tuple[Term, ...]:
        parent = self.category(category)
        return tuple(self.terms[code] for code in parent.children) if parent else ()

    def label(self, code: str | None, lang: str) -> str:
        """A category's or sub-category's label; an unknown code (say, a retired one) shows as itself."""
        if not code:
            return ""
        term = self.terms.get(code)
        return term.label(lang) if term else code

    def term(self, value: StrEnum | None, lang: str) -> str:
        """The label of a vocabulary value, e.g. ``term(Outcome.REFERRED, "kk")``."""
        if value is None:
            return ""
        labels = self.vocabularies[_VOCABULARY_OF[type(value)]][value.value]
        return labels.get(lang) or labels["ru"]

    # --- choices for forms: (value, label) ---------------------------------------------------------

    def category_choices(self, lang: str) -> list[tuple[str, str]]:
        return [(term.code, term.label(lang)) for term in self.categories]

    def sub_category_choices(self, lang: str) -> dict[str, list[tuple[str, str]]]:
        """Sub-categories grouped under their category's label (rendered as <optgroup>s)."""
        return {
            category.label(lang): [(code, self.terms[code].label(lang)) for code in category.children]
            for category in self.categories if category.children
        }

    def choices(self, vocabulary: type[StrEnum], lang: str) -> list[tuple[str, str]]:
        return [(member.value, self.term(member, lang)) for member in vocabulary]


# --- loading and validation ------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (PyYAML would keep the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise TaxonomyError(f"{key!r} appears twice in one mapping (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _labels(where: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where} has no labels (a mapping of {', '.join(LANGUAGES)})")
    for lang in LANGUAGES:
        text = raw.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise TaxonomyError(f"{where} has no {lang} label")
    extra = set(raw) - set(LANGUAGES)
    if extra:
        raise TaxonomyError(f"{where} has labels in unknown languages: {', '.join(sorted(map(str, extra)))}")
    return {lang: raw[lang].strip() for lang in LANGUAGES}


def _entry(raw: object, parent: str | None, terms: dict[str, Term]) -> Term:
    kind = "sub-category" if parent else "category"
    if not isinstance(raw, dict):
        raise TaxonomyError(f"a {kind}{f' of {parent!r}' if parent else ''} is not a mapping: {raw!r}")
    code = raw.get("code")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise TaxonomyError(f"{kind} code {code!r} must be lower-case letters, digits and '_' "
                            f"(at most 32, starting with a letter)")
    if code in terms:
        raise TaxonomyError(f"code {code!r} is used twice")
    allowed = {"code", "labels"} | ({"sub_categories"} if parent is None else set())
    unknown = set(raw) - allowed
    if unknown:
        raise TaxonomyError(f"{kind} {code!r} has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    labels = _labels(f"{kind} {code!r}", raw.get("labels"))
    terms[code] = Term(code, labels, parent)  # registered before its children, so they cannot reuse it
    children = raw.get("sub_categories") or []
    if not isinstance(children, list):
        raise TaxonomyError(f"category {code!r}: sub_categories must be a list")
    codes = tuple(_entry(child, code, terms).code for child in children)
    terms[code] = Term(code, labels, parent, codes)
    return terms[code]


def parse(text: str, source: str = "taxonomy.yaml") -> Taxonomy:
    """Build and validate a taxonomy from YAML text; raise TaxonomyError naming ``source`` and the code."""
    try:
        try:
            raw = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError as error:
            raise TaxonomyError(f"not valid YAML: {error}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("categories"), list) or not raw["categories"]:
            raise TaxonomyError("needs a non-empty 'categories' list")
        terms: dict[str, Term] = {}
        for category in raw["categories"]:
            _entry(category, None, terms)
        vocabularies = _vocabularies(raw.get("vocabularies"))
        from_flows = _from_flows(raw.get("from_flows"), terms)
    except TaxonomyError as error:
        raise TaxonomyError(f"{source}: {error}") from None
    return Taxonomy(terms, vocabularies, from_flows)


def _from_flows(raw: object, terms: dict[str, Term]) -> dict[str, str | None]:
    """Flow category -> case category (or None): every target must be a category, not a sub-category."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TaxonomyError("from_flows must map flow category codes to case category codes (or null)")
    for flow_category, target in raw.items():
        if not isinstance(flow_category, str) or not CODE.fullmatch(flow_category):
            raise TaxonomyError(f"from_flows: {flow_category!r} is not a flow category code")
        if target is not None and (target not in terms or terms[target].parent is not None):
            raise TaxonomyError(f"from_flows: {flow_category!r} maps to {target!r}, which is not a category")
    return dict(raw)


def _vocabularies(raw: object) -> dict[str, dict[str, Mapping[str, str]]]:
    if not isinstance(raw, dict):
        raise TaxonomyError("needs a 'vocabularies' mapping")
    unknown = set(raw) - set(VOCABULARIES)
    if unknown:
        raise TaxonomyError(f"unknown vocabularies: {', '.join(sorted(map(str, unknown)))}")
    result = {}
    for name, enum in VOCABULARIES.items():
        values = raw.get(name)
        if not isinstance(values, dict):
            raise TaxonomyError(f"vocabulary {name!r} is missing")
        expected = {member.value for member in enum}
        missing, extra = sorted(expected - set(values)), sorted(set(map(str, values)) - expected)
        if missing:
            raise TaxonomyError(f"{name} {missing[0]!r} has no labels")
        if extra:
            raise TaxonomyError(f"{name} {extra[0]!r} is not a value of {enum.__name__}")
        result[name] = {value: _labels(f"{name} {value!r}", values[value]) for value in sorted(expected)}
    return result


def load(path: Path = DEFAULT_PATH) -> Taxonomy:
    return parse(path.read_text(encoding="utf-8"), source=str(path.name))


@functools.cache
def taxonomy() -> Taxonomy:
    """The helpline's taxonomy, read and validated on first use in this process."""
    return load()
