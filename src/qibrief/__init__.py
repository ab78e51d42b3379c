"""qibrief: build think-tank policy briefs from Markdown and CSL into PDF, DOCX and HTML."""

__version__ = "0.1.0"
