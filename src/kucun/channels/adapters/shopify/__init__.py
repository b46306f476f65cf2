"""Shopify, through the GraphQL Admin API only (integrations/shopify.md).

``client`` speaks HTTP (token, GraphQL endpoint, throttling), ``queries`` holds the GraphQL
documents sent, ``mappers`` turns answers and webhook deliveries into the canonical types, and
``adapter`` implements the Channel interface and declares ``PLATFORM``.
"""
