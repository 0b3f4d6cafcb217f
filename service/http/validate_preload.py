"""Imported once by the fork server of /validate's processes: the chemistry loaded, its caches warm,
so every process forked from it starts ready (see service/http/validate_pool.py)."""

from chemaudit.chemistry import warm_up

warm_up()
