"""Applying one QBO change to the local records, per entity. Every write here runs inside
`sync_suppressed()`: what came from QuickBooks is not pushed straight back."""
