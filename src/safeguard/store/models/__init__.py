"""SQLAlchemy models of the core records (``docs/data-model.md``)."""

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
from safeguard.store.models.base import Base
from safeguard.store.models.dissemination import AuditEvent, IntelPackage, Outcome
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
from safeguard.store.models.platform import Account, FileEvent, Identifier, LoginEvent, Message
from safeguard.store.models.scan import Scan, ScanFile, ScanMatch

__all__ = [
    "Account",
    "AccountMaterial",
    "Assessment",
    "Attribution",
    "AuditEvent",
    "Base",
    "CheckFinding",
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
    "QuarantinedRow",
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
]
