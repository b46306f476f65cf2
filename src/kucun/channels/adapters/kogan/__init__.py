"""Kogan.com Marketplace Seller API v2 (integrations/kogan.md): static SellerID/SellerToken
headers, cursor-paged products, asynchronous stock writes resolved by polling their task."""
