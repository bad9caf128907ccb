"""JSON-LD 1.1 expansion and conversion to RDF, in safe mode, for the credential vocabularies.

Spec: https://www.w3.org/TR/json-ld11-api/#expansion-algorithm and
https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm

General processors re-process every type-scoped and embedded context each time they meet it;
a ClrCredential meets the same four contexts and a dozen scoped ones hundreds of times. Here an
active context is immutable once built, and each (active context, local context) step is
memoised on the active context, so processing a context again costs one dictionary lookup.

Safe mode, as in Digital Bazaar's jsonld.js: a property the contexts do not define, a relative
`@type` or `@id`, or a JSON-LD feature this module does not implement raises JsonLdError,
because anything silently dropped would be outside the signature.

Supported: term definitions with `@id`, `@type` (`@id`, `@vocab`, `@json`, `@none`, datatypes),
`@container` (`@set`, `@list`, `@graph`), `@context` (property- and type-scoped), `@protected`,
`@prefix`, `@propagate`, `@vocab`; values with `@value`/`@type`, `@list`, `@set`, `@graph`.
Refused: `@language`, `@direction`, `@reverse`, `@index`, `@nest`, `@included`, `@import`,
`@base`, language/index/id/type maps.
"""

from __future__ import annotations

import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from typing import Any

from lti_tool.clr.contexts import load_context
from lti_tool.clr.errors import JsonLdError

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = RDF + "type"
RDF_JSON = RDF + "JSON"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"
XSD_DOUBLE = XSD + "double"

KEYWORDS = frozenset(
    {
        "@base", "@container", "@context", "@default", "@direction", "@embed", "@explicit",
        "@graph", "@id", "@import", "@included", "@index", "@json", "@language", "@list",
        "@nest", "@none", "@omitDefault", "@prefix", "@preserve", "@propagate", "@protected",
        "@requireAll", "@reverse", "@set", "@type", "@value", "@version", "@vocab",
    }
)  # fmt: skip
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+\-.]*|_):[^\s]*$")
_GEN_DELIMS = frozenset(":/?#[]@")
_UNSUPPORTED_KEYS = frozenset(
    {"@language", "@direction", "@reverse", "@index", "@nest", "@included", "@import", "@base"}
)
_UNSET: Any = object()

# A term definition is a plain tuple for speed: (iri, type, container, context, protected, prefix)
_IRI, _TYPE, _CONTAINER, _CONTEXT, _PROTECTED, _PREFIX = range(6)


_ABSOLUTE_CACHE: dict[str, bool] = {}


def is_absolute_iri(value: str) -> bool:
    """True for an absolute IRI or a blank node label (jsonld.js's test)."""
    found = _ABSOLUTE_CACHE.get(value)
    if found is None:
        found = bool(_ABSOLUTE_IRI.match(value))
        if len(_ABSOLUTE_CACHE) < 100_000:
            _ABSOLUTE_CACHE[value] = found
    return found


class ActiveContext:
    """An immutable JSON-LD active context with memoised derivations."""

    __slots__ = ("terms", "vocab", "previous", "_derived", "_iri_cache")

    def __init__(
        self,
        terms: dict[str, tuple[Any, ...]],
        vocab: str | None,
        previous: ActiveContext | None,
    ) -> None:
        """Hold the term definitions; callers never mutate them after construction."""
        self.terms = terms
        self.vocab = vocab
        self.previous = previous
        self._derived: dict[Any, ActiveContext] = {}
        self._iri_cache: dict[str, str | None] = {}

    def derive(self, local: Any, override_protected: bool = False, propagate: bool = True) -> Any:
        """The context that processing `local` on this one gives (memoised when cacheable)."""
        key = _context_key(local)
        if key is None:
            return _process_context(self, local, override_protected, propagate)
        key = (key, override_protected, propagate)
        found = self._derived.get(key)
        if found is None:
            found = _process_context(self, local, override_protected, propagate)
            self._derived[key] = found
        return found

    def expand_vocab(self, value: str) -> str | None:
        """IRI-expand a property name or type (vocab-relative), memoised."""
        try:
            return self._iri_cache[value]
        except KeyError:
            result = _expand_iri(self, value, vocab=True)
            self._iri_cache[value] = result
            return result


# Scoped contexts inside the offline context documents are kept alive for the whole process,
# so their identity is a safe cache key; inline contexts from input documents are not cached.
_STABLE_IDS: set[int] = set()


def _remember_stable(value: Any) -> None:
    """Record the identities of every dict inside a loaded context document."""
    if isinstance(value, dict):
        _STABLE_IDS.add(id(value))
        for item in value.values():
            _remember_stable(item)
    elif isinstance(value, list):
        _STABLE_IDS.add(id(value))
        for item in value:
            _remember_stable(item)


def _loaded(url: str) -> Any:
    """A known context by URL, with its scoped contexts marked cacheable."""
    value = load_context(url)
    if id(value) not in _STABLE_IDS:
        _remember_stable(value)
    return value


def _context_key(local: Any) -> Any:
    """A hashable cache key for a local context, or None when it must not be cached."""
    if local is None or isinstance(local, str):
        return ("v", local)
    if id(local) in _STABLE_IDS:
        return ("id", id(local))
    if isinstance(local, list) and all(isinstance(item, str) for item in local):
        return ("v", tuple(local))
    return None


INITIAL = ActiveContext({}, None, None)


def _process_context(
    active: ActiveContext, local: Any, override_protected: bool, propagate: bool
) -> ActiveContext:
    """Spec: json-ld11-api #context-processing-algorithm (remote contexts: the offline store)."""
    if isinstance(local, dict) and "@propagate" in local:
        propagate = local["@propagate"]
        if not isinstance(propagate, bool):
            raise JsonLdError("invalid @propagate value")
    terms = dict(active.terms)
    vocab = active.vocab
    previous = active.previous
    if not propagate and previous is None:
        previous = active
    for context in local if isinstance(local, list) else [local]:
        if context is None:
            if not override_protected and any(d[_PROTECTED] for d in terms.values()):
                raise JsonLdError("invalid context nullification: protected terms are defined")
            terms, vocab = {}, None
            previous = active if not propagate else None
            continue
        if isinstance(context, str):
            loaded = ActiveContext(terms, vocab, previous).derive(_loaded(context))
            terms, vocab = dict(loaded.terms), loaded.vocab
            continue
        if not isinstance(context, dict):
            raise JsonLdError("invalid local context: a context must be an object, URL or null")
        for key in context:
            if key in _UNSUPPORTED_KEYS:
                raise JsonLdError(f"unsupported JSON-LD feature in a context: {key}")
        if "@version" in context and context["@version"] != 1.1:
            raise JsonLdError("invalid @version value")
        if "@vocab" in context:
            value = context["@vocab"]
            if value is None:
                vocab = None
            elif isinstance(value, str) and is_absolute_iri(value):
                vocab = value
            else:
                raise JsonLdError("unsupported @vocab: only absolute IRIs are accepted")
        scratch = ActiveContext(terms, vocab, previous)
        defined: dict[str, bool] = {}
        protected = context.get("@protected", False)
        for term in context:
            if term in ("@version", "@vocab", "@propagate", "@protected"):
                continue
            _create_term(scratch, context, term, defined, protected, override_protected)
    return ActiveContext(terms, vocab, previous)


def _create_term(
    active: ActiveContext,
    local: dict[str, Any],
    term: str,
    defined: dict[str, bool],
    protected_default: bool,
    override_protected: bool,
) -> None:
    """Spec: json-ld11-api #create-term-definition (subset; see the module docstring)."""
    state = defined.get(term)
    if state is True:
        return
    if state is False:
        raise JsonLdError(f"cyclic IRI mapping for the term {term!r}")
    defined[term] = False
    value = local[term]
    if term in KEYWORDS:
        raise JsonLdError(f"keyword redefinition: {term}")
    if _KEYWORD_LIKE.match(term):
        defined[term] = True
        return
    previous = active.terms.pop(term, None)
    simple = isinstance(value, str)
    if value is None:
        value = {"@id": None}
    elif simple:
        value = {"@id": value}
    elif not isinstance(value, dict):
        raise JsonLdError(f"invalid term definition for {term!r}")
    for key in value:
        if key not in ("@id", "@type", "@container", "@context", "@protected", "@prefix"):
            raise JsonLdError(f"unsupported or invalid key {key} in the definition of {term!r}")
    protected = value.get("@protected", protected_default)
    type_mapping = None
    if "@type" in value:
        raw = value["@type"]
        if not isinstance(raw, str):
            raise JsonLdError(f"invalid type mapping for {term!r}")
        type_mapping = _expand_iri(active, raw, vocab=True, local=local, defined=defined)
        if type_mapping not in ("@id", "@vocab", "@json", "@none") and not (
            type_mapping and not type_mapping.startswith("_:") and is_absolute_iri(type_mapping)
        ):
            raise JsonLdError(f"invalid type mapping for {term!r}")
    prefix = False
    if "@id" in value and value["@id"] != term:
        raw = value["@id"]
        if raw is None:
            iri = None
        elif not isinstance(raw, str):
            raise JsonLdError(f"invalid IRI mapping for {term!r}")
        elif raw not in KEYWORDS and _KEYWORD_LIKE.match(raw):
            defined[term] = True
            return
        else:
            iri = _expand_iri(active, raw, vocab=True, local=local, defined=defined)
            if iri is None or (iri not in KEYWORDS and not is_absolute_iri(iri)):
                raise JsonLdError(f"invalid IRI mapping for {term!r}")
            if iri == "@context":
                raise JsonLdError("invalid keyword alias @context")
            if ":" in term[1:-1] or "/" in term:
                defined[term] = True
                if _expand_iri(active, term, vocab=True, local=local, defined=defined) != iri:
                    raise JsonLdError(f"invalid IRI mapping for {term!r}")
            if ":" not in term and "/" not in term and simple:
                prefix = iri[-1] in _GEN_DELIMS or iri.startswith("_:")
    elif ":" in term[1:]:
        head, suffix = term.split(":", 1)
        if head in local:
            _create_term(active, local, head, defined, protected_default, override_protected)
        head_def = active.terms.get(head)
        iri = head_def[_IRI] + suffix if head_def and head_def[_IRI] else term
    elif "/" in term:
        iri = _expand_iri(active, term, vocab=True)
        if iri is None or not is_absolute_iri(iri):
            raise JsonLdError(f"invalid IRI mapping for {term!r}")
    elif term == "@type":
        iri = "@type"
    elif active.vocab is not None:
        iri = active.vocab + term
    else:
        raise JsonLdError(f"invalid IRI mapping for {term!r}: no @vocab")
    container: frozenset[str] = frozenset()
    if "@container" in value:
        raw = value["@container"]
        items = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(item, str) for item in items):
            raise JsonLdError(f"invalid container mapping for {term!r}")
        container = frozenset(items)
        if not container <= {"@set", "@list", "@graph"} or container == {"@list", "@set"}:
            raise JsonLdError(f"unsupported container mapping for {term!r}: {sorted(container)}")
    if "@prefix" in value:
        if ":" in term or "/" in term or not isinstance(value["@prefix"], bool):
            raise JsonLdError(f"invalid @prefix for {term!r}")
        prefix = value["@prefix"]
    scoped = value.get("@context", _UNSET)
    definition = (iri, type_mapping, container, scoped, bool(protected), prefix)
    if previous is not None and previous[_PROTECTED] and not override_protected:
        if definition[:4] != previous[:4] or definition[_PREFIX] != previous[_PREFIX]:
            raise JsonLdError(f"protected term redefinition: {term!r}")
        definition = previous
    active.terms[term] = definition
    defined[term] = True


def _expand_iri(
    active: ActiveContext,
    value: str,
    vocab: bool = False,
    local: dict[str, Any] | None = None,
    defined: dict[str, bool] | None = None,
) -> str | None:
    """Spec: json-ld11-api #iri-expansion (no @base: relative IRIs stay relative)."""
    if value in KEYWORDS:
        return value
    if _KEYWORD_LIKE.match(value):
        return None
    if local is not None and defined is not None and value in local and not defined.get(value):
        _create_term(active, local, value, defined, False, False)
    definition = active.terms.get(value)
    if definition is not None:
        if definition[_IRI] in KEYWORDS:
            return definition[_IRI]
        if vocab:
            return definition[_IRI]
    if ":" in value[1:]:
        head, suffix = value.split(":", 1)
        if head == "_" or suffix.startswith("//"):
            return value
        if local is not None and defined is not None and head in local and not defined.get(head):
            _create_term(active, local, head, defined, False, False)
        head_def = active.terms.get(head)
        if head_def is not None and head_def[_IRI] and head_def[_PREFIX]:
            return head_def[_IRI] + suffix
        if is_absolute_iri(value):
            return value
    if vocab and active.vocab is not None:
        return active.vocab + value
    return value


def _needs_iri(value: str | None, what: str) -> str:
    """Safe mode: an IRI that stayed relative (or was dropped) is an error."""
    if value is None or not is_absolute_iri(value):
        raise JsonLdError(f"{what} {value!r} is not an absolute IRI (safe mode)")
    return value


def expand(document: Any) -> list[Any]:
    """Expand a JSON-LD document (spec expansion algorithm) in safe mode."""
    result = _expand(INITIAL, None, document, False)
    if isinstance(result, dict) and set(result) == {"@graph"}:
        result = result["@graph"]
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def _expand(active: ActiveContext, prop: str | None, element: Any, from_map: bool) -> Any:
    """Spec: json-ld11-api #expansion-algorithm, steps 1-20 for the supported subset."""
    if element is None:
        return None
    definition = active.terms.get(prop) if prop is not None else None
    scoped = definition[_CONTEXT] if definition is not None else _UNSET
    if isinstance(element, list):
        result: list[Any] = []
        is_list = definition is not None and "@list" in definition[_CONTAINER]
        for item in element:
            expanded = _expand(active, prop, item, from_map)
            if is_list and isinstance(expanded, list):
                expanded = {"@list": expanded}
            if isinstance(expanded, list):
                result.extend(expanded)
            elif expanded is not None:
                result.append(expanded)
        return result
    if not isinstance(element, dict):
        if prop is None or prop == "@graph":
            raise JsonLdError(f"free-floating scalar {element!r} (safe mode)")
        if scoped is not _UNSET:
            active = active.derive(scoped, override_protected=True)
        return _expand_value(active, prop, element)
    if active.previous is not None and not from_map:
        # A value object, or a bare reference {"id": ...}, keeps the type-scoped context.
        expand_vocab = active.expand_vocab
        keeps = any(expand_vocab(key) == "@value" for key in element) or (
            len(element) == 1 and expand_vocab(next(iter(element))) == "@id"
        )
        if not keeps:
            active = active.previous
    if scoped is not _UNSET:
        active = active.derive(scoped, override_protected=True)
    if "@context" in element:
        active = active.derive(element["@context"])
    type_scoped = active
    keys = sorted(element)
    for key in keys:
        if key != "@context" and active.expand_vocab(key) == "@type":
            value = element[key]
            terms = value if isinstance(value, list) else [value]
            if not all(isinstance(term, str) for term in terms):
                raise JsonLdError("invalid type value: types must be strings")
            for term in sorted(terms):
                type_def = type_scoped.terms.get(term)
                if type_def is not None and type_def[_CONTEXT] is not _UNSET:
                    active = active.derive(type_def[_CONTEXT], propagate=False)
    result_map: dict[str, Any] = {}
    for key in keys:
        if key == "@context":
            continue
        value = element[key]
        expanded_prop = active.expand_vocab(key)
        if expanded_prop is None or (
            expanded_prop not in KEYWORDS and not is_absolute_iri(expanded_prop)
        ):
            raise JsonLdError(f"the property {key!r} is not defined by the context (safe mode)")
        if expanded_prop in KEYWORDS:
            _expand_keyword(active, type_scoped, prop, key, expanded_prop, value, result_map)
            continue
        if expanded_prop.startswith("_:"):
            raise JsonLdError(f"the property {key!r} expands to a blank node (safe mode)")
        key_def = active.terms.get(key)
        container = key_def[_CONTAINER] if key_def is not None else frozenset()
        if key_def is not None and key_def[_TYPE] == "@json":
            expanded_value: Any = {"@value": value, "@type": "@json"}
        else:
            expanded_value = _expand(active, key, value, False)
        if expanded_value is None:
            continue
        if "@list" in container and not (
            isinstance(expanded_value, dict) and "@list" in expanded_value
        ):
            items = expanded_value if isinstance(expanded_value, list) else [expanded_value]
            expanded_value = {"@list": items}
        if "@graph" in container:
            items = expanded_value if isinstance(expanded_value, list) else [expanded_value]
            expanded_value = [{"@graph": [item]} for item in items]
        bucket = result_map.setdefault(expanded_prop, [])
        if isinstance(expanded_value, list):
            bucket.extend(expanded_value)
        else:
            bucket.append(expanded_value)
    if "@value" in result_map:
        extra = set(result_map) - {"@value", "@type"}
        if extra:
            raise JsonLdError(f"invalid value object: unexpected {sorted(extra)}")
        if result_map["@value"] is None:
            return None
        if isinstance(result_map.get("@type"), list):
            raise JsonLdError("invalid typed value: @type must be one IRI")
        return result_map
    if "@type" in result_map and not isinstance(result_map["@type"], list):
        result_map["@type"] = [result_map["@type"]]
    if "@set" in result_map:
        if len(result_map) > 1:
            raise JsonLdError("invalid set object")
        return result_map["@set"]
    if "@list" in result_map and len(result_map) > 1:
        raise JsonLdError("invalid list object")
    if prop is None or prop == "@graph":
        if not result_map or "@value" in result_map or "@list" in result_map:
            return None
        if set(result_map) == {"@id"}:
            return None
    return result_map


def _expand_keyword(
    active: ActiveContext,
    type_scoped: ActiveContext,
    prop: str | None,
    key: str,
    keyword: str,
    value: Any,
    result_map: dict[str, Any],
) -> None:
    """Expand one keyword entry of a node or value object into result_map."""
    if keyword in result_map and keyword != "@type":
        raise JsonLdError(f"colliding keywords: {keyword}")
    if keyword == "@id":
        if not isinstance(value, str):
            raise JsonLdError("invalid @id value: must be a string")
        result_map["@id"] = _needs_iri(_expand_iri(active, value), "@id")
    elif keyword == "@type":
        values = value if isinstance(value, list) else [value]
        types = result_map.setdefault("@type", [])
        for item in values:
            if not isinstance(item, str):
                raise JsonLdError("invalid type value: types must be strings")
            expanded = type_scoped.expand_vocab(item)
            types.append(_needs_iri(expanded, f"the type {item!r} expands to"))
    elif keyword == "@graph":
        expanded = _expand(active, "@graph", value, False)
        result_map["@graph"] = _as_list(expanded)
    elif keyword == "@value":
        if value is not None and not isinstance(value, str | int | float | bool):
            raise JsonLdError("invalid value object value")
        result_map["@value"] = value
    elif keyword == "@list":
        if prop is None or prop == "@graph":
            return
        expanded = _expand(active, prop, value, False)
        result_map["@list"] = _as_list(expanded)
    elif keyword == "@set":
        result_map["@set"] = _expand(active, prop, value, False)
    elif keyword == "@json" or keyword in _UNSUPPORTED_KEYS or keyword == "@context":
        raise JsonLdError(f"unsupported JSON-LD feature: {key}")
    else:
        raise JsonLdError(f"invalid use of the keyword {key}")


def _as_list(expanded: Any) -> list[Any]:
    """An expanded value as a list, without nulls."""
    if expanded is None:
        return []
    return (
        [item for item in expanded if item is not None]
        if isinstance(expanded, list)
        else [expanded]
    )


def _expand_value(active: ActiveContext, prop: str, value: Any) -> dict[str, Any]:
    """Spec: json-ld11-api #value-expansion (no default language)."""
    definition = active.terms.get(prop)
    type_mapping = definition[_TYPE] if definition is not None else None
    if isinstance(value, str) and type_mapping == "@id":
        return {"@id": _needs_iri(_expand_iri(active, value), "@id")}
    if isinstance(value, str) and type_mapping == "@vocab":
        return {"@id": _needs_iri(active.expand_vocab(value), "@id")}
    if type_mapping is not None and type_mapping not in ("@id", "@vocab", "@none", "@json"):
        return {"@value": value, "@type": type_mapping}
    return {"@value": value}


# ---------------------------------------------------------------------------------------------
# Expanded JSON-LD to an RDF dataset
# ---------------------------------------------------------------------------------------------

# A term is ("I", iri) / ("B", label) / ("L", lexical, datatype); a quad is (s, p, o, g|None).
Term = tuple[str, ...]
Quad = tuple[Term, Term, Term, Term | None]


class _Dataset:
    """Collects quads, giving blank nodes document-wide labels."""

    def __init__(self) -> None:
        """Start empty."""
        self.quads: dict[Quad, None] = {}
        # JSON-LD's node map merges equal values but never list objects, so an empty list
        # met twice on one node yields its rdf:nil quad twice (jsonld.js and PyLD agree).
        self.repeated: list[Quad] = []
        self._labels: dict[str, str] = {}
        self._counter = count()

    def fresh(self) -> Term:
        """A new blank node."""
        return ("B", f"b{next(self._counter)}")

    def node_term(self, iri: str) -> Term:
        """An IRI or a (relabelled) blank node named in the document."""
        if iri.startswith("_:"):
            label = self._labels.get(iri)
            if label is None:
                label = self._labels[iri] = f"b{next(self._counter)}"
            return ("B", label)
        return ("I", iri)

    def node(self, node: dict[str, Any], graph: Term | None) -> Term:
        """Emit a node object's quads into graph; return its subject."""
        subject = self.node_term(node["@id"]) if "@id" in node else self.fresh()
        for kind in node.get("@type", ()):
            self.quads[(subject, ("I", RDF_TYPE), self.node_term(kind), graph)] = None
        for prop, values in node.items():
            if prop == "@graph":
                for item in values:
                    if "@value" not in item and "@list" not in item:
                        self.node(item, subject)
                continue
            if prop[0] == "@":
                continue
            predicate = ("I", prop)
            for value in values:
                obj = self.object(value, graph)
                if obj is None:
                    continue
                if "@list" in value and not value["@list"]:
                    self.repeated.append((subject, predicate, obj, graph))
                else:
                    self.quads[(subject, predicate, obj, graph)] = None
        return subject

    def object(self, value: dict[str, Any], graph: Term | None) -> Term | None:
        """The RDF term for an expanded value, emitting nested nodes, graphs and lists."""
        if "@value" in value:
            return _literal(value["@value"], value.get("@type"))
        if "@list" in value:
            items = [self.object(item, graph) for item in value["@list"]]
            items = [item for item in items if item is not None]
            if not items:
                return ("I", RDF + "nil")
            head = self.fresh()
            current = head
            for index, item in enumerate(items):
                self.quads[(current, ("I", RDF + "first"), item, graph)] = None
                rest = ("I", RDF + "nil") if index == len(items) - 1 else self.fresh()
                self.quads[(current, ("I", RDF + "rest"), rest, graph)] = None
                current = rest
            return head
        if "@graph" in value and "@id" not in value:
            name = self.fresh()
            for item in value["@graph"]:
                self.node(item, name)
            return name
        return self.node(value, graph)


def _literal(value: Any, datatype: str | None) -> Term:
    """Spec: json-ld11-api #object-to-rdf (numbers as jsonld.js writes them)."""
    if datatype == "@json":
        return ("L", canonical_json(value), RDF_JSON)
    if isinstance(value, bool):
        return ("L", "true" if value else "false", datatype or XSD_BOOLEAN)
    if isinstance(value, int | float):
        return _number(value, datatype)
    return ("L", value, datatype or XSD_STRING)


def _number(value: int | float, datatype: str | None) -> Term:
    """A number as jsonld.js writes it, so that a JavaScript verifier hashes the same bytes.

    JavaScript has one number type: JSON.parse keeps 53 bits of an integer, `2.0` is the
    integer 2, and jsonld.js calls a number a double when `String(n)` has a '.' or |n| >= 1e21
    (so 1e-7, printed "1e-7", is written with toFixed(0) as "0").
    """
    if isinstance(value, int) and abs(value) > 2**53:
        value = float(value)
    if isinstance(value, int):
        is_double = False
    elif not math.isfinite(value):
        raise JsonLdError("a number in a credential must be finite")
    elif abs(value) >= 1e21:
        is_double = True
    elif value.is_integer():
        is_double = False
    elif abs(value) >= 1e-6:
        is_double = True
    else:
        is_double = "." in repr(value)
    if is_double or datatype == XSD_DOUBLE:
        return ("L", canonical_double(float(value)), datatype or XSD_DOUBLE)
    if isinstance(value, float) and not value.is_integer():
        text = "-0" if value < 0 else "0"
    else:
        text = str(int(value))
    return ("L", text, datatype or XSD_INTEGER)


def canonical_double(value: float) -> str:
    """xsd:double canonical form as jsonld.js writes it (`1.5E0`, `1.0E-7`).

    JavaScript's toExponential(15) rounds the exact binary value to 16 significant digits,
    ties away from zero (Python's formatting rounds ties to even), then the zeros go.
    """
    if not math.isfinite(value):
        raise JsonLdError("a number in a credential must be finite")
    if value == 0:
        return "0.0E0"
    exact = Decimal(value)
    sign = "-" if exact < 0 else ""
    exact = abs(exact)
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(_SIXTEEN_DIGITS, rounding=ROUND_HALF_UP)
    if mantissa >= 10:
        exponent += 1
        mantissa = (mantissa / 10).quantize(_SIXTEEN_DIGITS, rounding=ROUND_HALF_UP)
    whole, fraction = str(mantissa).split(".")
    return f"{sign}{whole}.{fraction.rstrip('0') or '0'}E{exponent}"


_SIXTEEN_DIGITS = Decimal("1.000000000000000")


def canonical_json(value: Any) -> str:
    """RFC 8785 (JCS) serialisation for `@json` literals (strings, integers, nesting)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def to_rdf(document: Any) -> list[Quad]:
    """The RDF dataset of a JSON-LD document (safe mode), as JSON-LD processors produce it."""
    dataset = _Dataset()
    for node in expand(document):
        if "@value" in node or "@list" in node:
            continue
        if "@graph" in node and set(node) <= {"@graph", "@id"} and "@id" not in node:
            for item in node["@graph"]:
                dataset.node(item, None)
            continue
        dataset.node(node, None)
    return [*dataset.quads, *dataset.repeated]
