"""The download host: serves the `download_url`s the mock hands out, signed and expiring."""

from __future__ import annotations

from starlette.responses import Response

from .exchange import Exchange
from .faults import fault_point
from .media import video_response

__all__ = ["download"]


async def download(ex: Exchange) -> Response:
    # Real clients fetch download_url bare: no Authorization, no redirects to follow.
    task = ex.mock.authorize_download(ex.request.url.path, dict(ex.request.query_params))
    ex.entry.task_id = task.task_id
    if (faulted := await fault_point(ex)) is not None:
        return faulted
    return await video_response(ex, task, attachment=True)
