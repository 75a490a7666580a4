"""Output formats: letters and event plans rendered for print, editing, mail or calendars."""
