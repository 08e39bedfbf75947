"""Every address the web app links to, built in one place with each id and query value quoted.

After Datasette's `Urls`: pages, JSON twins and templates (as `urls`) all ask this module, so an id with
an odd character can never break a link, and a route that moves changes here only.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode


def _segment(value) -> str:
    """One path segment. Goal and entity ids keep their readable colon ("rus-vastmanland:delmal-17")."""
    return quote(str(value), safe=":")


def query_string(params: dict | None = None, **changes) -> str:
    """`params` with some values changed or removed (None), as ?a=1&b=2 (lists repeat the key)."""
    merged = {**(params or {}), **changes}
    pairs = []
    for key, value in merged.items():
        if value in (None, "", [], False):
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((key, item))
    return "?" + urlencode(pairs) if pairs else ""


class Urls:
    """The addresses of Kunskapsbanken's pages and their JSON twins."""

    # -- pages -------------------------------------------------------------------------------
    def home(self) -> str:
        return "/"

    def search(self, params: dict | None = None, **changes) -> str:
        return "/sok" + query_string(params, **changes)

    def documents(self) -> str:
        return "/dokument"

    def document(self, document_id: str, passage_id: str | None = None) -> str:
        url = "/d/" + _segment(document_id)
        if passage_id:  # the passage marked in the whole document, scrolled to
            url += query_string({"p": passage_id}) + "#" + quote(str(passage_id), safe="")
        return url

    def original(self, document_id: str, page: int | None = None) -> str:
        return "/d/" + _segment(document_id) + "/original" + (f"#page={int(page)}" if page else "")

    def delete_document(self, document_id: str) -> str:
        return "/d/" + _segment(document_id) + "/ta-bort"

    def replace_document(self, document_id: str) -> str:
        return "/d/" + _segment(document_id) + "/ersatt"

    def correct_document(self, document_id: str) -> str:
        return "/d/" + _segment(document_id) + "/uppgifter"

    def version_original(self, document_id: str, revision: int) -> str:
        return "/d/" + _segment(document_id) + f"/versioner/{int(revision)}/original"

    def passage(self, passage_id: str) -> str:
        return "/p/" + _segment(passage_id)

    def goals(self) -> str:
        return "/mal"

    def goal(self, goal_id: str, min_score: float | None = None) -> str:
        return "/mal/" + _segment(goal_id) + query_string({"min": min_score})

    def followup(self, goal_id: str, params: dict | None = None, **changes) -> str:
        """The follow-up view of a goal: the projects that contribute to it (filters as query)."""
        return "/mal/" + _segment(goal_id) + "/insatser" + query_string(params, **changes)

    def followup_download(self, goal_id: str, kind: str, params: dict | None = None) -> str:
        """The follow-up view as a file: kind "csv" or "xlsx"."""
        return "/mal/" + _segment(goal_id) + "/insatser." + kind + query_string(params)

    def entities(self, entity_type: str | None = None) -> str:
        return "/entiteter" + query_string({"type": entity_type})

    def entity(self, entity_id: str) -> str:
        return "/entiteter/" + _segment(entity_id)

    def project_card_form(self, entity_id: str) -> str:
        return "/entiteter/" + _segment(entity_id) + "/kort"

    def upload(self) -> str:
        return "/ladda-upp"

    def upload_status(self, job_id: str) -> str:
        return "/uppladdningar/" + _segment(job_id)

    def login(self, next_url: str | None = None) -> str:
        return "/logga-in" + query_string({"next": next_url})

    def api_docs(self) -> str:
        return "/docs"

    def admin(self) -> str:
        return "/admin"

    def admin_retrain(self) -> str:
        """The form that retrains the goal linker."""
        return "/admin/trana-om"

    def good_examples(self, goal_id: str | None = None) -> str:
        return "/goda-exempel" + query_string({"mal": goal_id})

    def good_examples_feed(self, goal_id: str | None = None) -> str:
        return "/goda-exempel.atom" + query_string({"mal": goal_id})

    def mark_good_example(self) -> str:
        return "/goda-exempel/markera"

    # -- JSON --------------------------------------------------------------------------------
    def as_json(self, page_url: str) -> str:
        """The JSON twin of any page address (keeps its query, drops its fragment)."""
        path, _, _fragment = page_url.partition("#")
        return path + ("&" if "?" in path else "?") + "format=json"

    def api_search(self, params: dict | None = None, **changes) -> str:
        return "/api/search" + query_string(params, **changes)

    def api_documents(self) -> str:
        return "/api/documents"

    def api_document(self, document_id: str) -> str:
        return "/api/documents/" + _segment(document_id)

    def api_passage(self, passage_id: str) -> str:
        return "/api/passages/" + _segment(passage_id)

    def api_goal(self, goal_id: str) -> str:
        return "/api/goals/" + _segment(goal_id)

    def api_entity(self, entity_id: str) -> str:
        return "/api/entities/" + _segment(entity_id)

    def api_project_card(self, entity_id: str) -> str:
        return "/api/entities/" + _segment(entity_id) + "/card"

    def api_followup(self, goal_id: str, params: dict | None = None) -> str:
        return "/api/goals/" + _segment(goal_id) + "/projects" + query_string(params)

    def api_upload_status(self, job_id: str) -> str:
        return "/api/uploads/" + _segment(job_id)

    def api_retrain(self) -> str:
        return "/api/admin/goals/retrain"

    def api_good_examples(self, goal_id: str | None = None) -> str:
        return "/api/good-examples" + query_string({"mal": goal_id})

    def api_good_example(self, kind: str, target_id: str) -> str:
        return f"/api/good-examples/{_segment(kind)}/" + _segment(target_id)


urls = Urls()
