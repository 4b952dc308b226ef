"""Staff pages. Until staff accounts exist, a key derived from SECRET_KEY opens them."""
