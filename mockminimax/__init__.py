"""A local, faithful twin of the MiniMax video generation API and its One-Hub gateways.

The HTTP server (Starlette, uvicorn) loads only when `create_app` or `ServerThread` is
first used: the pytest plugin imports this package in every test session of a project
that installs it, most of which never start a server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .control import CallbackInfo, MiniMaxControl, RecordedRequest, RequestLog, TaskInfo
from .core.callbacks import Delivery, Dialect
from .core.codes import ApiError
from .core.faults import ConnectionFault, FaultRule, FaultRuleError, FaultRules, to_httpx_error
from .core.mock import MiniMaxMock
from .core.settings import Settings, SettingsError
from .core.tasks import Status, Task
from .core.validation import VideoRequest

if TYPE_CHECKING:
    from .server.app import create_app
    from .server.runner import ServerThread

_LAZY = {"create_app": ".server.app", "ServerThread": ".server.runner"}

__all__ = [
    "ApiError",
    "CallbackInfo",
    "ConnectionFault",
    "Delivery",
    "Dialect",
    "FaultRule",
    "FaultRuleError",
    "FaultRules",
    "MiniMaxControl",
    "MiniMaxMock",
    "RecordedRequest",
    "RequestLog",
    "ServerThread",
    "Settings",
    "SettingsError",
    "Status",
    "Task",
    "TaskInfo",
    "VideoRequest",
    "__version__",
    "create_app",
    "to_httpx_error",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
