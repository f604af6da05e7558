"""Team relays over days (接力赛): teams pass a baton along an ordered roster; each leg is one
holder answering a drawn paper of k questions on lessons' attempt engine, through the online
contest's attempts (seed, device, integrity events), so there is no second engine."""
