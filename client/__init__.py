"""OnDuty client side: ``net`` (asyncio connection, no Qt) and the load generator."""
