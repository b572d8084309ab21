"""Exceptions that carry the exit code and the one line a user sees."""


class QianwenError(Exception):
    """Base: a failure with a user-facing message and an exit code."""

    exit_code = 1


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


class NetworkError(QianwenError):
    """The service could not be reached or the connection broke."""


class SubmissionUnknown(NetworkError):
    """A paid POST may have reached the server, but no answer came back."""


class StillRunning(QianwenError):
    """The task has not finished yet; the user resumes with `resume`."""

    exit_code = 3

    def __init__(self, message, task_id, resume):
        super().__init__(message)
        self.task_id = task_id
        self.resume = resume
