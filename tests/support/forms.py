"""Read a form from a page as a browser would submit it unchanged: its fields and their values."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside or "name" not in a and tag not in ("option",):
            return
        match tag:
            case "input" if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value") or "on"
            case "input":
                self.values[a["name"]] = a.get("value", "")
            case "textarea":
                self._textarea = a["name"]
                self.values[a["name"]] = ""
            case "select":
                self._select = a["name"]
            case "option" if self._select:
                self._first_option.setdefault(self._select, a.get("value", ""))
                if "selected" in a:
                    self.values[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option.get(self._select, ""))
            self._select = None


def form_fields(html: str, action: str) -> dict[str, str]:
    """The fields of the form posting to `action`, as they stand in the page."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.values, f"no form posting to {action}"
    return reader.values
