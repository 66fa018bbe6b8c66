"""Fulfillment: kit catalog per candidate, shipping address, orders, payments and kit status."""
