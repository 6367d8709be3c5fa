"""Call-backs: a waiting caller's request to be rung back, the number kept encrypted until used or expired."""
