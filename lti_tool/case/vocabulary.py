"""CASE vocabulary: association types, the fields of every class in CASE 1.0 and 1.1.

Spec: https://www.imsglobal.org/spec/case/v1p1/impl (Information Model §7, REST/JSON binding)
Spec: https://www.imsglobal.org/sites/default/files/CASE/casev1p0/information_model/caseservicev1p0_infomodelv1p0.html
"""

from __future__ import annotations

import re

# Spec: CASE 1.1 Information Model §7.4.1 CFAssociationTypeExtEnum.
ASSOCIATION_TYPES_10 = (
    "isChildOf",
    "isPeerOf",
    "isPartOf",
    "exactMatchOf",
    "precedes",
    "isRelatedTo",
    "replacedBy",
    "exemplar",
    "hasSkillLevel",
)
ASSOCIATION_TYPES_11 = (*ASSOCIATION_TYPES_10, "isTranslationOf")
EXTENSION_TERM = re.compile(r"^ext:[A-Za-z0-9.\-_]+$")
# IG 1.1 §4.7: a consumer that does not know an `ext:` type treats it as isRelatedTo.
FALLBACK_ASSOCIATION_TYPE = "isRelatedTo"
CHILD_OF = "isChildOf"
CASE_VERSIONS = ("1.0", "1.1")

# Field kinds, used to check values on a strict export.
STR = "str"
UUID = "uuid"
DATETIME = "datetime"
DATE = "date"
INT = "int"
NUM = "num"
STR_LIST = "strlist"
LINK = "link"  # LinkURI: title, identifier (UUID), uri
LINK_LIST = "linklist"
GEN_LINK = "genlink"  # LinkGenURI: title, identifier (any string), uri, targetType (1.1)
ASSOC_TYPE = "assoctype"
EXT = "ext"  # an object of extension properties
EXT_LIST = "extlist"  # CFRubricCriterionLevel.extensions is an array in the 1.1 schema
NESTED = "nested"  # handled by the exporter (rubric criteria and levels)

_COMMON = {"identifier": UUID, "uri": STR, "lastChangeDateTime": DATETIME}

# Spec: the official CFPackage JSON Schema of CASE 1.1 ($defs) — the properties of each class.
FIELDS_11: dict[str, dict[str, str]] = {
    "CFDocument": {
        **_COMMON,
        "frameworkType": STR,
        "caseVersion": STR,
        "creator": STR,
        "title": STR,
        "officialSourceURL": STR,
        "publisher": STR,
        "description": STR,
        "subject": STR_LIST,
        "subjectURI": LINK_LIST,
        "language": STR,
        "version": STR,
        "adoptionStatus": STR,
        "statusStartDate": DATE,
        "statusEndDate": DATE,
        "licenseURI": LINK,
        "notes": STR,
        "extensions": EXT,
    },
    "CFItem": {
        **_COMMON,
        "fullStatement": STR,
        "alternativeLabel": STR,
        "CFItemType": STR,
        "humanCodingScheme": STR,
        "listEnumeration": STR,
        "abbreviatedStatement": STR,
        "conceptKeywords": STR_LIST,
        "conceptKeywordsURI": LINK,
        "notes": STR,
        "subject": STR_LIST,
        "subjectURI": LINK_LIST,
        "language": STR,
        "educationLevel": STR_LIST,
        "CFItemTypeURI": LINK,
        "licenseURI": LINK,
        "statusStartDate": DATE,
        "statusEndDate": DATE,
        "extensions": EXT,
    },
    "CFAssociation": {
        **_COMMON,
        "associationType": ASSOC_TYPE,
        "sequenceNumber": INT,
        "originNodeURI": GEN_LINK,
        "destinationNodeURI": GEN_LINK,
        "CFAssociationGroupingURI": LINK,
        "notes": STR,
        "extensions": EXT,
    },
    "CFItemType": {
        **_COMMON,
        "title": STR,
        "description": STR,
        "hierarchyCode": STR,
        "typeCode": STR,
        "extensions": EXT,
    },
    "CFSubject": {
        **_COMMON,
        "title": STR,
        "hierarchyCode": STR,
        "description": STR,
        "extensions": EXT,
    },
    "CFConcept": {
        **_COMMON,
        "title": STR,
        "keywords": STR,
        "hierarchyCode": STR,
        "description": STR,
        "extensions": EXT,
    },
    "CFLicense": {
        **_COMMON,
        "title": STR,
        "description": STR,
        "licenseText": STR,
        "extensions": EXT,
    },
    "CFAssociationGrouping": {**_COMMON, "title": STR, "description": STR, "extensions": EXT},
    "CFRubric": {
        **_COMMON,
        "title": STR,
        "description": STR,
        "CFRubricCriteria": NESTED,
        "extensions": EXT,
    },
    "CFRubricCriterion": {
        **_COMMON,
        "category": STR,
        "description": STR,
        "CFItemURI": LINK,
        "weight": NUM,
        "position": INT,
        "rubricId": UUID,
        "CFRubricCriterionLevels": NESTED,
        "extensions": EXT,
    },
    "CFRubricCriterionLevel": {
        **_COMMON,
        "description": STR,
        "quality": STR,
        "score": NUM,
        "feedback": STR,
        "position": INT,
        "rubricCriterionId": UUID,
        "extensions": EXT_LIST,
    },
}

# Fields CASE 1.1 added; a 1.0 export leaves them out (1.0 also forbids proprietary fields).
ONLY_11: dict[str, frozenset[str]] = {
    "CFDocument": frozenset({"frameworkType", "caseVersion", "extensions"}),
    "CFItem": frozenset({"subject", "subjectURI", "extensions"}),
    "CFAssociation": frozenset({"notes", "extensions"}),
}
FIELDS_10: dict[str, dict[str, str]] = {
    cls: {
        name: kind
        for name, kind in fields.items()
        if name not in ONLY_11.get(cls, ()) and kind not in (EXT, EXT_LIST)
    }
    for cls, fields in FIELDS_11.items()
}

# Required by the schema of each class inside a package. Parsing refuses a node missing one
# of REQUIRED; the strict exporter fills the rest of SCHEMA_REQUIRED (real data omits them,
# e.g. Smarter Balanced's CFItemTypes have no description) with an empty string.
REQUIRED: dict[str, tuple[str, ...]] = {
    "CFDocument": ("identifier", "uri", "creator", "title", "lastChangeDateTime"),
    "CFItem": ("identifier", "fullStatement", "uri", "lastChangeDateTime"),
    "CFAssociation": (
        "identifier",
        "associationType",
        "uri",
        "originNodeURI",
        "destinationNodeURI",
        "lastChangeDateTime",
    ),
    "CFItemType": ("identifier", "uri", "title", "lastChangeDateTime"),
    "CFSubject": ("identifier", "uri", "title", "lastChangeDateTime"),
    "CFConcept": ("identifier", "uri", "title", "lastChangeDateTime"),
    "CFLicense": ("identifier", "uri", "title", "lastChangeDateTime"),
    "CFAssociationGrouping": ("identifier", "uri", "title", "lastChangeDateTime"),
    "CFRubric": ("identifier", "uri", "lastChangeDateTime"),
    "CFRubricCriterion": ("identifier", "uri", "lastChangeDateTime"),
    "CFRubricCriterionLevel": ("identifier", "uri", "lastChangeDateTime"),
}
SCHEMA_REQUIRED: dict[str, tuple[str, ...]] = {
    **REQUIRED,
    "CFItemType": (
        "identifier",
        "uri",
        "title",
        "description",
        "hierarchyCode",
        "lastChangeDateTime",
    ),
    "CFSubject": ("identifier", "uri", "title", "hierarchyCode", "lastChangeDateTime"),
    "CFConcept": ("identifier", "uri", "title", "hierarchyCode", "lastChangeDateTime"),
    "CFLicense": ("identifier", "uri", "title", "licenseText", "lastChangeDateTime"),
}

# CFDefinitions: the JSON key of each list and the class of its members.
DEFINITION_KINDS: dict[str, str] = {
    "CFItemTypes": "CFItemType",
    "CFSubjects": "CFSubject",
    "CFConcepts": "CFConcept",
    "CFLicenses": "CFLicense",
    "CFAssociationGroupings": "CFAssociationGrouping",
}

# Keys a provider adds to package members that are not part of the package schema; they are
# derivable (the package's and document's own URIs) and are rebuilt by the provider API.
PROVIDER_EXTRAS = frozenset({"CFPackageURI", "CFDocumentURI"})
