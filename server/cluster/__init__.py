"""Several server nodes: the routing lease in Redis, gateways, and a node's life as gateway or owner."""
