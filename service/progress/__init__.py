"""Live progress on a web node: the LISTEN connection, the in-process hub, and the progress sockets."""
