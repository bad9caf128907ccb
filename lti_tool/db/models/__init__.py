"""Every mapped table, imported here so that Alembic and the metadata see them all."""

from lti_tool.db.base import Base
from lti_tool.db.models.case import (  # noqa: F401
    CaseApiClient,
    CaseAssociation,
    CaseDefinition,
    CaseDocument,
    CaseItem,
    CaseRubric,
)
from lti_tool.db.models.classroom import (  # noqa: F401
    Alignment,
    CourseCompetency,
    CourseLineItem,
    CourseSettings,
    Evidence,
    LearnerStatement,
    MasteryOverride,
    MasteryState,
    SyncRun,
)
from lti_tool.db.models.clr import CredentialKey, IssuedCredential, StatusList  # noqa: F401
from lti_tool.db.models.lti import (  # noqa: F401
    CacheEntry,
    Context,
    Deployment,
    Enrolment,
    LaunchRecord,
    PendingRegistration,
    Registration,
    ToolKey,
    User,
)

metadata = Base.metadata
