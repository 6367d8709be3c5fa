"""Every domain's models, imported in one place for Alembic and the test suite."""


def import_all() -> None:
    """Register every model on the shared metadata."""
    from app.audit import models as _audit  # noqa: F401
    from app.auth import models as _auth  # noqa: F401
    from app.callbacks import models as _callbacks  # noqa: F401
    from app.calls import models as _calls  # noqa: F401
    from app.cases import models as _cases  # noqa: F401
    from app.chat import models as _chat  # noqa: F401
    from app.drafts import models as _drafts  # noqa: F401
    from app.operators import models as _operators  # noqa: F401
    from app.places import models as _places  # noqa: F401
    from app.queue import models as _queue  # noqa: F401
    from app.recordings import models as _recordings  # noqa: F401
    from app.transcription import models as _transcription  # noqa: F401
