"""Request and answer models of the privacy routes (light: the routes import them at init)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from certtrack.fields import Schema


class EraseRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    confirm: str = Field(max_length=32, description='Exactly `"ERASE"`: the candidate typed it to confirm.')


class EraseOut(Schema):
    status: Literal["erased"] = "erased"
    deleted: dict[str, int] = Field(
        description="What this request deleted, by section of the data export (a repeated request: what was left)."
    )
