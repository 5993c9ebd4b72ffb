# Dates and times as Peru writes them, short: the admin's lists fit 1280 px with them ("7 de
# diciembre de 2026 a las 08:21" did not). Django's own Spanish formats for everything else.
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
