"""The registry of institutions: CSV and report imports, local values, classification, addresses, and the bus.gov.ru sync (``busgov/``)."""
