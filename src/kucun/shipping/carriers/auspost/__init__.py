"""Australia Post's Shipping & Tracking API for eParcel contract accounts
(integrations/auspost.md): Basic auth with the Account-Number header, shipments looked up by our
shipment_reference, one- or two-step PDF labels, tracking by keyword, orders as manifests."""
