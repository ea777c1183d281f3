"""The service's logs: JSON lines on stdout and in a rotating file ``DATA_DIR/logs/service.log``."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path

from publisher.layout import Layout

MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5
_PLAIN = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _PLAIN})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(data_dir: Path, stream: object = None) -> Path:
    """Send the service's and APScheduler's logs to ``stream`` (stdout) and the rotating file."""
    path = Layout(Path(data_dir)).service_log
    path.parent.mkdir(parents=True, exist_ok=True)
    formatter = JsonLines()
    handlers: list[logging.Handler] = [
        logging.StreamHandler(stream or sys.stdout),
        logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        ),
    ]
    for handler in handlers:
        handler.setFormatter(formatter)
    for name in ("schedules", "apscheduler"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        for handler in handlers:
            logger.addHandler(handler)
    return path
