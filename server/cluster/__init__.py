"""Several server nodes: the routing lease in Redis and a node's life as standby or owner."""
