from tests.makeup.conftest import clock, world  # noqa: F401 - the make-up world is a realistic studio
from tests.waitlist.conftest import free_a_seat, make_parent, queue_of, wednesday_class  # noqa: F401
