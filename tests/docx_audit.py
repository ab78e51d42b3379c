"""The package audit moved into the package (qibrief.docx.audit); this name stays for tests that import it here."""

from qibrief.docx.audit import audit_package  # noqa: F401
