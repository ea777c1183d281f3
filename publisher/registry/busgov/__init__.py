"""The bus.gov.ru open-data register: the streaming parser, sources (file, folder, passport URL), the parse worker, the sync and its report."""
