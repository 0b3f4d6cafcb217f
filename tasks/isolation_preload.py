"""Imported once by the fork server of isolated audits: the chemistry loaded, its caches warm.

Every isolated child is forked from that single-threaded server, so it starts with RDKit
imported and the alert catalogs built (tens of milliseconds saved per record), and with no
lock held by another thread.
"""

from chemaudit.chemistry import warm_up

warm_up()
