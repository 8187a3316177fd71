"""The QuickBooks core every part uses: the HTTP client and its typed errors, tokens, the per-company
limiter, the retry policy and QuickBooks' name rules. It knows nothing of push, import or inbound."""
