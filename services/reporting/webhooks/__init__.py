"""Webhook delivery's adapters: the tenant's subscription directory, the delivery store (the
queue of pending deliveries, each delivery's state, the attempts log, the statistics), the
HTTPS sender that refuses private targets, the fan-out from the topics and the dispatcher."""
