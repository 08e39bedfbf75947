"""Who is asking, and what they may see. (Interface stub: accounts arrive with the trust issue.)

Every page and endpoint asks `visibility_for(request)` and passes the answer into the search
query and catalogue queries, so internal documents are filtered inside the query.
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request


@dataclass
class User:
    name: str
    role: str  # "editor" | "admin"


def current_user(request: Request) -> User | None:
    return None


def visibility_for(request: Request) -> tuple[str, ...]:
    return ("public", "internal") if current_user(request) else ("public",)
