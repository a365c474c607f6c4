"""OnDuty routing server: pure routing core, aiohttp shell, persistence store."""
