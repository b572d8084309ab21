"""Exceptions that carry the exit code, the one line a user sees, and the task they concern."""


class QianwenError(Exception):
    """Base: a failure with a user-facing message and an exit code.

    task_id / resume / check: set once a task exists, so every exit path names it (see cli.render)."""

    exit_code = 1
    task_id = None
    resume = None
    check = None

    def about(self, task_id, resume=None, check=None):
        """Attach the task this failure concerns (kept when already set); returns self."""
        if self.task_id is None:
            self.task_id, self.resume, self.check = task_id, resume, check
        return self


class UsageError(QianwenError):
    """Bad input or missing configuration, caught before any paid call."""

    exit_code = 2


class ApiError(QianwenError):
    """The API answered with an error, or a task ended badly."""

    def __init__(self, message, status=None, code=None, request_id=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.request_id = request_id


class TaskFailed(ApiError):
    """A task ended FAILED, CANCELED or UNKNOWN: no result will come (resubmit deliberately)."""



class NetworkError(QianwenError):
    """The service could not be reached or the connection broke."""


class SubmissionUnknown(NetworkError):
    """A paid POST may have reached the server, but no answer came back."""


class DeadlineReached(NetworkError):
    """A wait or retry would pass the caller's deadline (the wait turns it into StillRunning)."""


class StillRunning(QianwenError):
    """The task has not finished yet; the user resumes with `resume`."""

    exit_code = 3

    def __init__(self, message, task_id=None, resume=None, check=None):
        super().__init__(message)
        self.task_id, self.resume, self.check = task_id, resume, check
