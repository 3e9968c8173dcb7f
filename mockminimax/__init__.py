"""A local, faithful twin of the MiniMax video generation API and its One-Hub gateways."""

from __future__ import annotations

from ._version import __version__
from .control import MiniMaxControl, RecordedRequest, RequestLog, TaskInfo
from .core.codes import ApiError
from .core.faults import ConnectionFault, FaultRule, FaultRuleError, FaultRules, to_httpx_error
from .core.mock import MiniMaxMock
from .core.settings import Settings, SettingsError
from .core.tasks import Status, Task
from .core.validation import VideoRequest
from .server.app import create_app
from .server.runner import ServerThread

__all__ = [
    "ApiError",
    "ConnectionFault",
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
