"""Safe XML reading: a small element tree with line numbers, parsed by defusedxml.

DTDs (so entity declarations, the "billion laughs", and external references) are refused;
the caller bounds the file size before parsing. Namespace prefixes are dropped, so elements
are matched by local name. A document nested deeper than :data:`MAX_DEPTH` is refused.
"""

from __future__ import annotations

import xml.sax
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml.sax
from defusedxml import DefusedXmlException

from safeguard.errors import DeliveryRejected

__all__ = ["MAX_DEPTH", "BadXml", "XmlElement", "parse_xml"]

#: Deepest element nesting accepted.
MAX_DEPTH = 64


class BadXml(Exception):
    """The file is not well-formed XML (``line`` where the parser stopped)."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(detail)
        self.line = line
        self.detail = detail


@dataclass
class XmlElement:
    """One element: local name, attributes, stripped text, line of its start tag, children."""

    tag: str
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[XmlElement] = field(default_factory=list)

    def find(self, path: str) -> XmlElement | None:
        """The first element at ``path`` (``a/b/c`` of local names) below this one."""
        found = self.findall(path)
        return found[0] if found else None

    def findall(self, path: str) -> list[XmlElement]:
        """Every element at ``path`` below this one, in document order."""
        level = [self]
        for name in path.split("/"):
            level = [c for e in level for c in e.children if c.tag == name]
        return level

    def value(self, path: str) -> str | None:
        """The text at ``path``, or ``None`` when absent or empty."""
        element = self.find(path)
        return element.text or None if element is not None else None


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Builder(ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: XmlElement | None = None
        self._stack: list[XmlElement] = []
        self._text: list[list[str]] = []
        self._locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self._locator = locator

    def _line(self) -> int:
        return int(self._locator.getLineNumber() or 0) if self._locator else 0

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        if len(self._stack) >= MAX_DEPTH:
            raise BadXml(self._line(), f"elements nested deeper than {MAX_DEPTH}")
        element = XmlElement(_local(name), self._line(), {_local(k): v for k, v in attrs.items()})
        if self._stack:
            self._stack[-1].children.append(element)
        else:
            self.root = element
        self._stack.append(element)
        self._text.append([])

    def characters(self, content: str) -> None:
        if self._text:
            self._text[-1].append(content)

    def endElement(self, name: str) -> None:
        element = self._stack.pop()
        element.text = "".join(self._text.pop()).strip()


def parse_xml(path: Path) -> XmlElement:
    """Parse ``path`` safely.

    Raises :class:`DeliveryRejected` for a DTD, entity or external reference (hostile input
    refuses the whole delivery) and :class:`BadXml` for a document that is not well-formed.
    """
    builder = _Builder()
    try:
        defusedxml.sax.parse(
            str(path), builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise DeliveryRejected(
            f"{path.name}: XML with a DTD, entity declaration or external reference is refused"
            f" ({type(exc).__name__})"
        ) from exc
    except xml.sax.SAXParseException as exc:
        raise BadXml(int(exc.getLineNumber() or 0), str(exc.getMessage())) from exc
    if builder.root is None:
        raise BadXml(1, "no root element")
    return builder.root
