"""The LTI 1.3 vocabulary: claim URIs, message types, roles, scopes and media types.

Spec: https://www.imsglobal.org/spec/lti/v1p3/ (Core), /spec/lti-ags/v2p0/, /spec/lti-nrps/v2p0/,
/spec/lti-dl/v2p0/. Every other module names these constants instead of repeating the URIs.
"""

from __future__ import annotations

from enum import StrEnum

LTI = "https://purl.imsglobal.org/spec/lti/claim/"

MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
TOOL_PLATFORM = LTI + "tool_platform"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
CUSTOM = LTI + "custom"
LIS = LTI + "lis"
ROLE_SCOPE_MENTOR = LTI + "role_scope_mentor"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_SERVICE = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
DL_MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
DL_ERRORMSG = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"
LTI_VERSION = "1.3.0"

# Spec: https://www.imsglobal.org/spec/lti-dr/v1p0#lti-configuration-0
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"

# Canvas extensions.
CANVAS_PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"
CANVAS_TOOL_ID = "https://canvas.instructure.com/lti/tool_id"
CANVAS_ISSUER = "https://canvas.instructure.com"


class MessageType(StrEnum):
    """LTI message types the tool handles."""

    RESOURCE_LINK = "LtiResourceLinkRequest"
    DEEP_LINKING = "LtiDeepLinkingRequest"
    DEEP_LINKING_RESPONSE = "LtiDeepLinkingResponse"


class Scope(StrEnum):
    """OAuth2 scopes of the LTI Advantage services."""

    LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
    LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
    RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
    SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


TOOL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)


class MediaType(StrEnum):
    """Media types of AGS and NRPS payloads."""

    LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
    LINEITEM_CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
    SCORE = "application/vnd.ims.lis.v1.score+json"
    RESULT_CONTAINER = "application/vnd.ims.lis.v2.resultcontainer+json"
    MEMBERSHIP_CONTAINER = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


# Spec: https://www.imsglobal.org/spec/lti/v1p3/#role-vocabularies
_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


class Role(StrEnum):
    """What the tool lets a person do; every LTI role maps to one of these."""

    ADMINISTRATOR = "administrator"
    INSTRUCTOR = "instructor"
    LEARNER = "learner"


INSTRUCTOR_ROLES = frozenset(
    {
        _MEMBERSHIP + "Instructor",
        _MEMBERSHIP + "ContentDeveloper",
        _MEMBERSHIP + "Instructor#TeachingAssistant",
        _MEMBERSHIP + "Administrator",
        "Instructor",
        "ContentDeveloper",
        "TeachingAssistant",
    }
)
ADMIN_ROLES = frozenset(
    {
        _INSTITUTION + "Administrator",
        _SYSTEM + "Administrator",
        _SYSTEM + "SysAdmin",
        "Administrator",
    }
)
LEARNER_ROLES = frozenset({_MEMBERSHIP + "Learner", _INSTITUTION + "Student", "Learner"})


def tool_role(lti_roles: list[str] | tuple[str, ...]) -> Role:
    """Map a launch's roles to the tool's role: admin beats instructor beats learner.

    Short role names (Moodle's NRPS, the certification suite's ``["Learner"]``) count like
    the full URIs. Unknown and empty roles get the least privilege: learner.
    """
    roles = {r.strip() for r in lti_roles if isinstance(r, str)}
    if roles & ADMIN_ROLES:
        return Role.ADMINISTRATOR
    if roles & INSTRUCTOR_ROLES:
        return Role.INSTRUCTOR
    return Role.LEARNER
