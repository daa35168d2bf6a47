"""Device triage: scan a seized device (a directory or a disk image) for known material.

:func:`run` lists every file (deleted ones too, in disk images), hashes each in one read
(MD5, SHA-1, SHA-256), recognises images and videos by content, computes PDQ and vPDQ,
opens zip and tar archives under bomb limits, matches everything against the hash sets
and stores it as it goes, so an interrupted scan resumes where it stopped. The work runs
inline, in a local process pool or on a Dask cluster. :func:`scan_report` and
:func:`export_scan` read the result; :func:`subject_device_facts` and
:func:`devices_examined` are what assess and track read (``docs/scan.md``).
"""

from __future__ import annotations

from safeguard.scan.exports import EXPORTS, export_scan
from safeguard.scan.facts import SubjectDeviceFacts, devices_examined, subject_device_facts
from safeguard.scan.report import COUNT_KEYS, scan_report
from safeguard.scan.stage import ScanRequest, ScanSummary, run

__all__ = [
    "COUNT_KEYS",
    "EXPORTS",
    "ScanRequest",
    "ScanSummary",
    "SubjectDeviceFacts",
    "devices_examined",
    "export_scan",
    "run",
    "scan_report",
    "subject_device_facts",
]
