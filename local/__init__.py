"""The local runtime: the same handlers behind an API-Gateway-shaped HTTP front, moto for AWS.

Run ``python -m local.devserver``. Everything it serves is read from ``template.yaml``
(routes, handlers, resource names, environment); nothing here keeps a second list.
"""
