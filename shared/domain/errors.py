"""Domain failures; the web edge maps each kind to its HTTP status."""


class DomainError(Exception):
    """Base of every refusal the domain can give."""

    status = 400
    code = "domain-error"


class InvalidCommand(DomainError):
    """The command's content breaks a business rule (422)."""

    status = 422
    code = "invalid-command"


class InvalidTransition(DomainError):
    """The aggregate's current state does not allow this command (409)."""

    status = 409
    code = "invalid-transition"


class NotFound(DomainError):
    """No such aggregate for this tenant (404)."""

    status = 404
    code = "not-found"


class Forbidden(DomainError):
    """The caller may not do this to this aggregate (403)."""

    status = 403
    code = "forbidden"


class ConcurrencyConflict(DomainError):
    """The stream moved on since the writer read it (409): reload and retry."""

    status = 409
    code = "concurrency-conflict"


class PreconditionFailed(DomainError):
    """The caller's If-Match names a version the aggregate is no longer at (412)."""

    status = 412
    code = "precondition-failed"


class SubjectErased(DomainError):
    """The command names a person who was erased (409): nothing new is recorded about them."""

    status = 409
    code = "subject-erased"
