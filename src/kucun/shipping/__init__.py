"""Carriers, shipping rules and shipments (物流配置, 订单规则)."""
