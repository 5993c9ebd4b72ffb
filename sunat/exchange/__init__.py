"""SUNAT's exchange rate (tipo de cambio): what is asked (sources.py: the month query and the txt line,
declared once with their parsing and the answer's schema), the requests (client.py), what is known
of each month and asking for it once (months.py), the rate of any date (services.py) and the
scheduled job (jobs.py). Rates are stored (sunat.models.exchange) and never asked again once published."""
