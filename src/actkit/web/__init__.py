"""Stall mode: ``actkit serve``, a local letter-writing web page for a stall or a meeting.

``create_app`` builds the pages (``actkit.web.app``); ``run`` serves them with waitress.
The settings, error wording, personalisation guard and supporters list are in
``actkit.web.stall``, which needs no web framework.
"""
