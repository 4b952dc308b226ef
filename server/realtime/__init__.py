"""The hub: live rooms in this process, their sockets, and fan-out between processes."""
