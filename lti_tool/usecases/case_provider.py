"""The CASE provider: what each GET endpoint of the REST binding returns, for 1.0 and 1.1.

Spec: https://www.imsglobal.org/spec/case/v1p1/ (REST/JSON Binding §2-§3, Table 2.1)
Spec: https://www.imsglobal.org/sites/default/files/CASE/casev1p0/rest_binding/caseservicev1p0_restbindv1p0.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.case.export import strict_object
from lti_tool.case.parse import normalise_identifier
from lti_tool.case.vocabulary import DEFINITION_KINDS
from lti_tool.db.case_store import (
    STREAM_BATCH,
    associations_touching,
    definitions_below,
    find_definition,
    find_document,
    find_node,
    iter_definitions,
    iter_node_data,
    iter_node_texts,
    list_documents,
)
from lti_tool.db.models.case import (
    CaseAssociation,
    CaseDocument,
    CaseItem,
    CaseRubric,
)

VERSIONS = {"v1p0": "1.0", "v1p1": "1.1"}
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Spec: REST binding §3.3: `field<op>'value'`, joined by AND or OR.
_FILTER_TERM = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*$")
_SET_KINDS = ("CFItemTypes", "CFSubjects", "CFConcepts")


@dataclass
class ProviderError(Exception):
    """A request the provider answers with an imsx_StatusInfo failure."""

    status: int
    code_minor: str
    description: str

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class Page:
    """One page of CFDocuments and what the pagination headers need."""

    documents: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class CaseProvider:
    """Answers the provider API's requests for one CASE version on one session."""

    def __init__(
        self, session: Session, api_version: str, base_url: str, authorised: bool = False
    ) -> None:
        self.session = session
        self.version = VERSIONS[api_version]
        self.root = f"{base_url}/ims/case/{api_version}"
        # True when the request carries a valid client-credentials token: private frameworks
        # are served too.
        self.authorised = authorised

    # --- helpers ------------------------------------------------------------------------------

    def _ident(self, raw: str) -> str:
        """The normalised identifier from the path, or a 404 invalid_uuid."""
        ident = normalise_identifier(raw)
        if ident is None:
            raise ProviderError(404, "invalid_uuid", f"{raw!r} is not a valid UUID.")
        return ident

    def _visible(self, document: CaseDocument) -> None:
        """Refuse a private framework to an anonymous reader."""
        if document.private and not self.authorised:
            raise ProviderError(
                401,
                "unauthorised_request",
                "This framework is private: request a token with OAuth 2.0 client credentials "
                "and send it as a Bearer token.",
            )

    def _unknown(self, what: str, ident: str) -> ProviderError:
        return ProviderError(404, "unknownobject", f"No {what} with identifier {ident}.")

    def _doc_link(self, document: CaseDocument) -> dict[str, str]:
        return {"title": document.title, "identifier": document.identifier, "uri": document.uri}

    def document_json(self, document: CaseDocument) -> dict[str, Any]:
        """A CFDocument as the CFDocuments endpoints serve it (with its CFPackageURI)."""
        data = strict_object("CFDocument", document.data, self.version)
        if self.version == "1.1":
            data["caseVersion"] = "1.1"
        data["CFPackageURI"] = {
            "title": document.title,
            "identifier": document.identifier,
            "uri": f"{self.root}/CFPackages/{document.identifier}",
        }
        return data

    # --- endpoints ----------------------------------------------------------------------------

    def documents(self, args: Mapping[str, str]) -> Page:
        """GET /CFDocuments with limit, offset, sort, orderBy, filter and fields."""
        limit = _int_arg(args, "limit", DEFAULT_LIMIT, minimum=1)
        offset = _int_arg(args, "offset", 0, minimum=0)
        docs = [
            self.document_json(d)
            for d in list_documents(self.session, include_private=self.authorised)
        ]
        if "filter" in args:
            docs = [d for d in docs if _matches(d, _parse_filter(args["filter"]))]
        sort = args.get("sort")
        order = args.get("orderBy", "asc").lower()
        if order not in ("asc", "desc"):
            raise ProviderError(400, "invalid_selection_field", "orderBy must be asc or desc.")
        if sort and any(_lookup(d, sort) is not None for d in docs):
            docs.sort(key=lambda d: str(_lookup(d, sort) or "").lower(), reverse=order == "desc")
        elif order == "desc":
            docs.reverse()
        total = len(docs)
        page = docs[offset : offset + min(limit, MAX_LIMIT)]
        if "fields" in args:
            names = [f.strip() for f in args["fields"].split(",") if f.strip()]
            if not names:
                raise ProviderError(400, "invalid_selection_field", "fields is empty.")
            page = [{n: d[n] for n in names if n in d} for d in page]
        return Page(page, total, min(limit, MAX_LIMIT), offset)

    def document(self, raw_id: str) -> dict[str, Any]:
        """GET /CFDocuments/{sourcedId}."""
        ident = self._ident(raw_id)
        document = find_document(self.session, ident)
        if document is None:
            raise self._unknown("CFDocument", ident)
        self._visible(document)
        return self.document_json(document)

    def package(self, raw_id: str) -> Iterator[str]:
        """GET /CFPackages/{sourcedId}: the whole package, streamed in pieces of JSON text.

        The lookup happens now (so a 404 is a 404); the nodes are read as the body is sent.
        """
        ident = self._ident(raw_id)
        document = find_document(self.session, ident)
        if document is None:
            raise self._unknown("CFPackage", ident)
        self._visible(document)
        return self._package_chunks(document)

    def _package_chunks(self, document: CaseDocument) -> Iterator[str]:
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        doc = strict_object("CFDocument", document.data, self.version)
        if self.version == "1.1":
            doc["caseVersion"] = "1.1"
        yield '{"CFDocument":' + dumps(doc)
        for key, model, cls in (
            ("CFItems", CaseItem, "CFItem"),
            ("CFAssociations", CaseAssociation, "CFAssociation"),
        ):
            yield f',"{key}":['
            batch: list[str] = []
            first = True
            for strict, text in iter_node_texts(self.session, model, document.id):
                # A node stored exactly as CASE 1.1 writes it goes out as stored.
                if strict and self.version == "1.1":
                    batch.append(text)
                else:
                    batch.append(dumps(strict_object(cls, json.loads(text), self.version)))
                if len(batch) >= STREAM_BATCH:
                    yield ("" if first else ",") + ",".join(batch)
                    first, batch = False, []
            if batch:
                yield ("" if first else ",") + ",".join(batch)
            yield "]"
        defs = {
            kind: [
                strict_object(cls, d, self.version)
                for d in iter_definitions(self.session, document.id, kind)
            ]
            for kind, cls in DEFINITION_KINDS.items()
        }
        yield ',"CFDefinitions":' + dumps(defs)
        rubrics = [
            strict_object("CFRubric", d, self.version)
            for d in iter_node_data(self.session, CaseRubric, document.id)
        ]
        yield ',"CFRubrics":' + dumps(rubrics) + "}"

    def item(self, raw_id: str) -> dict[str, Any]:
        """GET /CFItems/{sourcedId}, with the CFDocumentURI of its framework."""
        ident = self._ident(raw_id)
        found = find_node(self.session, CaseItem, ident)
        if found is None:
            raise self._unknown("CFItem", ident)
        item, document = found
        self._visible(document)
        return {
            **strict_object("CFItem", item.data, self.version),
            "CFDocumentURI": self._doc_link(document),
        }

    def association(self, raw_id: str) -> dict[str, Any]:
        """GET /CFAssociations/{sourcedId}, with the CFDocumentURI of its framework."""
        ident = self._ident(raw_id)
        found = find_node(self.session, CaseAssociation, ident)
        if found is None:
            raise self._unknown("CFAssociation", ident)
        assoc, document = found
        self._visible(document)
        return self._association_json(assoc, document)

    def _association_json(self, assoc: CaseAssociation, document: CaseDocument) -> dict[str, Any]:
        return {
            **strict_object("CFAssociation", assoc.data, self.version),
            "CFDocumentURI": self._doc_link(document),
        }

    def item_associations(self, raw_id: str) -> dict[str, Any]:
        """GET /CFItemAssociations/{sourcedId}: the item and every association it is an end of."""
        item = self.item(raw_id)
        assocs = associations_touching(
            self.session, item["identifier"], include_private=self.authorised
        )
        return {
            "CFItem": item,
            "CFAssociations": [self._association_json(a, d) for a, d in assocs],
        }

    def rubric(self, raw_id: str) -> dict[str, Any]:
        """GET /CFRubrics/{sourcedId}, with its criteria and levels."""
        ident = self._ident(raw_id)
        found = find_node(self.session, CaseRubric, ident)
        if found is None:
            raise self._unknown("CFRubric", ident)
        rubric, document = found
        self._visible(document)
        return strict_object("CFRubric", rubric.data, self.version)

    def definition(self, kind: str, raw_id: str) -> dict[str, Any]:
        """GET /CFLicenses/{id}, /CFAssociationGroupings/{id}: one object; /CFItemTypes/{id},
        /CFSubjects/{id}, /CFConcepts/{id}: a set of the object and those below it by
        hierarchyCode."""
        ident = self._ident(raw_id)
        found = find_definition(self.session, kind, ident)
        if found is None:
            raise self._unknown(DEFINITION_KINDS[kind], ident)
        definition, document = found
        self._visible(document)
        cls = DEFINITION_KINDS[kind]
        data = strict_object(cls, definition.data, self.version)
        if kind not in _SET_KINDS:
            return data
        below = []
        if definition.hierarchy_code:
            below = definitions_below(self.session, document.id, kind, definition.hierarchy_code)
        return {kind: [data, *(strict_object(cls, d.data, self.version) for d in below)]}


def _int_arg(args: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    """An integer query parameter, or a 400 invalid_selection_field."""
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ProviderError(
            400, "invalid_selection_field", f"{name} must be an integer, got {raw!r}."
        ) from None
    if value < minimum:
        raise ProviderError(400, "invalid_selection_field", f"{name} must be at least {minimum}.")
    return value


_DOC_FIELDS = frozenset(
    {
        *("identifier", "uri", "creator", "title", "lastChangeDateTime", "officialSourceURL"),
        *("publisher", "description", "subject", "language", "version", "adoptionStatus"),
        *("statusStartDate", "statusEndDate", "notes", "frameworkType", "caseVersion"),
        *("CFPackageURI", "subjectURI", "licenseURI"),
    }
)


def _lookup(obj: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted path (e.g. CFPackageURI.title), or None."""
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _parse_filter(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Parse `a='x' AND b~'y'` into its joiner and terms; unknown fields are refused."""
    joiners = {j for j in (" AND ", " OR ") if j in text}
    if len(joiners) > 1:
        raise ProviderError(400, "invalid_selection_field", "filter mixes AND and OR.")
    joiner = joiners.pop() if joiners else " AND "
    terms = []
    for part in text.split(joiner):
        match = _FILTER_TERM.match(part)
        if not match:
            raise ProviderError(
                400, "invalid_selection_field", f"filter term {part!r} is malformed."
            )
        field, op, value = match.groups()
        if field.split(".")[0] not in _DOC_FIELDS:
            raise ProviderError(400, "invalid_selection_field", f"cannot filter on {field!r}.")
        terms.append((field, op, value.replace("''", "'")))
    return joiner.strip(), terms


def _matches(doc: dict[str, Any], parsed: tuple[str, list[tuple[str, str, str]]]) -> bool:
    """True when a document satisfies a parsed filter (case-insensitive comparisons)."""
    joiner, terms = parsed
    results = []
    for field, op, value in terms:
        actual = _lookup(doc, field)
        have = json.dumps(actual) if isinstance(actual, list | dict) else str(actual or "")
        have, want = have.lower(), value.lower()
        results.append(
            {
                "=": have == want,
                "!=": have != want,
                ">": have > want,
                ">=": have >= want,
                "<": have < want,
                "<=": have <= want,
                "~": want in have,
            }[op]
        )
    return all(results) if joiner == "AND" else any(results)
