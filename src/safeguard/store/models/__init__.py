"""SQLAlchemy models of the core records (``docs/data-model.md``)."""

from safeguard.store.models.access import ApiToken, User, WebJob, WebSession
from safeguard.store.models.analysis import (
    Assessment,
    Attribution,
    CheckFinding,
    LinkEvidence,
    RegisterEntry,
    Subject,
    SubjectAccount,
    SubjectAction,
    SubjectNetwork,
)
from safeguard.store.models.assessments import (
    AssessmentOverride,
    AssessmentRun,
    CheckMatch,
    ChecksLoad,
    ChecksQuarantine,
)
from safeguard.store.models.base import Base
from safeguard.store.models.dissemination import (
    AuditEvent,
    IntelPackage,
    Outcome,
    OutcomeImport,
    OutcomeQuarantine,
    PackageBatch,
    RecipientKey,
)
from safeguard.store.models.hashes import (
    AccountMaterial,
    FileMatch,
    HashEntry,
    HashSet,
    HashSetVersion,
)
from safeguard.store.models.operation import (
    Delivery,
    DeliveryFile,
    Operation,
    QuarantinedRow,
    StageRun,
    StageWarning,
)
from safeguard.store.models.platform import (
    Account,
    CybertipReport,
    FileEvent,
    Identifier,
    LoginEvent,
    Message,
)
from safeguard.store.models.scan import Scan, ScanFile, ScanMatch

__all__ = [
    "Account",
    "AccountMaterial",
    "ApiToken",
    "Assessment",
    "AssessmentOverride",
    "AssessmentRun",
    "Attribution",
    "AuditEvent",
    "Base",
    "CheckFinding",
    "CheckMatch",
    "ChecksLoad",
    "ChecksQuarantine",
    "CybertipReport",
    "Delivery",
    "DeliveryFile",
    "FileEvent",
    "FileMatch",
    "HashEntry",
    "HashSet",
    "HashSetVersion",
    "Identifier",
    "IntelPackage",
    "LinkEvidence",
    "LoginEvent",
    "Message",
    "Operation",
    "Outcome",
    "OutcomeImport",
    "OutcomeQuarantine",
    "PackageBatch",
    "QuarantinedRow",
    "RecipientKey",
    "RegisterEntry",
    "Scan",
    "ScanFile",
    "ScanMatch",
    "StageRun",
    "StageWarning",
    "Subject",
    "SubjectAccount",
    "SubjectAction",
    "SubjectNetwork",
    "User",
    "WebJob",
    "WebSession",
]
