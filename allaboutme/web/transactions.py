"""One commit per mutating request, a complete rollback on any error.

Services only ``flush()``; the view that called them is wrapped in
``@transactional``, which commits once after the view returned successfully, so
a change and its audit event land together or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from allaboutme import db

F = TypeVar("F", bound=Callable[..., Any])


def transactional(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = db.session()
        try:
            result = view(*args, **kwargs)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return result

    return wrapper  # type: ignore[return-value]
