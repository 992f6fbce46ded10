"""One commit per mutating request, a complete rollback on any error.

Services only ``flush()``; the view that called them is wrapped in
``@transactional``, which commits once after the view returned successfully, so
a change and its audit event land together or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, overload

from allaboutme import db

F = TypeVar("F", bound=Callable[..., Any])


@overload
def transactional(view: F) -> F: ...


@overload
def transactional(*, take_write_lock: bool | Callable[[], bool]) -> Callable[[F], F]: ...


def transactional(view: Any = None, *, take_write_lock: bool | Callable[[], bool] = True) -> Any:
    """Commit once on success, roll back on any exception.

    ``take_write_lock=False`` is for logins: their failed attempts are counted
    on a separate connection, which must not wait for this request's lock. A
    callable decides per request (reads that will write an audit event lock).
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            session = db.session()
            wants_lock = take_write_lock() if callable(take_write_lock) else take_write_lock
            if wants_lock and db.locks_writes_up_front():
                if session.in_transaction():
                    session.commit()  # end the read (loading the user) so the write can lock
                db.begin_write()
            try:
                result = function(*args, **kwargs)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                db.run_after_transaction_callbacks()
            return result

        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate
