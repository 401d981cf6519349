"""Events between services and to partners: outbox, relay, inbox, signed webhooks.

See DESIGN.md "Events". A service defines its tables with :func:`tables.event_tables` on its
MetaData, records events with :class:`outbox.Outbox` in the transaction of the change, runs a
:class:`relay.Relay` (lifespan hooks or its own process), and receives with
:data:`inbox.router`.
"""
