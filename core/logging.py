import logging
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class EscapingFormatter(logging.Formatter):
    """Escape CR/LF and other control characters in the message so a login name like
    "x\\r\\nADMIN ok" cannot forge a log line (ABUSE-CASES 27). Tracebacks stay readable."""

    def format(self, record):
        record.msg = escape_controls(str(record.msg))
        if record.args:
            if isinstance(record.args, dict):
                record.args = {k: escape_controls(v) if isinstance(v, str) else v
                               for k, v in record.args.items()}
            else:
                record.args = tuple(escape_controls(a) if isinstance(a, str) else a
                                    for a in record.args)
        return super().format(record)
