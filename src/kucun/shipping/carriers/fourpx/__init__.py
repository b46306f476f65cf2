"""4PX (integrations/fourpx.md): direct-shipment consignments through the Open Platform's
signed gateway, products as services, labels fetched when 4PX has made them, tracking by
number."""
