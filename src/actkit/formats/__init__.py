"""Output formats: letters and event plans rendered for print, editing, mail or calendars."""

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)
"""Every HTML page actkit writes loads nothing from elsewhere: remote resources are removed
when the page is made, and this policy (a <meta> tag) is the second line of defence."""
