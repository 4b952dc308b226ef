"""Process-wide counters for GET /metrics (Prometheus text format)."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Metrics:
    commands: int = 0
    commands_rejected: int = 0
    commands_duplicate: int = 0
    commands_rate_limited: int = 0
    appends: int = 0
    frames_sent: int = 0
    frames_coalesced: int = 0
    flushes: int = 0
    store_errors: int = 0
    # Command received -> acknowledgement queued, in seconds; a Prometheus summary's sum and count.
    ack_seconds_sum: float = 0.0
    ack_seconds_count: int = 0
    sockets: dict[str, int] = field(default_factory=dict)
    # Peers that stopped reading (server/realtime/wire.py): dropped after WS_SEND_TIMEOUT.
    sockets_stalled: int = 0
    # The most one socket ever had waiting: frame text in its mailbox (characters), and bytes in
    # its transport's write buffer. Both are bounded by design; see docs/operations.md.
    mailbox_peak: int = 0
    write_buffer_peak: int = 0
    # Gauges read when /metrics is asked: name -> (help, function giving the value now).
    gauges: dict[str, tuple[str, Callable[[], float]]] = field(default_factory=dict)

    def render(self) -> str:
        lines = []
        for name, help_text, value in (
            ("commands_total", "Commands received over WebSockets", self.commands),
            ("commands_rejected_total", "Commands refused with a reason", self.commands_rejected),
            ("commands_duplicate_total", "Repeated nonces answered without appending", self.commands_duplicate),
            ("commands_rate_limited_total", "Messages refused for coming too fast from one sender", self.commands_rate_limited),
            ("store_appends_total", "Batched appends to the event log", self.appends),
            ("frames_sent_total", "WebSocket frames sent", self.frames_sent),
            ("frames_coalesced_total", "Queued frames replaced by a newer one before sending", self.frames_coalesced),
            ("view_flushes_total", "Coalesced view updates", self.flushes),
            ("store_errors_total", "Store operations that failed", self.store_errors),
            ("sockets_stalled_total", "Sockets dropped because the peer took no data for WS_SEND_TIMEOUT", self.sockets_stalled),
            ("socket_mailbox_chars_peak", "Most frame text (characters) ever waiting for one socket", self.mailbox_peak),
            ("socket_write_buffer_bytes_peak", "Most bytes ever in one socket's write buffer", self.write_buffer_peak),
            *((name, help_text, read()) for name, (help_text, read) in sorted(self.gauges.items())),
        ):
            kind = "counter" if name.endswith("_total") else "gauge"
            lines += [f"# HELP ip_{name} {help_text}", f"# TYPE ip_{name} {kind}", f"ip_{name} {value}"]
        lines += [
            "# HELP ip_ack_seconds Command received to durable acknowledgement",
            "# TYPE ip_ack_seconds summary",
            f"ip_ack_seconds_sum {self.ack_seconds_sum:.6f}",
            f"ip_ack_seconds_count {self.ack_seconds_count}",
            "# HELP ip_open_sockets Open WebSockets per audience",
            "# TYPE ip_open_sockets gauge",
        ]
        lines += [f'ip_open_sockets{{audience="{a}"}} {n}' for a, n in sorted(self.sockets.items())]
        return "\n".join(lines) + "\n"


METRICS = Metrics()
