"""Who is using this browser session."""

from __future__ import annotations

from cgic_data.schema import Role
from cgic_data.scope import Viewer


def current_viewer() -> Viewer:
    """The signed-in user's viewer. Until sign-in exists: lab-wide local user."""
    return Viewer(username="local", role=Role.ADMIN, agency_id=None)
