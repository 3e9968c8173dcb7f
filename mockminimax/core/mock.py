"""`MiniMaxMock`: the one object that knows MiniMax, shared by the app, the CLI and the
pytest fixtures, so a scenario reads the same whichever of them drives it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any

from .callbacks import Dialect, V1Dialect
from .clock import MAX_CLOCK, Clock, RealClock, VirtualClock
from .codes import ApiError, message_for
from .delivery import CallbackEngine
from .faults import FaultRule, FaultRules
from .files import FileStore, FileTooLarge, MediaKind, StoredFile, check_upload
from .ids import IdSource
from .journal import Journal
from .params import whole_number
from .ratelimit import RateLimiter
from .settings import Settings
from .tasks import Status, Task, TaskStore
from .tasks_v2 import V2Tasks
from .templates import is_template
from .validation import VideoRequest, validate_create
from .validation_v2 import V2Request
from .videos import Video, VideoLibrary

__all__ = ["MAX_KEY_CHARS", "DownloadRefused", "MiniMaxMock"]

#: The longest API key taken (MiniMax's are JWTs of a few hundred characters); a longer one
#: is refused as unknown, since tasks, uploads and rate-limit windows each keep the key.
MAX_KEY_CHARS = 4096

_FILE_NAME = "output.mp4"
#: Signed download URLs remembered (`MiniMaxMock._quoted_signature`).
_SIGNATURE_MEMO = 4096


@functools.lru_cache(maxsize=16)
def _day_of(days: int) -> str:
    """The UTC date of day `days` (`int(now // 86400)`) as the download paths write it."""
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86400))


class DownloadRefused(Exception):
    """The storage refusing a download: expired, badly signed, or no such object."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{status} {code}: {message}")


@dataclass(frozen=True)
class FileObject:
    task: Task
    download_url: str
    #: The mirror URL raw upstream objects carried in 2025 (`backup_download_url` setting).
    backup_download_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "file_id": int(self.task.file_id),
            "bytes": 0,
            "created_at": int(self.task.finished_at or self.task.created_at),
            "filename": _FILE_NAME,
            "purpose": "video_generation",
            "download_url": self.download_url,
        }
        if self.backup_download_url is not None:
            body["backup_download_url"] = self.backup_download_url
        return body


class MiniMaxMock:
    """The MiniMax video service in memory: tasks, clock, IDs, journal and settings."""

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        base = settings or Settings()
        self._lock = threading.RLock()
        self.videos = VideoLibrary()
        #: The background deliveries to `callback_url`s (see `core.delivery`).
        self.callbacks = CallbackEngine(self)
        #: How V1 tasks (official and gateway) are called back.
        self.v1_callbacks = V1Dialect(self)
        #: The V2 (H3) view of the same tasks: status words, bodies, list, cancel, delete.
        self.v2 = V2Tasks(self)
        self.configure(base.merged(overrides) if overrides else base)

    def configure(self, settings: Settings) -> None:
        """Apply new settings and start afresh: no tasks, empty journal, clock rewound.

        The pytest fixtures use this to give each test its marker's settings on a server
        that lives for the whole session. Fault rules become `settings.faults` alone.
        """
        with self._lock:
            self.settings = settings
            self.ids = IdSource(settings.seed)
            self.clock: Clock = (
                RealClock() if settings.clock == "real" else VirtualClock(settings.start_time)
            )
            self.store = TaskStore(settings.max_tasks)
            self.files = FileStore(
                settings.max_files,
                settings.max_file_store_bytes,
                scoped=settings.scope_tasks_by_key,
            )
            self.journal = Journal(settings.journal_size, settings.journal_bytes)
            self.timing = settings.timing_profile
            self.polls_mode = settings.clock == "polls"
            self.faults = FaultRules(self.ids.random, settings.faults)
            self.limiter = RateLimiter(settings.rpm)
            self._secret = hashlib.sha256(f"mockminimax:{self.ids.seed}".encode()).digest()
            self._signatures: dict[tuple[str, int], str] = {}
            self.access_key_id = "LTAI5t" + hashlib.sha256(self._secret).hexdigest()[:18]
            self.callbacks.configure(settings)

    # -- time -------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        """Move the virtual clock on; on wall time this is refused, not faked."""
        if not isinstance(self.clock, VirtualClock):
            raise ValueError("the clock is real; start the mock with clock='virtual' to move it")
        now = self.clock.advance(seconds)
        self.callbacks.tick()
        return now

    # -- auth -------------------------------------------------------------------------

    def admit(self, key: str | None) -> bool:
        """Whether a create by `key` is within `rpm`; counts it if so (False means 1002)."""
        limiter = self.limiter
        # No limit (the default): admitted without reading the clock.
        return limiter.rpm is None or limiter.admit(key, self.now())

    def check_key(self, key: str | None) -> str:
        """The caller's key, or the real V1 error: 1004 when absent, 2049 when unknown or
        longer than `MAX_KEY_CHARS` (every task, upload and rate-limit window keeps it)."""
        if not key:
            raise ApiError(1004)
        if len(key) > MAX_KEY_CHARS:
            raise ApiError(2049)
        if self.settings.api_keys and key not in self.settings.api_keys:
            raise ApiError(2049)
        return key

    # -- tasks ------------------------------------------------------------------------

    def validate(self, body: Any) -> VideoRequest:
        return validate_create(body, self.settings)

    def create_task(
        self,
        request: VideoRequest | V2Request,
        api_key: str | None,
        surface: str,
        fault: FaultRule | None = None,
        callback_dialect: Dialect[Task] | None = None,
        folder: str = "video",
        *,
        id_digits: int = 15,
    ) -> Task:
        """A new task; a `task` fault rule that fired on this create shapes its life.

        `folder` is the download path's (V1 `video`, V2 `rollout`, as the real URLs have);
        `id_digits`: V1 and V2 task IDs have 15 digits, the Video Agent's 18. A
        `callback_url` in the request is called back in `callback_dialect`'s words and body
        shape (V1's by default); a surface with its own words passes its own.
        """
        now = self.clock.now()  # `self.now()`, one call less
        with self._lock:
            store = self.store  # read under the lock: a reset may replace it
            task_id, ulid, file_id, uuid = self.ids.task_ids(now, id_digits)
            while store.get(task_id) is not None:
                task_id = self.ids.digits(id_digits)
            # Positional, in field order (task_id, ulid, file_id, api_key, request,
            # created_at, cdn_path, surface): keywords cost the dataclass __init__ 0.2 µs.
            # The path's date looked up directly (no wrapper call).
            task = Task(
                task_id,
                ulid,
                file_id,
                api_key,
                request.stored(),
                now,
                f"/inference_output/{folder}/{_day_of(int(now // 86400))}/{uuid}/{_FILE_NAME}",
                surface,
            )
            if fault is not None and fault.task is not None:
                task.fault_id = fault.id
                if fault.task == "fail":
                    task.fail_code = fault.code
                elif fault.task == "stuck":
                    task.stuck = True
                elif fault.factor is not None:
                    task.slowdown = fault.factor
            store.add(task)
        if request.callback_url is not None:
            self.callbacks.watch(
                task.task_id, request.callback_url, callback_dialect or self.v1_callbacks, task,
                surface=surface, api_key=api_key,
            )  # fmt: skip
        return task

    def find_task(
        self, ref: str, api_key: str | None = None, *, v2: bool | None = False
    ) -> Task | None:
        """A task by any of its IDs, if the caller may see it; V1 and V2 tasks are apart
        (`v2=None`: either kind, for the control API)."""
        task = self.store.find(ref)
        if task is None or not self._visible(task, api_key):
            return None
        if v2 is not None and (task.surface == "v2") != v2:
            return None
        return task

    def _visible(self, task: Task, api_key: str | None) -> bool:
        return api_key is None or not self.settings.scope_tasks_by_key or task.api_key == api_key

    def status(self, task: Task) -> Status:
        status = task.status(self.now(), self.timing, self.polls_mode)
        if status.finished and task.finished_at is None:
            task.finished_at = (
                self.now()
                if self.polls_mode or task.forced is not None
                else task.finish_time(self.timing)
            )
        return status

    def poll(self, task: Task) -> Status:
        """The status a query answers; in polls mode the query itself moves the task on."""
        status = self.status(task)
        if self.polls_mode and not status.finished and task.forced is None:
            task.polls += 1
            self.callbacks.touch(task.task_id)
        return status

    def force(self, task: Task, status: Status | None, code: int | None = None) -> None:
        """Pin a task to a status (`None` lets the clock drive it again)."""
        with self._lock:
            task.forced = status
            task.cancelled_at = None
            task.forced_code = (code or 1027) if status is Status.FAIL else None
            task.finished_at = None
            if status is not None and status.finished:
                task.finished_at = self.now()
        self.callbacks.touch(task.task_id)

    def query_body(self, task: Task, status: Status) -> dict[str, Any]:
        """The V1 query answer, shaped as the real service shapes it."""
        body: dict[str, Any] = {"task_id": task.task_id, "status": status.value}
        if status is Status.SUCCESS:
            body["file_id"] = task.file_id
            body["video_width"] = task.request.width
            body["video_height"] = task.request.height
        elif self.settings.pending_fields == "empty":
            body.update(file_id="", video_width=0, video_height=0)
        code = 0
        if status is Status.FAIL and self.settings.fail_base_resp == "code":
            code = task.failure_code or 0
        body["base_resp"] = {"status_code": code, "status_msg": message_for(code)}
        return body

    # -- uploads ----------------------------------------------------------------------

    def check_upload(self, purpose: str, filename: str, data: bytes) -> MediaKind:
        """What `upload_file` checks, alone: the route runs it before any fault rule."""
        media = check_upload(
            purpose, filename, data, check_format=self.settings.upload_format_check == "purpose"
        )
        try:
            self.files.admit(len(data))
        except FileTooLarge as exc:
            raise ApiError(2013, f"invalid params, file: {exc}", field="file") from None
        return media

    def upload_file(
        self, purpose: str, filename: str, data: bytes, api_key: str | None
    ) -> StoredFile:
        """Check and keep an upload; ApiError 2013 names the field at fault, and a refused
        upload draws no ID and evicts nothing."""
        media = self.check_upload(purpose, filename, data)
        with self._lock:
            file_id = self.ids.digits(15)
            while file_id in self.files or self.store.by_file(file_id) is not None:
                file_id = self.ids.digits(15)
            file = StoredFile(file_id, filename, purpose, data, media, api_key, self.now())
            self.files.add(file)
        return file

    # -- files ------------------------------------------------------------------------

    def find_file(self, file_id: str, api_key: str | None) -> Task | None:
        """The finished task owning `file_id`; files exist only once a task succeeds.
        A Video Agent task has no file: its query hands out `video_url` itself."""
        task = self.store.by_file(file_id.strip())
        if (
            task is None
            or not self._visible(task, api_key)
            or is_template(task)
            or task.surface == "v2"
        ):
            return None
        return task if self.status(task) is Status.SUCCESS else None

    def file_object(self, task: Task, base_url: str) -> FileObject:
        url = self.signed_url(task.cdn_path, base_url)
        # The real mirror is another bucket; the mock's one host serves both names.
        return FileObject(task, url, url if self.settings.backup_download_url else None)

    def signed_url(self, path: str, base_url: str, ttl: int | None = None) -> str:
        """A download URL for `path` on the mock's download host, valid for `ttl` seconds
        (default `download_ttl`), signed as the storage signs its URLs."""
        expires = int(self.now()) + (self.settings.download_ttl if ttl is None else ttl)
        root = (self.settings.public_url or base_url).rstrip("/")
        return (
            f"{root}{path}?Expires={expires}&OSSAccessKeyId={self.access_key_id}"
            f"&Signature={self._quoted_signature(path, expires)}"
        )

    def video(self, task: Task) -> Video:
        """The task's MP4, rendered if it is not cached (may take a while: see `cached_video`)."""
        return self.videos.get(*_video_shape(task), audio=task.audio)

    def cached_video(self, task: Task) -> Video | None:
        """The task's MP4 if it is cached, at once and without a lock; None if it needs
        rendering (for the async server to do off its loop, through `video`)."""
        return self.videos.peek(*_video_shape(task), audio=task.audio)

    def _quoted_signature(self, path: str, expires: int) -> str:
        """`quote(self._sign(path, expires), safe="")`, remembered: a file's URL is signed
        again on every retrieve with the same expiry while the clock stands still (a
        virtual clock) or within one second. Bounded: the memo is emptied past 4096."""
        key = (path, expires)
        memo = self._signatures
        quoted = memo.get(key)
        if quoted is None:
            if len(memo) >= _SIGNATURE_MEMO:
                memo.clear()
            # base64's only characters quote() changes: the same text as quote(safe="").
            quoted = memo[key] = (
                self._sign(path, expires)
                .replace("+", "%2B")
                .replace("/", "%2F")
                .replace("=", "%3D")
            )
        return quoted

    def _sign(self, path: str, expires: int) -> str:
        mac = hmac.new(self._secret, f"GET\n\n\n{expires}\n{path}".encode(), hashlib.sha1)
        return base64.b64encode(mac.digest()).decode()

    def authorize_download(self, path: str, params: dict[str, str]) -> Task:
        """The task behind a download URL, or the storage's refusal."""
        task = self.store.by_path(path)
        if task is None or self.status(task) is not Status.SUCCESS:
            raise DownloadRefused(404, "NoSuchKey", "The specified key does not exist.")
        self.verify_signature(path, params)
        return task

    def verify_signature(self, path: str, params: dict[str, str]) -> None:
        """Refuse, as the storage does, a URL whose signature is missing, wrong or expired."""
        # MAX_CLOCK plus any download_ttl: every Expires the mock signs reads back.
        expires = whole_number(params.get("Expires", ""), 10 * MAX_CLOCK)
        signature = params.get("Signature", "")
        if expires is None or not signature:
            raise DownloadRefused(
                403,
                "AccessDenied",
                "You have no right to access this object because of bucket acl.",
            )
        # As bytes: compare_digest refuses str with non-ASCII characters (a 500, not a 403).
        if not hmac.compare_digest(signature.encode(), self._sign(path, expires).encode()):
            raise DownloadRefused(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if self.now() > expires:
            raise DownloadRefused(403, "AccessDenied", "Request has expired.")

    # -- control ----------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a fresh start: no tasks, empty journal, clock and seed rewound, rate
        windows emptied, and the fault rules back to the configured ones (`settings.faults`;
        rules added since are dropped) with their counters at zero."""
        with self._lock:
            self.store.clear()
            self.files.clear()
            self.journal.clear()
            self.faults.restore()
            self.limiter.clear()
            self.ids.reseed()
            if isinstance(self.clock, VirtualClock):
                self.clock.set(self.settings.start_time)
            self.callbacks.reset()

    def close(self) -> None:
        """Stop the background work (callback deliveries); a later callback restarts it."""
        self.callbacks.close()

    def task_json(self, task: Task) -> dict[str, Any]:
        """How the control API and fixtures show a task: every ID and where it stands."""
        status = self.status(task)
        return {
            "task_id": task.task_id,
            "platform_id": task.platform_id,
            "file_id": task.file_id,
            "status": status.value,
            "forced": task.forced.value if task.forced else None,
            "fail_code": task.failure_code if status is Status.FAIL else None,
            "stuck": task.stuck,
            "slowdown": task.slowdown,
            "fault": task.fault_id,
            "surface": task.surface,
            "created_at": task.created_at,
            "finishes_at": None if task.stuck else task.finish_time(self.timing),
            "polls": task.polls,
            "request": task.request.to_json(),
            **(self.v2.control_fields(task) if task.surface == "v2" else {}),
        }


def _video_shape(task: Task) -> tuple[int, int, int, int]:
    """The width, height, frame count and fps of a task's video: its cache key."""
    req = task.request
    return req.width, req.height, task.frames, req.fps
