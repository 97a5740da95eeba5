"""The client core: HTTP, auth, tokens, profiles, models and transfers for a Nepenthes
server and its Nextcloud storage. No Textual import anywhere below this package."""
