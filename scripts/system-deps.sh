#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: PostgreSQL server and
# Chromium; poppler-utils (tests read the package and report PDFs with pdftotext); libmagic
# (python-magic, device scans); hashdeep (the scan manifest is checked by hashdeep's audit
# mode, and bench/scan.py measures against it); the Sleuth Kit, mtools and
# dosfstools (tests build FAT disk images and list them with `fls` as an oracle); ewf-tools
# (tests turn a raw image into E01 with ewfacquire).
set -euo pipefail
need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
[ -x /usr/bin/chromium ] || need+=(chromium)
# pdftotext/pdftoppm: tests read the package and report PDFs with an independent parser.
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
ls /usr/lib/*/libmagic.so.1 >/dev/null 2>&1 || need+=(libmagic1)
command -v hashdeep >/dev/null 2>&1 || need+=(hashdeep)
command -v fls >/dev/null 2>&1 || need+=(sleuthkit)
command -v mcopy >/dev/null 2>&1 || need+=(mtools)
command -v mkfs.vfat >/dev/null 2>&1 || need+=(dosfstools)
command -v ewfacquire >/dev/null 2>&1 || need+=(ewf-tools)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
